"""The counter panel: the page, every action through the API and the /counter socket, refusals, two panels."""

from __future__ import annotations

import pytest

from tests.conftest import login, received


def issue(client, service: str = "A01", **extra) -> dict:
    response = client.post("/api/v1/tickets", json={"service": service, "print": False, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, action: str, counter: int = 1, **data):
    return client.post(f"/api/v1/counters/{counter}/{action}", json=data)


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["error"] == code and body["message"]


# ---- the page --------------------------------------------------------------------------

def test_page_needs_a_clerk_and_shows_counter_choice(client, clerk, app) -> None:
    assert client.get("/counter").status_code == 302  # to the login page
    page = clerk.get("/counter?counter=3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="counter"' in html and 'value="3" selected' in html  # the counter can be chosen
    assert "category:enterprise" in html and "counter:1" in html  # transfer to a counter or a category
    assert "recallLimit" in html and "午休" in html  # pause reasons, in Chinese by default
    assert clerk.get("/counter").status_code == 200  # clerk1's own counter from the staff record
    english = clerk.get("/counter?counter=3&lang=en").get_data(as_text=True)
    assert "Call next" in english and "Held tickets" in english
    assert clerk.get("/counter?counter=99").status_code == 400
    review = app.test_client()
    login(review, "review")
    assert review.get("/counter").status_code == 403


# ---- actions through the API, including the refused ones -----------------------------------

def test_call_recall_start_finish_and_refusals(client, clerk) -> None:
    assert act(clerk, "call-next").get_json() == {"ticket": None}  # nobody waits
    for action in ("recall", "start", "finish", "no-show", "hold"):
        refused(act(clerk, action), 409, "illegal_transition")
    refused(act(clerk, "transfer", to_counter=2), 409, "illegal_transition")
    refused(act(clerk, "resume"), 409, "illegal_transition")

    first = issue(client)
    issue(client, "B01")
    called = act(clerk, "call-next").get_json()["ticket"]
    assert called["number"] == first["number"] and called["state"] == "called"
    refused(act(clerk, "call-next"), 409, "counter_busy")
    refused(act(clerk, "call", number="B001"), 409, "counter_busy")
    refused(act(clerk, "pause", reason="lunch"), 409, "counter_busy")
    refused(act(clerk, "finish"), 409, "illegal_transition")  # not started yet
    assert act(clerk, "recall").get_json()["ticket"]["recall_count"] == 1
    assert act(clerk, "recall").get_json()["ticket"]["recall_count"] == 2
    assert act(clerk, "start").get_json()["ticket"]["state"] == "serving"
    refused(act(clerk, "start"), 409, "illegal_transition")
    refused(act(clerk, "recall"), 409, "illegal_transition")
    refused(act(clerk, "no-show"), 409, "illegal_transition")
    done = act(clerk, "finish").get_json()["ticket"]
    assert done["state"] == "finished" and done["finished_at"]
    assert clerk.get("/api/v1/counters/1").get_json()["served_today"] == 1


def test_unauthenticated_and_wrong_role_are_refused(client, app) -> None:
    issue(client)
    refused(act(client, "call-next"), 401, "not_authenticated")
    review = app.test_client()
    login(review, "review")
    refused(act(review, "call-next"), 403, "not_authorised")


def test_call_specific_number_and_no_show(client, clerk) -> None:
    issue(client)
    second = issue(client, "B01")
    refused(act(clerk, "call"), 400, "invalid_input")  # number is required
    refused(act(clerk, "call", number="not a number"), 400, "invalid_input")
    refused(act(clerk, "call", number="Z999"), 404, "unknown_ticket")
    called = act(clerk, "call", number=second["number"].lower()).get_json()["ticket"]
    assert called["number"] == second["number"]
    missed = act(clerk, "no-show").get_json()["ticket"]
    assert missed["state"] == "no_show"
    refused(act(clerk, "call", number=second["number"]), 409, "illegal_transition")  # a missed ticket is gone


def test_transfer_to_counter_or_category_keeps_place(client, clerk, app, ctx) -> None:
    first = issue(client)
    later = issue(client, "A02")
    act(clerk, "call-next")
    refused(act(clerk, "transfer"), 400, "invalid_input")
    refused(act(clerk, "transfer", to_counter=2, to_category="pension"), 400, "invalid_input")
    refused(act(clerk, "transfer", to_counter=1), 400, "invalid_input")
    refused(act(clerk, "transfer", to_counter=99), 404, "unknown_counter")
    refused(act(clerk, "transfer", to_category="nope"), 400, "invalid_input")
    moved = act(clerk, "transfer", to_counter=2, note="需要复核社保关系").get_json()["ticket"]
    assert moved["state"] == "waiting" and moved["target_counter"] == 2 and moved["counter"] is None
    with ctx.storage.read() as db:
        from hall.storage import repo

        logged = [e for e in repo.events_of_ticket(db, first["id"]) if e["type"] == "transferred"]
    assert logged[-1]["data"]["note"] == "需要复核社保关系"

    clerk2 = app.test_client()
    login(clerk2, "clerk2")
    # The transferred ticket keeps its place: counter 2 gets it before the later ticket.
    assert act(clerk2, "call-next", 2).get_json()["ticket"]["number"] == first["number"]
    moved = act(clerk2, "transfer", 2, to_category="pension").get_json()["ticket"]
    assert moved["target_category"] == "pension"
    # Still first in line: the next counter serving pension items (every counter here) takes it first.
    assert act(clerk, "call-next").get_json()["ticket"]["number"] == first["number"]
    assert act(clerk2, "call-next", 2).get_json()["ticket"]["number"] == later["number"]


def test_hold_and_call_back_at_any_counter(client, clerk, app, socket_client, ctx) -> None:
    ticket = issue(client)
    act(clerk, "call-next")
    act(clerk, "start")
    held = act(clerk, "hold").get_json()["ticket"]
    assert held["state"] == "held" and held["counter"] is None

    clerk3 = app.test_client()
    login(clerk3, "clerk3")
    panel = socket_client("/counter", flask_client=clerk3, auth={"counter": 3})
    snapshot = received(panel, "/counter", ctx, "snapshot")[-1]["args"][0]
    assert [h["number"] for h in snapshot["held"]] == [ticket["number"]]
    assert snapshot["held"][0]["counter"] == 1 and snapshot["held"][0]["held_at"] is not None
    # The citizen is back with the document: counter 3 calls the same ticket, no new ticket.
    back = panel.emit("action", {"action": "call", "number": ticket["number"]}, namespace="/counter", callback=True)
    assert back["ticket"]["number"] == ticket["number"] and back["ticket"]["counter"] == 3
    assert panel.emit("held", {}, namespace="/counter", callback=True) == {"held": []}
    assert ctx.service.ticket(ticket["id"]).first_called_at is not None


def test_pause_with_reason_and_resume(client, clerk) -> None:
    issue(client)
    paused = act(clerk, "pause", reason="lunch").get_json()["counter"]
    assert paused == {"number": 1, "state": "paused", "reason": "lunch"}
    refused(act(clerk, "pause", reason="meeting"), 409, "illegal_transition")
    refused(act(clerk, "call-next"), 409, "illegal_transition")
    state = clerk.get("/api/v1/counters/1").get_json()
    assert state["counter"]["state"] == "paused" and state["counter"]["pause_reason"] == "lunch"
    assert act(clerk, "resume").get_json()["counter"]["state"] == "open"
    assert act(clerk, "call-next").get_json()["ticket"] is not None


# ---- the /counter socket -------------------------------------------------------------------

def test_socket_needs_a_clerk_and_a_counter(app, client, socket_client) -> None:
    anonymous = socket_client("/counter", flask_client=client, auth={"counter": 1})
    assert not anonymous.is_connected("/counter")
    clerk = app.test_client()
    login(clerk, "clerk1")
    for auth in ({}, {"counter": "x"}, {"counter": 99}):
        assert not socket_client("/counter", flask_client=clerk, auth=auth).is_connected("/counter")
    token = login(app.test_client(), "clerk2")["token"]
    assert socket_client("/counter", auth={"counter": 2, "token": token}).is_connected("/counter")


def test_socket_actions_with_acknowledgements_and_refusals(client, clerk, socket_client, ctx) -> None:
    panel = socket_client("/counter", flask_client=clerk, auth={"counter": 1})
    emit = lambda payload: panel.emit("action", payload, namespace="/counter", callback=True)  # noqa: E731
    assert emit({"action": "explode"})["error"] == "invalid_input"
    assert emit("call-next")["error"] == "invalid_input"
    assert emit({"action": "call-next"}) == {"ticket": None}
    assert emit({"action": "finish"})["error"] == "illegal_transition"
    issue(client, priority=True)
    called = emit({"action": "call-next"})["ticket"]
    assert called["priority"] is True
    assert emit({"action": "call-next"})["error"] == "counter_busy"
    assert emit({"action": "recall"})["ticket"]["recall_count"] == 1
    assert panel.emit("confirm_priority", {}, namespace="/counter", callback=True)["ok"] is True
    assert emit({"action": "start"})["ticket"]["state"] == "serving"
    assert emit({"action": "transfer", "to_counter": 1})["error"] == "invalid_input"
    assert emit({"action": "finish"})["ticket"]["state"] == "finished"
    assert panel.emit("confirm_priority", {}, namespace="/counter", callback=True)["error"] == "illegal_transition"
    assert emit({"action": "pause", "reason": "training"})["counter"]["reason"] == "training"
    assert emit({"action": "call-next"})["error"] == "illegal_transition"
    assert emit({"action": "resume"})["counter"]["state"] == "open"
    with ctx.storage.read() as db:
        from hall.storage import repo

        kinds = [e["type"] for e in repo.events_of_ticket(db, called["id"])]
    assert kinds == ["issued", "called", "recalled", "priority_confirmed", "serving_started", "finished"]


def test_two_panels_stay_in_sync_and_reconnect_shows_true_state(app, client, clerk, socket_client, ctx) -> None:
    other_browser, next_counter = app.test_client(), app.test_client()
    login(other_browser, "clerk1")
    login(next_counter, "clerk2")
    first = socket_client("/counter", flask_client=clerk, auth={"counter": 1})
    second = socket_client("/counter", flask_client=other_browser, auth={"counter": 1})
    elsewhere = socket_client("/counter", flask_client=next_counter, auth={"counter": 2})
    for panel in (first, second, elsewhere):
        received(panel, "/counter", ctx)
    ticket = issue(client)

    first.emit("action", {"action": "call-next"}, namespace="/counter", callback=True)
    states = [m["args"][0] for m in received(second, "/counter", ctx, "counter_state")]
    assert states[-1]["ticket"]["number"] == ticket["number"] and states[-1]["ticket"]["state"] == "called"
    assert states[-1]["counter"]["number"] == 1
    assert all(m["args"][0]["ticket"] is None for m in received(elsewhere, "/counter", ctx, "counter_state"))
    seqs = [s["seq"] for s in states]
    assert seqs == sorted(seqs)

    second.emit("action", {"action": "start"}, namespace="/counter", callback=True)
    states = [m["args"][0] for m in received(first, "/counter", ctx, "counter_state")]
    assert states[-1]["ticket"]["state"] == "serving"

    second.disconnect(namespace="/counter")
    first.emit("action", {"action": "hold"}, namespace="/counter", callback=True)
    second.connect(namespace="/counter", auth={"counter": 1})
    snapshot = received(second, "/counter", ctx, "snapshot")[-1]["args"][0]
    assert snapshot["ticket"] is None and [h["number"] for h in snapshot["held"]] == [ticket["number"]]
    assert snapshot["recall_limit"] == 2


@pytest.mark.parametrize("items", [("bundle", "P01")])
def test_snapshot_has_bundle_items_materials_and_waiting_figures(client, clerk, socket_client, ctx, clock,
                                                                 items) -> None:
    kind, code = items
    issued = client.post("/api/v1/tickets", json={kind: code, "print": False}).get_json()
    issue(client, "B01")
    clock.advance(7 * 60)
    panel = socket_client("/counter", flask_client=clerk, auth={"counter": 1})
    before = received(panel, "/counter", ctx, "snapshot")[-1]["args"][0]
    assert before["waiting"] == 2 and before["longest_wait_minutes"] == 7
    panel.emit("action", {"action": "call-next"}, namespace="/counter", callback=True)
    state = received(panel, "/counter", ctx, "counter_state")[-1]["args"][0]
    ticket = state["ticket"]
    assert ticket["number"] == issued["number"] and ticket["bundle"] == "P01"
    assert [i["code"] for i in ticket["items_detail"]] == ["A02", "A03", "A06", "F01"]
    assert all(i["materials"] for i in ticket["items_detail"])
    assert ticket["waited_minutes"] == 7 and state["waiting"] == 1
