"""Issue 13, point 2: a ticket's secret token is not enumerable; public answers never show other people's tickets."""

from __future__ import annotations


def test_anonymous_callers_cannot_walk_the_ticket_ids(client):
    issued = [client.post("/api/v1/tickets", json={"service": "A01", "print": False}).get_json() for _ in range(3)]
    for ticket in issued:
        # The attack of the issue: GET /api/v1/tickets/<id> with sequential ids.
        response = client.get(f"/api/v1/tickets/{ticket['id']}")
        assert response.status_code == 401
        assert ticket["token"] not in response.get_data(as_text=True)
    assert client.get("/api/v1/tickets/99999").status_code == 401  # no "exists / does not exist" oracle either


def test_the_holder_follows_a_ticket_by_its_token_and_staff_by_its_id(client, clerk):
    ticket = client.post("/api/v1/tickets", json={"service": "A01", "print": False}).get_json()
    mine = client.get(f"/api/v1/status/{ticket['token']}").get_json()
    assert mine["id"] == ticket["id"] and mine["status_url"].endswith(ticket["token"])
    assert client.get("/api/v1/status/not-a-token").status_code == 404
    assert clerk.get(f"/api/v1/tickets/{ticket['id']}").get_json()["number"] == ticket["number"]


def test_tokens_are_long_and_random(client):
    tokens = {client.post("/api/v1/tickets", json={"service": "A01", "print": False}).get_json()["token"]
              for _ in range(20)}
    assert len(tokens) == 20 and min(len(t) for t in tokens) >= 16
