"""Several server processes, one hall: two `onewindow serve --message-queue redis://…` on one database."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.realserver import Recorder, staff_session
from tests.live import LiveServer, free_port, wait_for_port

REDIS = shutil.which("redis-server")


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if REDIS is None:
        pytest.skip("redis-server is not installed (scripts/install.sh --test installs it)")
    port = free_port()
    process = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, http=False)  # Redis does not speak HTTP
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def two_servers(tmp_path: Path, redis_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    a = LiveServer(tmp_path, free_port(), ["--message-queue", redis_url]).start()
    a.read_banner()
    b = LiveServer(tmp_path, free_port(), ["--message-queue", redis_url]).start()
    try:
        yield a, b
    finally:
        b.stop()
        a.stop()


def test_a_call_on_one_process_reaches_a_lobby_on_the_other(two_servers):
    a, b = two_servers
    assert a.db == b.db
    lobby = Recorder(b.url, "/lobby")
    try:
        snapshot, _ = lobby.wait_for("snapshot")
        clerk = staff_session(a.url, "clerk1")
        issued = clerk.post(f"{a.url}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=30)
        assert issued.status_code == 201, issued.text
        called = clerk.post(f"{a.url}/api/v1/counters/1/call-next", json={}, timeout=30)
        assert called.status_code == 200, called.text
        number = called.json()["ticket"]["number"]
        message, seen = lobby.wait_for("ticket_called", lambda m: m.get("number") == number)
        assert message["counter"] == 1
        # The sequence is shared through Redis: the lobby on B sees A's messages without gaps or a new epoch.
        numbered = [m for name, m in seen if name != "snapshot"]
        assert [m["seq"] for m in numbered] == list(range(snapshot["seq"] + 1, snapshot["seq"] + 1 + len(numbered)))
        assert {m["epoch"] for m in numbered} == {snapshot["epoch"]}
        # And B reads the same database: the ticket A issued is there.
        assert b.url and staff_session(b.url, "clerk2").get(
            f"{b.url}/api/v1/tickets/{called.json()['ticket']['id']}", timeout=30).json()["number"] == number
    finally:
        lobby.close()
