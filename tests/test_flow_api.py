"""The whole flow through the JSON API and the Socket.IO test clients."""

from __future__ import annotations

from tests.conftest import received


def test_ticket_call_finish_rate_and_summary(app, ctx, client, clerk, manager, socket_client):
    lobby = socket_client("/lobby")
    snapshot = received(lobby, "/lobby", ctx, "snapshot")
    assert snapshot and snapshot[0]["args"][0]["waiting_total"] == 0

    issued = client.post("/api/v1/tickets", json={"service": "B01"})
    assert issued.status_code == 201
    ticket = issued.get_json()
    assert ticket["number"] == "B001" and ticket["state"] == "waiting" and ticket["people_ahead"] == 0

    called = clerk.post("/api/v1/counters/1/call-next", json={}).get_json()["ticket"]
    assert called["number"] == "B001" and called["counter"] == 1

    calls = received(lobby, "/lobby", ctx, "ticket_called")
    assert [(c["args"][0]["number"], c["args"][0]["counter"]) for c in calls] == [("B001", 1)]
    assert isinstance(calls[0]["args"][0]["seq"], int)

    assert clerk.post("/api/v1/counters/1/start", json={}).status_code == 200
    assert clerk.post("/api/v1/counters/1/finish", json={}).get_json()["ticket"]["state"] == "finished"

    _, token = ctx.accounts.add_device("evaluator", counter=1)
    rated = client.post("/api/v1/ratings", json={"ticket": ticket["id"], "score": 5},
                        headers={"Authorization": f"Bearer {token}"})
    assert rated.status_code == 201, rated.get_json()

    summary = manager.get("/api/v1/reports/summary").get_json()
    assert summary["issued"] == 1 and summary["finished"] == 1 and summary["rated"] == 1
    assert summary["satisfaction_rate"] == 1.0
