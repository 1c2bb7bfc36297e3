"""The live channel coalesces state messages: a burst of events costs one lobby snapshot, not one per event."""

from __future__ import annotations

from tests.conftest import received


def test_a_burst_of_tickets_sends_every_event_message_but_one_queues_state(ctx, client, socket_client):
    lobby = socket_client("/lobby")
    snapshot = [m for m in received(lobby, "/lobby", ctx) if m["name"] == "snapshot"][-1]["args"][0]
    with ctx.live.lock:  # the worker blocks on its first emission; the burst queues up behind it
        for _ in range(6):
            assert client.post("/api/v1/tickets", json={"service": "A01", "print": False}).status_code == 201
    messages = received(lobby, "/lobby", ctx)
    queues = [m["args"][0] for m in messages if m["name"] == "queues"]
    assert 1 <= len(queues) <= 2, len(queues)  # the first event alone, then the other five together
    assert queues[-1]["waiting_total"] == 6
    seqs = [m["args"][0]["seq"] for m in messages]
    assert seqs == list(range(snapshot["seq"] + 1, snapshot["seq"] + 1 + len(seqs)))


def test_per_event_messages_keep_their_order_within_a_batch(ctx, client, clerk, socket_client):
    lobby = socket_client("/lobby")
    received(lobby, "/lobby", ctx)
    for _ in range(3):
        client.post("/api/v1/tickets", json={"service": "A01", "print": False})
    with ctx.live.lock:
        for _ in range(3):
            assert clerk.post("/api/v1/counters/1/call-next", json={}).status_code == 200
            assert clerk.post("/api/v1/counters/1/no-show", json={}).status_code == 200
    called = [m["args"][0]["number"] for m in received(lobby, "/lobby", ctx, "ticket_called")]
    assert called == ["A001", "A002", "A003"]
