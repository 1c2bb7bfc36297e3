"""Lobby, counter and citizen screens over the Socket.IO test client; the checklist API."""

from __future__ import annotations

import pytest

from hall.config import ConfigError, parse_config
from hall.storage import checklist as checklist_store
from hall.storage import repo
from tests.conftest import received


def _last(sio, ctx, name: str) -> dict:
    messages = received(sio, "/screen", ctx, name)
    assert messages, f"no {name} message"
    return messages[-1]["args"][0]


def test_lobby_snapshot_has_counters_notices_hours_and_follows_pause(ctx, client, clerk, socket_client):
    lobby = socket_client("/lobby")
    snap = received(lobby, "/lobby", ctx, "snapshot")[0]["args"][0]
    assert snap["notices"]["zh"][0] == "过号请重新取号"
    assert snap["service_hours"]["zh"] == ctx.config.lobby.service_hours
    assert [c["state"] for c in snap["counters"]] == ["open"] * 5
    with ctx.storage.write() as db:
        repo.set_setting(db, "service_hours", {"zh": "周六 9:00–12:00", "en": "Sat 9:00-12:00"})
    assert clerk.post("/api/v1/counters/1/pause", json={"reason": "other", "note": "去趟银行"}).status_code == 200
    queues = received(lobby, "/lobby", ctx, "queues")[-1]["args"][0]
    # The lobby is public: a paused counter shows as paused, never why (the clerk's note stays internal).
    assert queues["counters"][0] == {"number": 1, "name": queues["counters"][0]["name"], "state": "paused",
                                     "open": False}
    assert "银行" not in str(queues)
    assert queues["service_hours"] == {"zh": "周六 9:00–12:00", "en": "Sat 9:00-12:00"}
    # no personal data on the public lobby: only numbers and counters
    assert "staff" not in str(queues) and "clerk1" not in str(queues)


def test_counter_screen_follows_call_pause_and_resume(ctx, client, clerk, socket_client):
    screen = socket_client("/screen", auth={"view": "counter", "counter": 1})
    snap = received(screen, "/screen", ctx, "snapshot")[0]["args"][0]
    assert snap["counter"] == 1 and snap["number"] is None and snap["clerk"] == "综合柜员 1"
    client.post("/api/v1/tickets", json={"service": "B01"})
    clerk.post("/api/v1/counters/1/call-next", json={})
    state = _last(screen, ctx, "counter_screen")
    assert (state["number"], state["ticket_state"], state["paused"]) == ("B001", "called", False)
    clerk.post("/api/v1/counters/1/no-show", json={})
    assert clerk.post("/api/v1/counters/1/pause", json={"reason": "lunch"}).status_code == 200
    state = _last(screen, ctx, "counter_screen")
    assert state["paused"] and state["number"] is None and "pause_reason" not in state
    clerk.post("/api/v1/counters/1/resume", json={})
    assert not _last(screen, ctx, "counter_screen")["paused"]


def test_screen_refuses_unknown_counter_and_bad_auth(app, socket_client):
    assert not socket_client("/screen", auth={"view": "counter", "counter": 99}).is_connected("/screen")
    assert not socket_client("/screen", auth={"view": "kitchen", "counter": 1}).is_connected("/screen")
    assert app.test_client().get("/screen/counter/99").status_code == 404


def test_citizen_screen_follows_checklist_stages_and_rating(ctx, client, clerk, socket_client):
    screen = socket_client("/screen", auth={"view": "citizen", "counter": 1})
    assert received(screen, "/screen", ctx, "snapshot")[0]["args"][0]["case"] is None
    ticket = client.post("/api/v1/tickets", json={"service": "B01"}).get_json()
    clerk.post("/api/v1/counters/1/call-next", json={})
    case = _last(screen, ctx, "citizen_screen")["case"]
    # Called: the citizen is asked to come to the counter — nothing is "accepted" yet.
    assert case["number"] == "B001" and case["stage"] == "called" and case["materials"]
    assert not any(m["checked"] for m in case["materials"])
    clerk.post("/api/v1/counters/1/start", json={})
    assert _last(screen, ctx, "citizen_screen")["case"]["stage"] == "serving"

    ticked = clerk.post("/api/v1/counters/1/checklist", json={"material": 0, "checked": True})
    assert ticked.status_code == 200, ticked.get_json()
    assert ticked.get_json()["materials"][0]["checked"] is True
    case = _last(screen, ctx, "citizen_screen")["case"]
    assert [m["checked"] for m in case["materials"]][:1] == [True]
    assert clerk.get("/api/v1/counters/1/checklist").get_json()["materials"][0]["checked"] is True

    clerk.post("/api/v1/counters/1/finish", json={})
    case = _last(screen, ctx, "citizen_screen")["case"]
    with ctx.storage.read() as db:
        reviewed = repo.service_item(db, "B01").kind == "reviewed"
    # Finished: the citizen is asked to rate, and told whether the case goes on in the back office.
    assert case["stage"] == "rating" and case["backoffice"] is reviewed
    assert case["rating"]["state"] == "open"

    _, token = ctx.accounts.add_device("evaluator", counter=1)
    client.post("/api/v1/ratings", json={"ticket": ticket["id"], "score": 5},
                headers={"Authorization": f"Bearer {token}"})
    case = _last(screen, ctx, "citizen_screen")["case"]
    assert case["rating"]["state"] == "done" and case["stage"] == "thanks"


def test_reviewed_item_is_handed_to_back_office(ctx, client, clerk, socket_client):
    with ctx.storage.read() as db:
        reviewed = next(i for i in repo.service_items(db) if i.kind == "reviewed")
    client.post("/api/v1/tickets", json={"service": reviewed.code})
    screen = socket_client("/screen", auth={"view": "citizen", "counter": 1})
    for action in ("call-next", "start", "finish"):
        assert clerk.post(f"/api/v1/counters/1/{action}", json={}).status_code == 200
    case = _last(screen, ctx, "citizen_screen")["case"]
    assert case["backoffice"] is True and case["stage"] == "rating"


@pytest.mark.parametrize("body, status", [
    ({"material": 0}, 400), ({"material": "0", "checked": True}, 400), ({"material": 99, "checked": True}, 400),
    ({"material": 0, "checked": True, "extra": 1}, 400),
])
def test_checklist_rejects_bad_input(client, clerk, body, status):
    client.post("/api/v1/tickets", json={"service": "B01"})
    clerk.post("/api/v1/counters/1/call-next", json={})
    response = clerk.post("/api/v1/counters/1/checklist", json=body)
    assert response.status_code == status and response.get_json()["error"] == "invalid_input"


def test_checklist_needs_a_clerk_and_a_ticket_in_hand(app, client, clerk):
    assert client.post("/api/v1/counters/1/checklist", json={"material": 0, "checked": True}).status_code == 401
    assert clerk.post("/api/v1/counters/1/checklist", json={"material": 0, "checked": True}).status_code == 409
    assert clerk.post("/api/v1/counters/1/checklist", data="x").status_code == 415
    assert "/counters/{number}/checklist" in app.test_client().get("/api/v1/openapi.json").get_json()["paths"]


def test_checklist_resets_when_the_ticket_changes(ctx, client):
    first = client.post("/api/v1/tickets", json={"service": "B01"}).get_json()["id"]
    second = client.post("/api/v1/tickets", json={"service": "B01"}).get_json()["id"]
    with ctx.storage.write() as db:
        assert checklist_store.set_and_read(db, 1, first, 0, True) == {0}
        assert checklist_store.set_and_read(db, 1, first, 2, True) == {0, 2}
        assert checklist_store.ticked(db, 1, second) == frozenset()
        assert checklist_store.set_and_read(db, 1, second, 1, True) == {1}
        assert checklist_store.ticked(db, 1, first) == frozenset()
        assert checklist_store.set_and_read(db, 1, second, 1, False) == frozenset()


def test_lobby_page_layouts(client):
    assert b"layout-portrait" in client.get("/lobby?layout=portrait").data
    assert b"layout-landscape" in client.get("/lobby?layout=sideways").data
    page = client.get("/screen/citizen/2").data.decode()
    assert "screens.js" in page and "cdn" not in page.lower()


def test_lobby_config_section():
    config = parse_config({"lobby": {"layout": "portrait", "recent_calls": 5}})
    assert config.lobby.layout == "portrait" and config.lobby.recent_calls == 5
    with pytest.raises(ConfigError, match="layout"):
        parse_config({"lobby": {"layout": "diagonal"}})
    with pytest.raises(ConfigError, match="recent_calls"):
        parse_config({"lobby": {"recent_calls": 0}})
