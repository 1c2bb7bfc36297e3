"""The live channel through the Socket.IO test client: snapshots, sequence numbers, rooms and roles."""

from __future__ import annotations

from tests.conftest import login, received


def args(messages):
    return [m["args"][0] for m in messages]


def test_lobby_gets_snapshot_then_numbered_events(ctx, client, clerk, socket_client):
    lobby = socket_client("/lobby")
    snap = args(received(lobby, "/lobby", ctx, "snapshot"))[0]
    client.post("/api/v1/tickets", json={"service": "A01"})
    ctx.live.wait_idle()  # state messages are coalesced per batch: let the issue go out on its own
    clerk.post("/api/v1/counters/1/call-next", json={})
    clerk.post("/api/v1/counters/1/recall", json={})
    messages = [m for m in received(lobby, "/lobby", ctx) if m["name"] != "snapshot"]
    seqs = [m["args"][0]["seq"] for m in messages]
    assert seqs == list(range(snap["seq"] + 1, snap["seq"] + 1 + len(seqs)))
    assert all(m["args"][0]["epoch"] == snap["epoch"] for m in messages)
    called = [m["args"][0] for m in messages if m["name"] == "ticket_called"]
    assert [(c["number"], c["counter"], c["recall"]) for c in called] == [("A001", 1, False), ("A001", 1, True)]
    queues = [m["args"][0] for m in messages if m["name"] == "queues"]
    assert queues[0]["waiting_total"] == 1 and queues[-1]["waiting_total"] == 0


def test_lobby_carries_no_personal_data(ctx, client, clerk, socket_client):
    lobby = socket_client("/lobby")
    client.post("/api/v1/tickets", json={"service": "A01"})
    clerk.post("/api/v1/counters/1/call-next", json={})
    text = repr(received(lobby, "/lobby", ctx))
    assert "clerk1" not in text and "综合柜员" not in text and "token" not in text


def test_snapshot_request_resends_state(ctx, client, socket_client):
    lobby = socket_client("/lobby")
    received(lobby, "/lobby", ctx)
    client.post("/api/v1/tickets", json={"service": "A01"})
    lobby.emit("snapshot_request", namespace="/lobby")
    snaps = args(received(lobby, "/lobby", ctx, "snapshot"))
    assert snaps and snaps[-1]["waiting_total"] == 1


def test_counter_namespace_refuses_anonymous_and_wrong_roles(app, socket_client):
    anonymous = socket_client("/counter", auth={"counter": 1})
    assert not anonymous.is_connected("/counter")
    backoffice = app.test_client()
    login(backoffice, "review")
    refused = socket_client("/counter", flask_client=backoffice, auth={"counter": 1})
    assert not refused.is_connected("/counter")


def test_two_panels_on_one_counter_stay_in_sync(app, ctx, client, clerk, socket_client):
    other = app.test_client()
    login(other, "clerk1")
    a = socket_client("/counter", flask_client=clerk, auth={"counter": 1})
    b = socket_client("/counter", flask_client=other, auth={"counter": 1})
    assert a.is_connected("/counter") and b.is_connected("/counter")
    received(a, "/counter", ctx), received(b, "/counter", ctx)
    client.post("/api/v1/tickets", json={"service": "A01"})
    result = a.emit("action", {"action": "call-next"}, namespace="/counter", callback=True)
    assert result["ticket"]["number"] == "A001"
    last_b = args(received(b, "/counter", ctx, "counter_state"))[-1]
    assert last_b["ticket"]["number"] == "A001" and last_b["ticket"]["state"] == "called"
    refused = b.emit("action", {"action": "finish"}, namespace="/counter", callback=True)
    assert refused["error"] == "illegal_transition"
    bad = b.emit("action", {"action": "dance"}, namespace="/counter", callback=True)
    assert bad["error"] == "invalid_input"


def test_counter_rooms_are_separate(app, ctx, client, clerk, socket_client):
    two = app.test_client()
    login(two, "clerk2")
    panel_two = socket_client("/counter", flask_client=two, auth={"counter": 2})
    received(panel_two, "/counter", ctx)
    client.post("/api/v1/tickets", json={"service": "A01"})
    clerk.post("/api/v1/counters/1/call-next", json={})
    states = args(received(panel_two, "/counter", ctx, "counter_state"))
    assert states and all(s["counter"]["number"] == 2 and s["ticket"] is None for s in states)


def test_evaluator_needs_its_device_token_and_gets_rate_requests(ctx, client, clerk, socket_client):
    assert not socket_client("/evaluator", auth={"device_token": "nope"}).is_connected("/evaluator")
    _, kiosk = ctx.accounts.add_device("kiosk")
    assert not socket_client("/evaluator", auth={"device_token": kiosk}).is_connected("/evaluator")
    _, token = ctx.accounts.add_device("evaluator", counter=1)
    pad = socket_client("/evaluator", auth={"device_token": token})
    assert args(received(pad, "/evaluator", ctx, "snapshot"))[0]["pending"] is None
    t = client.post("/api/v1/tickets", json={"service": "A01"}).get_json()
    for action in ("call-next", "start", "finish"):
        clerk.post(f"/api/v1/counters/1/{action}", json={})
    request = args(received(pad, "/evaluator", ctx, "rate_request"))
    assert request and request[0]["ticket"] == t["id"] and request[0]["window_seconds"] == 60
    client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5}, headers={"Authorization": f"Bearer {token}"})
    assert args(received(pad, "/evaluator", ctx, "rating_closed"))[0]["score"] == 5


def test_status_page_socket_needs_a_real_ticket_token(ctx, client, clerk, socket_client):
    assert not socket_client("/status", auth={"ticket": "guess"}).is_connected("/status")
    t = client.post("/api/v1/tickets", json={"service": "A01"}).get_json()
    phone = socket_client("/status", auth={"ticket": t["token"]})
    assert phone.is_connected("/status")
    clerk.post("/api/v1/counters/1/call-next", json={})
    updates = args(received(phone, "/status", ctx, "ticket_update"))
    assert updates[-1]["ticket"]["state"] == "called" and updates[-1]["ticket"]["counter"] == 1


def test_console_namespace_is_for_managers(app, ctx, manager, clerk, socket_client):
    assert not socket_client("/console", flask_client=clerk).is_connected("/console")
    console = socket_client("/console", flask_client=manager)
    snap = args(received(console, "/console", ctx, "snapshot"))[0]
    assert snap["summary"]["issued"] == 0 and any(d["device"] == "printer" for d in snap["devices"])
