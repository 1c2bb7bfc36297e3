"""A clerk signs in at their own counter, holds one counter at a time, and acts only there (issues 12 and 13)."""

from __future__ import annotations

from flask_socketio import SocketIOTestClient

from hall.web.extensions import socketio
from tests.conftest import login, received


def test_a_clerk_may_not_act_at_another_clerks_counter(app, client, clerk):
    # Issue 13, point 1: clerk1 (counter 1) paused, called and finished at counter 4.
    client.post("/api/v1/tickets", json={"service": "A01", "print": False})
    for action in ("pause", "call-next", "finish", "resume"):
        refused = clerk.post(f"/api/v1/counters/4/{action}", json={})
        assert refused.status_code == 403, (action, refused.get_json())
        assert refused.get_json()["error"] == "not_authorised" and "clerk4" in refused.get_json()["message"]
    # Nor take it: clerk1 is assigned to counter 1.
    assert clerk.post("/api/v1/counters/4/sign-in", json={}).status_code == 403
    assert clerk.post("/api/v1/counters/1/call-next", json={}).status_code == 200


def test_the_panel_of_another_counter_is_refused_with_a_reason(app, clerk):
    panel = socketio.test_client(app, namespace="/counter", flask_test_client=clerk, auth={"counter": 3})
    assert not panel.is_connected("/counter")
    own = socketio.test_client(app, namespace="/counter", flask_test_client=clerk, auth={"counter": 1})
    assert own.is_connected("/counter")
    own.disconnect(namespace="/counter")


def test_one_person_holds_one_counter_at_a_time(app, ctx, manager, client):
    # Issue 12, point 7: a manager standing in takes a free counter, but not a second one.
    ctx.service.close_counter(2, None)
    ctx.service.close_counter(3, None)
    assert manager.post("/api/v1/counters/2/sign-in", json={}).status_code == 200
    refused = manager.post("/api/v1/counters/3/sign-in", json={})
    assert refused.status_code == 409 and refused.get_json()["details"]["reason"] == "holds_other_counter"
    assert "2" in refused.get_json()["message"]
    taken = manager.post("/api/v1/counters/1/sign-in", json={})  # clerk1 is signed in there
    assert taken.status_code == 409 and refused.get_json()["error"] == "counter_busy"
    assert manager.post("/api/v1/counters/2/sign-out", json={}).status_code == 200
    assert manager.post("/api/v1/counters/3/sign-in", json={}).status_code == 200
    assert manager.get("/api/v1/me").get_json()["signed_in_at"] == 3


def test_logout_leaves_the_counter_but_never_with_a_ticket_in_hand(app, ctx, client, clerk, socket_client):
    # Issue 12, point 6.
    lobby = socket_client("/lobby")
    received(lobby, "/lobby", ctx)
    client.post("/api/v1/tickets", json={"service": "A01", "print": False})
    assert clerk.post("/api/v1/counters/1/call-next", json={}).status_code == 200
    refused = clerk.post("/api/v1/logout", json={})
    assert refused.status_code == 409 and "A001" in refused.get_json()["message"]
    assert clerk.get("/api/v1/me").status_code == 200  # still logged in, still at the counter
    for action in ("start", "finish"):
        assert clerk.post(f"/api/v1/counters/1/{action}", json={}).status_code == 200
    left = clerk.post("/api/v1/logout", json={})
    assert left.status_code == 200 and left.get_json()["left_counter"] == 1
    assert clerk.get("/api/v1/me").status_code == 401
    queues = received(lobby, "/lobby", ctx, "queues")[-1]["args"][0]
    assert {c["number"]: c["state"] for c in queues["counters"]}[1] == "closed"
    # Another clerk may now take counter 1 only if it is theirs: it stays closed until clerk1 is back.
    again = app.test_client()
    login(again, "clerk1")
    assert again.post("/api/v1/counters/1/call-next", json={}).get_json()["error"] == "illegal_transition"
    assert again.post("/api/v1/counters/1/sign-in", json={}).status_code == 200


def test_a_counter_is_open_only_while_a_clerk_is_signed_in(app, ctx, client, socket_client):
    # Issue 12, point 8: closed counters are neither "open" on the lobby nor counted in estimates.
    for number in (2, 3, 4, 5):
        ctx.service.close_counter(number, None)
    lobby = socket_client("/lobby")
    snapshot = received(lobby, "/lobby", ctx, "snapshot")[0]["args"][0]
    assert [c["open"] for c in snapshot["counters"]] == [True, False, False, False, False]
    for _ in range(4):
        client.post("/api/v1/tickets", json={"service": "A01", "print": False})
    one_open = client.post("/api/v1/tickets", json={"service": "A01", "print": False}).get_json()
    ctx.service.open_counter(2, "clerk2")
    two_open = client.post("/api/v1/tickets", json={"service": "A01", "print": False}).get_json()
    assert one_open["people_ahead"] == 4 and two_open["people_ahead"] == 5
    # Five ahead shared by two counters wait less than four ahead at one.
    assert two_open["estimated_wait_minutes"] < one_open["estimated_wait_minutes"]


def test_the_receiving_counter_sees_where_a_ticket_came_from_and_the_note(app, ctx, client, clerk):
    # Issue 12, point 9.
    clerk2 = app.test_client()
    login(clerk2, "clerk2")
    client.post("/api/v1/tickets", json={"service": "C01", "print": False})
    clerk.post("/api/v1/counters/1/call-next", json={})
    moved = clerk.post("/api/v1/counters/1/transfer", json={"to_counter": 2, "note": "需要工伤认定，请2号窗口协助"})
    assert moved.status_code == 200
    panel: SocketIOTestClient = socketio.test_client(app, namespace="/counter", flask_test_client=clerk2,
                                                     auth={"counter": 2})
    received(panel, "/counter", ctx)
    assert clerk2.post("/api/v1/counters/2/call-next", json={}).get_json()["ticket"]["number"] == "C001"
    state = received(panel, "/counter", ctx, "counter_state")[-1]["args"][0]
    assert state["ticket"]["transfer"] == {"from_counter": 1, "note": "需要工伤认定，请2号窗口协助"}
    panel.disconnect(namespace="/counter")


def test_pause_reasons_come_from_a_list_and_stay_off_public_screens(app, ctx, clerk, socket_client):
    # Issue 12, point 12.
    lobby = socket_client("/lobby")
    screen = socket_client("/screen", auth={"view": "counter", "counter": 1})
    assert clerk.post("/api/v1/counters/1/pause", json={"reason": "lunch"}).get_json()["counter"]["reason"] == "lunch"
    clerk.post("/api/v1/counters/1/resume", json={})
    paused = clerk.post("/api/v1/counters/1/pause", json={"reason": "other", "note": "去财务科对账"}).get_json()
    assert paused["counter"]["reason"] == "other: 去财务科对账"  # free text only with "other"
    clerk.post("/api/v1/counters/1/resume", json={})
    old_client = clerk.post("/api/v1/counters/1/pause", json={"reason": "lunch again"}).get_json()
    assert old_client["counter"]["reason"] == "other: lunch again"  # free text is never taken as a listed reason
    public = str(received(lobby, "/lobby", ctx)) + str(received(screen, "/screen", ctx))
    assert "财务科" not in public and "lunch again" not in public and "pause_reason" not in public
