"""What the lobby shows as "now calling" and "recent calls" follows each ticket's life (issue 12, point 10)."""

from __future__ import annotations

from tests.conftest import received


def _queues(lobby, ctx) -> dict:
    return received(lobby, "/lobby", ctx, "queues")[-1]["args"][0]


def test_now_calling_clears_when_the_ticket_leaves_the_counter(ctx, client, clerk, socket_client):
    lobby = socket_client("/lobby")
    received(lobby, "/lobby", ctx)
    client.post("/api/v1/tickets", json={"service": "B01", "print": False})
    clerk.post("/api/v1/counters/1/call-next", json={})
    assert _queues(lobby, ctx)["now_calling"]["number"] == "B001"
    clerk.post("/api/v1/counters/1/no-show", json={})
    queues = _queues(lobby, ctx)
    assert queues["now_calling"] is None  # no longer "正在呼叫 B002 → 1号窗口" after the no-show
    assert [c["number"] for c in queues["recent_calls"]] == ["B001"]  # still among the recent calls


def test_each_ticket_once_in_recent_calls_with_recalls_marked(ctx, client, clerk, socket_client):
    lobby = socket_client("/lobby")
    for _ in range(2):
        client.post("/api/v1/tickets", json={"service": "B01", "print": False})
    clerk.post("/api/v1/counters/1/call-next", json={})
    for _ in range(3):
        clerk.post("/api/v1/counters/1/recall", json={})
    queues = _queues(lobby, ctx)
    assert [c["number"] for c in queues["recent_calls"]] == ["B001"]
    assert queues["recent_calls"][0]["recall"] is True and queues["recent_calls"][0]["recall_count"] == 3
    for action in ("start", "finish", "call-next"):
        clerk.post(f"/api/v1/counters/1/{action}", json={})
    queues = _queues(lobby, ctx)
    assert [c["number"] for c in queues["recent_calls"]] == ["B002", "B001"]
    assert queues["now_calling"]["number"] == "B002"
    # A screen that connects now gets the same board from its snapshot.
    late = socket_client("/lobby")
    snapshot = received(late, "/lobby", ctx, "snapshot")[0]["args"][0]
    assert [c["number"] for c in snapshot["recent_calls"]] == ["B002", "B001"]
    assert snapshot["now_calling"]["number"] == "B002"


def test_a_second_process_builds_the_same_board_from_the_log(ctx, client, clerk):
    from hall.lobby_board import LobbyBoard, day_start_at

    client.post("/api/v1/tickets", json={"service": "B01", "print": False})
    clerk.post("/api/v1/counters/1/call-next", json={})
    clerk.post("/api/v1/counters/1/recall", json={})
    ctx.live.wait_idle()
    fresh = LobbyBoard()
    day = ctx.service.today()
    with ctx.storage.read() as db:
        fresh.load(db, day, day_start_at(day, ctx.service.hall.tz, ctx.service.hall.day_start))
    assert fresh.snapshot(8) == ctx.live.board.snapshot(8)
