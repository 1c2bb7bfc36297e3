"""Managers add, rename, enable and retire counters and their devices; a retired counter leaves the hall."""

from __future__ import annotations

import pytest

from hall.snapshots import lobby_snapshot
from hall.storage import repo
from tests.conftest import login


def audit(client, action: str) -> list[dict]:
    return client.get(f"/api/v1/admin/audit?action={action}").get_json()["entries"]


def lobby_counters(ctx) -> dict[int, str]:
    return {c["number"]: c["name"] for c in lobby_snapshot(ctx.service, ctx.live.board, "zh")["counters"]}


def take(manager, ctx, number: int) -> None:
    """The manager signs in at counter *number* (its demo clerk signs out first)."""
    held = manager.get("/api/v1/me").get_json().get("signed_in_at")
    if held and held != number:
        assert manager.post(f"/api/v1/counters/{held}/sign-out", json={}).status_code == 200
    ctx.service.close_counter(number, None)
    signed = manager.post(f"/api/v1/counters/{number}/sign-in", json={})
    assert signed.status_code == 200, signed.get_json()


def test_a_sixth_counter_is_added_serves_and_shows(manager, client, ctx):
    made = manager.post("/api/v1/admin/counters", json={"number": 6, "name": "6号窗口（综合）"})
    assert made.status_code == 201, made.get_json()
    counter = made.get_json()
    # In service, closed until somebody signs in there.
    assert counter["active"] and counter["state"] == "closed" and "E02" in counter["items"]
    assert lobby_counters(ctx)[6] == "6号窗口（综合）"
    take(manager, ctx, 6)
    ticket = client.post("/api/v1/tickets", json={"service": "E02", "print": False}).get_json()
    called = manager.post("/api/v1/counters/6/call-next", json={}).get_json()
    assert called["ticket"]["number"] == ticket["number"] and called["ticket"]["counter"] == 6
    assert client.get("/screen/counter/6").status_code == 200
    entry = audit(manager, "counter.create")[0]
    assert entry["actor"] == "manager" and entry["target"] == "counter 6"
    assert entry["after"]["name"] == "6号窗口（综合）"
    listed = {c["number"]: c for c in manager.get("/api/v1/admin/counters").get_json()["counters"]}
    assert sorted(listed) == [1, 2, 3, 4, 5, 6]

    renamed = manager.put("/api/v1/admin/counters/6", json={"name": "6号窗口（社保卡）"})
    assert renamed.status_code == 200 and lobby_counters(ctx)[6] == "6号窗口（社保卡）"
    assert audit(manager, "counter.update")[0]["before"] == {"name": "6号窗口（综合）"}


def test_retiring_with_a_ticket_in_hand_is_refused_then_the_counter_leaves_the_hall(manager, client, ctx):
    evaluator = manager.post("/api/v1/admin/counters/5/devices", json={"name": "5号评价器"})
    assert evaluator.status_code == 201
    token = evaluator.get_json()["token"]
    assert evaluator.get_json()["url"].endswith(f"/evaluator?token={token}")
    ticket = client.post("/api/v1/tickets", json={"service": "A01", "print": False}).get_json()
    take(manager, ctx, 5)
    assert manager.post("/api/v1/counters/5/call-next", json={}).status_code == 200

    refused = manager.put("/api/v1/admin/counters/5", json={"active": False})
    assert refused.status_code == 409 and refused.get_json()["error"] == "counter_in_use"
    assert ticket["number"] in refused.get_json()["message"]
    assert 5 in lobby_counters(ctx)

    for action in ("start", "finish"):
        assert manager.post(f"/api/v1/counters/5/{action}", json={}).status_code == 200
    rated = client.post("/api/v1/ratings", json={"ticket": ticket["id"], "score": 5},
                        headers={"Authorization": f"Bearer {token}"})
    assert rated.status_code == 201
    retired = manager.put("/api/v1/admin/counters/5", json={"active": False})
    assert retired.status_code == 200, retired.get_json()
    assert retired.get_json()["active"] is False and retired.get_json()["state"] == "closed"

    # Gone from routing, the lobby, the screens, the panel and the evaluator; kept in the history.
    assert 5 not in lobby_counters(ctx)
    with ctx.storage.read() as db:
        assert 5 not in [v.number for v in ctx.service.counter_views(db, open_only=False)]
        assert repo.counter(db, 5) is None
    client.post("/api/v1/tickets", json={"service": "A01", "print": False})
    assert manager.post("/api/v1/counters/5/call-next", json={}).status_code == 404
    assert client.get("/screen/counter/5").status_code == 404
    assert client.get("/screen/citizen/5").status_code == 404
    assert manager.get("/counter?counter=5").status_code == 400  # the panel offers no counter 5
    assert "5号窗口" not in manager.get("/counter?counter=1").get_data(as_text=True)
    # Its evaluator was withdrawn with it: its token rates nothing any more.
    assert client.post("/api/v1/ratings", json={"ticket": ticket["id"], "score": 4},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 401
    entry = audit(manager, "counter.retire")[0]
    assert entry["before"]["active"] is True and entry["after"] == {"active": False, "devices": []}
    listed = {c["number"]: c for c in manager.get("/api/v1/admin/counters").get_json()["counters"]}
    assert listed[5]["active"] is False and listed[5]["retired_at"]

    enabled = manager.put("/api/v1/admin/counters/5", json={"active": True})
    assert enabled.status_code == 200 and enabled.get_json()["state"] == "closed"  # until someone signs in
    assert 5 in lobby_counters(ctx) and audit(manager, "counter.enable")
    take(manager, ctx, 5)
    assert manager.post("/api/v1/counters/5/call-next", json={}).status_code == 200


def test_a_ticket_transferred_to_the_counter_blocks_its_retirement(manager, client, ctx):
    client.post("/api/v1/tickets", json={"service": "A01", "print": False})
    take(manager, ctx, 1)
    manager.post("/api/v1/counters/1/call-next", json={})
    assert manager.post("/api/v1/counters/1/transfer", json={"to_counter": 4}).status_code == 200
    refused = manager.put("/api/v1/admin/counters/4", json={"active": False})
    assert refused.status_code == 409 and refused.get_json()["details"]["tickets"] == ["A001"]


def test_evaluator_devices_and_led_strips(manager, client, ctx):
    made = manager.post("/api/v1/admin/counters/2/devices", json={}).get_json()
    listed = {c["number"]: c for c in manager.get("/api/v1/admin/counters").get_json()["counters"]}
    assert [d["id"] for d in listed[2]["devices"]] == [made["device"]["id"]]
    assert "token" not in str(audit(manager, "device")[0])
    revoked = manager.post(f"/api/v1/admin/counters/2/devices/{made['device']['id']}/revoke", json={})
    assert revoked.status_code == 200
    assert client.post("/api/v1/ratings", json={"ticket": 1, "score": 5},
                       headers={"Authorization": f"Bearer {made['token']}"}).status_code == 401
    assert manager.post(f"/api/v1/admin/counters/2/devices/{made['device']['id']}/revoke", json={}).status_code == 404

    led = {"port": "/dev/ttyUSB0", "address": 2}
    assert manager.put("/api/v1/admin/counters/2", json={"led": led}).status_code == 200
    taken = manager.put("/api/v1/admin/counters/3", json={"led": {"port": "/dev/ttyUSB0", "address": 2}})
    assert taken.status_code == 400 and "2 号窗口" in taken.get_json()["message"]
    with ctx.storage.read() as db:
        assert repo.led_strips(db) == [{"counter": 2, "name": "2号窗口", "port": "/dev/ttyUSB0", "address": 2}]
    assert audit(manager, "counter.update")[0]["after"] == {"led": {"port": "/dev/ttyUSB0", "address": 2}}
    manager.put("/api/v1/admin/counters/2", json={"led": None})
    with ctx.storage.read() as db:
        assert repo.led_strips(db) == []


@pytest.mark.parametrize(("method", "url", "body", "status"), [
    ("post", "/api/v1/admin/counters", {"number": 0}, 400),
    ("post", "/api/v1/admin/counters", {"number": "6"}, 400),
    ("post", "/api/v1/admin/counters", {"number": 1}, 400),
    ("post", "/api/v1/admin/counters", {"number": 7, "name": "x" * 41}, 400),
    ("post", "/api/v1/admin/counters", {"number": 7, "items": ["ZZZ"]}, 400),
    ("post", "/api/v1/admin/counters", {"number": 7, "colour": "red"}, 400),
    ("post", "/api/v1/admin/counters", {"number": 7, "led": {"port": "", "address": 1}}, 400),
    ("post", "/api/v1/admin/counters", {"number": 7, "led": {"port": "/dev/ttyS0", "address": 256}}, 400),
    ("put", "/api/v1/admin/counters/9", {"name": "九"}, 404),
    ("put", "/api/v1/admin/counters/1", {"active": "no"}, 400),
    ("put", "/api/v1/admin/counters/1", {"number": 2}, 400),
    ("post", "/api/v1/admin/counters/9/devices", {}, 404),
    ("post", "/api/v1/admin/counters/1/devices", {"kind": "printer"}, 400),
])
def test_bad_input_gets_a_clear_refusal(manager, method, url, body, status):
    response = getattr(manager, method)(url, json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["message"]


def test_only_managers_configure_counters(clerk, app):
    assert clerk.post("/api/v1/admin/counters", json={"number": 6}).status_code == 403
    assert clerk.put("/api/v1/admin/counters/1", json={"active": False}).status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert admin.post("/api/v1/admin/counters", json={"number": 6}).status_code == 201
    # A retired number comes back by enabling it, not by adding it again.
    assert admin.put("/api/v1/admin/counters/6", json={"active": False}).status_code == 200
    again = admin.post("/api/v1/admin/counters", json={"number": 6})
    assert again.status_code == 400 and "enable" in again.get_json()["message"]


def test_lobby_screens_drop_a_retired_counter_at_once(manager, ctx, socket_client):
    from tests.conftest import received

    lobby = socket_client("/lobby")
    first = received(lobby, "/lobby", ctx, "snapshot")[0]["args"][0]
    assert 3 in [c["number"] for c in first["counters"]]
    assert manager.put("/api/v1/admin/counters/3", json={"active": False}).status_code == 200
    queues = received(lobby, "/lobby", ctx, "queues")[-1]["args"][0]
    assert [c["number"] for c in queues["counters"]] == [1, 2, 4, 5]
    assert manager.post("/api/v1/admin/counters", json={"number": 8, "name": "8号窗口"}).status_code == 201
    queues = received(lobby, "/lobby", ctx, "queues")[-1]["args"][0]
    assert [c["number"] for c in queues["counters"]] == [1, 2, 4, 5, 8]
