"""Lobby screens and counter panels reconnect by themselves after a server restart and resync from a snapshot."""

from __future__ import annotations

import requests

from tests.faults.realserver import Recorder, staff_session


def test_lobby_and_panel_resync_after_kill_9_and_restart(live_server) -> None:
    url = live_server.url
    clerk = staff_session(url, "clerk1")
    token = clerk.headers["Authorization"].split()[1]
    for _ in range(3):
        assert requests.post(f"{url}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=30).ok
    lobby = Recorder(url, "/lobby", reconnection=True)
    panel = Recorder(url, "/counter", auth={"token": token, "counter": 1}, reconnection=True)
    try:
        before, _ = lobby.wait_for("snapshot")
        panel_before, _ = panel.wait_for("snapshot")
        assert before["waiting_total"] == 3

        live_server.kill()
        live_server.start()  # same port, same database, a new process with a new epoch
        after, _ = lobby.wait_for("snapshot", timeout=60)
        panel_after, _ = panel.wait_for("snapshot", timeout=60)
        assert after["epoch"] != before["epoch"] and panel_after["epoch"] != panel_before["epoch"]
        assert after["waiting_total"] == 3  # rebuilt from the database, nothing lost

        clerk = staff_session(url, "clerk1")  # tokens live in the database: the new process knows them too
        called = clerk.post(f"{url}/api/v1/counters/1/call-next", json={}, timeout=30)
        assert called.status_code == 200 and called.json()["ticket"]["number"] == "A001"
        lobby.wait_for("ticket_called", lambda m: m.get("number") == "A001")
        state, _ = panel.wait_for("counter_state", lambda m: (m.get("ticket") or {}).get("number") == "A001")
        assert state["epoch"] == panel_after["epoch"]
    finally:
        lobby.close()
        panel.close()
