"""Ratings through the API: one per ticket, device tokens only, time-out, reasons, follow-ups and figures."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import SHANGHAI, login, received

DAY = 24 * 3600


def finish_case(client, clerk, counter: int = 1, service: str = "B01") -> dict:
    ticket = client.post("/api/v1/tickets", json={"service": service}).get_json()
    called = clerk.post(f"/api/v1/counters/{counter}/call-next", json={}).get_json()["ticket"]
    assert called["id"] == ticket["id"], called
    assert clerk.post(f"/api/v1/counters/{counter}/start", json={}).status_code == 200
    assert clerk.post(f"/api/v1/counters/{counter}/finish", json={}).status_code == 200
    return ticket


@pytest.fixture
def evaluator(ctx):
    """The bearer header of counter 1's evaluator device."""
    _, token = ctx.accounts.add_device("evaluator", counter=1)
    return {"Authorization": f"Bearer {token}"}


def rate(client, headers, ticket_id, score, reasons=None):
    body = {"ticket": ticket_id, "score": score}
    if reasons is not None:
        body["reasons"] = reasons
    return client.post("/api/v1/ratings", json=body, headers=headers)


def test_one_rating_per_ticket_and_it_cannot_change(client, clerk, evaluator, ctx):
    ticket = finish_case(client, clerk)
    assert rate(client, evaluator, ticket["id"], 4).status_code == 201
    second = rate(client, evaluator, ticket["id"], 5)
    assert second.status_code == 409 and second.get_json()["error"] == "already_rated"
    with ctx.storage.read() as db:
        row = dict(db.execute("SELECT score, counter, staff, device FROM ratings WHERE ticket = ?",
                              [ticket["id"]]).fetchone())
    assert row["score"] == 4 and row["counter"] == 1 and row["staff"] == "clerk1" and row["device"]
    with pytest.raises(Exception, match="cannot be changed"), ctx.storage.write() as db:
        db.execute("UPDATE ratings SET score = 1 WHERE ticket = ?", [ticket["id"]])


def test_only_the_counters_evaluator_device_may_rate(client, clerk, ctx):
    ticket = finish_case(client, clerk)
    _, other = ctx.accounts.add_device("evaluator", counter=2)
    _, kiosk = ctx.accounts.add_device("kiosk")
    assert rate(client, {}, ticket["id"], 5).status_code == 401
    assert rate(clerk, {}, ticket["id"], 5).status_code == 403  # the clerk's own session
    assert rate(client, {"Authorization": "Bearer nonsense"}, ticket["id"], 5).status_code == 401
    assert rate(client, {"Authorization": f"Bearer {kiosk}"}, ticket["id"], 5).status_code == 403
    assert rate(client, {"Authorization": f"Bearer {other}"}, ticket["id"], 5).status_code == 403
    with ctx.storage.read() as db:
        assert db.execute("SELECT count(*) FROM ratings").fetchone()[0] == 0


def test_no_rating_in_time_is_recorded_as_unrated(client, clerk, manager, evaluator, ctx, clock):
    ticket = finish_case(client, clerk)
    clock.advance(ctx.config.hall.rating_window_seconds + 1)
    late = rate(client, evaluator, ticket["id"], 5)
    assert late.status_code == 409 and late.get_json()["error"] == "rating_closed"
    assert ctx.service.expire_ratings() == 1
    with ctx.storage.read() as db:
        row = dict(db.execute("SELECT score, unrated FROM ratings WHERE ticket = ?", [ticket["id"]]).fetchone())
    assert row == {"score": None, "unrated": 1}
    report = manager.get("/api/v1/reports/satisfaction").get_json()
    assert (report["finished"], report["rated"], report["rating_rate"]) == (1, 0, 0.0)
    assert rate(client, evaluator, ticket["id"], 5).status_code == 409


def test_reasons_are_checked(client, clerk, evaluator):
    ticket = finish_case(client, clerk)
    bad = rate(client, evaluator, ticket["id"], 2, ["rude clerk"])
    assert bad.status_code == 400 and "未知的原因" in bad.get_json()["message"]
    assert rate(client, evaluator, ticket["id"], 5, ["attitude"]).status_code == 400
    assert rate(client, evaluator, ticket["id"], 2, ["attitude", "waiting_too_long"]).status_code == 201


def test_a_bad_rating_opens_a_follow_up_due_in_five_working_days(client, clerk, manager, evaluator, ctx,
                                                                 socket_client):
    console = socket_client("/console", flask_client=manager)
    received(console, "/console", ctx)
    good = finish_case(client, clerk)
    assert rate(client, evaluator, good["id"], 5).status_code == 201
    ticket = finish_case(client, clerk)
    assert rate(client, evaluator, ticket["id"], 2, ["waiting_too_long"]).status_code == 201

    listed = manager.get("/api/v1/followups?state=open").get_json()["followups"]
    assert len(listed) == 1
    followup = listed[0]
    # Rated on Wednesday 25 November 2026: due Wednesday 2 December, end of day.
    assert followup["ticket"] == ticket["id"] and followup["score"] == 2
    assert followup["reasons"] == ["waiting_too_long"] and followup["due_day"] == "2026-12-02"
    assert followup["counter"] == 1 and followup["staff"] == "clerk1" and followup["overdue"] is False
    opened = received(console, "/console", ctx, "followup_opened")
    assert [m["args"][0]["followup"]["number"] for m in opened] == [ticket["number"]]

    assert clerk.get("/api/v1/followups?state=open").get_json()["followups"][0]["id"] == followup["id"]
    assert client.get("/api/v1/followups").status_code == 401
    assert manager.get("/api/v1/followups?state=sideways").status_code == 400


def _open_followup(client, clerk, evaluator, manager) -> dict:
    ticket = finish_case(client, clerk)
    assert rate(client, evaluator, ticket["id"], 1).status_code == 201
    return manager.get("/api/v1/followups").get_json()["followups"][0]


def test_call_back_rectify_and_close_in_time(client, clerk, manager, evaluator, ctx, clock):
    followup = _open_followup(client, clerk, evaluator, manager)
    url = f"/api/v1/followups/{followup['id']}"
    early = manager.post(f"{url}/close", json={"rectification": "Queue display fixed"})
    assert early.status_code == 400 and "回访" in early.get_json()["message"]
    assert clerk.post(f"{url}/callback", json={"date": "2026-11-26", "contact": "x", "said": "y"}).status_code == 403
    assert manager.post(f"{url}/callback", json={"date": "yesterday", "contact": "a", "said": "b"}).status_code == 400
    clock.advance(DAY)
    called = manager.post(f"{url}/callback", json={"date": "2026-11-26", "contact": "Manager Wang called the citizen",
                                                   "said": "Waited forty minutes, nobody explained"})
    assert called.status_code == 200 and called.get_json()["callback_by"] == "manager"
    assert manager.post(f"{url}/close", json={}).status_code == 400  # no rectification yet
    closed = manager.post(f"{url}/close", json={"rectification": "Extra counter opened at peak hours",
                                                "note": "citizen satisfied with the answer"}).get_json()
    assert closed["state"] == "closed" and closed["closed_in_time"] == 1
    assert manager.post(f"{url}/callback", json={"date": "2026-11-27", "contact": "a", "said": "b"}).status_code == 409
    assert manager.get("/api/v1/followups?state=open").get_json()["followups"] == []
    assert [f["id"] for f in manager.get("/api/v1/followups?state=closed").get_json()["followups"]] == [followup["id"]]
    with ctx.storage.read() as db:
        kinds = [r[0] for r in db.execute("SELECT type FROM events WHERE ticket = ? ORDER BY id", [followup["ticket"]])]
    assert kinds[-4:] == ["followup_opened", "rated", "followup_callback", "followup_close"]


def test_overdue_follow_ups_are_flagged_live_once(client, clerk, manager, evaluator, ctx, clock, app, socket_client):
    followup = _open_followup(client, clerk, evaluator, manager)
    console = socket_client("/console", flask_client=manager)
    received(console, "/console", ctx)
    book = app.extensions["onewindow.followups"]
    clock.set(datetime(2026, 12, 2, 23, 59, tzinfo=SHANGHAI).timestamp())
    assert book.sweep_overdue() == []
    clock.set(datetime(2026, 12, 3, 0, 1, tzinfo=SHANGHAI).timestamp())
    assert [f["id"] for f in book.sweep_overdue()] == [followup["id"]]
    assert book.sweep_overdue() == []
    alerts = received(console, "/console", ctx, "followup_overdue")
    assert [a["args"][0]["followup"]["id"] for a in alerts] == [followup["id"]]
    assert alerts[0]["args"][0]["followup"]["overdue"] is True
    assert [f["id"] for f in manager.get("/api/v1/followups?state=overdue").get_json()["followups"]] == [followup["id"]]
    url = f"/api/v1/followups/{followup['id']}"
    manager.post(f"{url}/callback", json={"date": "2026-12-03", "contact": "m", "said": "s"})
    late = manager.post(f"{url}/close", json={"rectification": "r"}).get_json()
    assert late["closed_in_time"] == 0 and late["overdue"] is False
    figures = manager.get("/api/v1/reports/satisfaction?from=2026-11-25&to=2026-11-25").get_json()["followups"]
    assert figures["closed_late"] == 1 and figures["closed_in_time"] == 0 and figures["overdue"] == 0


def test_clerk_appeals_and_the_manager_decides(client, clerk, manager, evaluator, ctx, app):
    followup = _open_followup(client, clerk, evaluator, manager)
    url = f"/api/v1/followups/{followup['id']}"
    other = app.test_client()
    login(other, "clerk2")
    assert other.post(f"{url}/appeal", json={"reason": "not mine"}).status_code == 403
    assert other.get(url).status_code == 403
    assert clerk.post(f"{url}/appeal", json={}).status_code == 400
    appealed = clerk.post(f"{url}/appeal", json={"reason": "The citizen pressed 1 before the case was explained"})
    assert appealed.status_code == 200 and appealed.get_json()["state"] == "appealed"
    assert clerk.post(f"{url}/decision", json={"uphold": True}).status_code == 403
    assert manager.post(f"{url}/decision", json={"uphold": "yes"}).status_code == 400
    rejected = manager.post(f"{url}/decision", json={"uphold": False, "note": "the rating stands"}).get_json()
    assert rejected["state"] == "open" and rejected["decision"] == "reject_appeal"

    clerk.post(f"{url}/appeal", json={"reason": "again"})
    voided = manager.post(f"{url}/decision", json={"uphold": True, "note": "malicious"}).get_json()
    assert voided["state"] == "voided"
    # An upheld appeal takes the rating out of the figures; the case still counts as finished.
    report = manager.get("/api/v1/reports/satisfaction").get_json()
    assert report["finished"] == 1 and report["rated"] == 0 and report["followups"]["voided"] == 1


def test_request_rating_resends_the_prompt_within_the_window(client, clerk, ctx, clock, socket_client):
    _, token = ctx.accounts.add_device("evaluator", counter=1)
    pad = socket_client("/evaluator", auth={"device_token": token})
    assert clerk.post("/api/v1/counters/1/request-rating", json={}).status_code == 409  # nothing finished yet
    ticket = finish_case(client, clerk)
    received(pad, "/evaluator", ctx)
    clock.advance(20)
    again = clerk.post("/api/v1/counters/1/request-rating", json={})
    assert again.status_code == 202 and again.get_json()["pending"]["ticket"] == ticket["id"]
    requests = received(pad, "/evaluator", ctx, "rate_request")
    assert [r["args"][0]["number"] for r in requests] == [ticket["number"]]
    assert client.post("/api/v1/counters/1/request-rating", json={}).status_code == 401
    clock.advance(60)
    assert clerk.post("/api/v1/counters/1/request-rating", json={}).status_code == 409


def test_satisfaction_figures_of_the_day(client, clerk, manager, ctx, evaluator):
    scores = [5, 4, 2, None, 3]
    for score in scores:
        ticket = finish_case(client, clerk)
        if score is not None:
            assert rate(client, evaluator, ticket["id"], score, ["attitude"] if score <= 2 else None).status_code == 201
    report = manager.get("/api/v1/reports/satisfaction?group_by=counter").get_json()
    assert report["finished"] == 5 and report["rated"] == 4
    assert report["rating_rate"] == 0.8 and report["satisfaction_rate"] == 0.75
    assert report["distribution"] == {"5": 1, "4": 1, "3": 1, "2": 1, "1": 0}
    assert report["groups"] == [{"key": 1, "finished": 5, "rated": 4, "rating_rate": 0.8, "satisfaction_rate": 0.75,
                                 "distribution": {"5": 1, "4": 1, "3": 1, "2": 1, "1": 0}}]
    by_item = manager.get("/api/v1/reports/satisfaction?group_by=item").get_json()["groups"]
    assert [g["key"] for g in by_item] == ["B01"]
    assert report["followups"]["open"] == 1
    ranking = manager.get("/api/v1/reports/satisfaction/ranking?month=2026-11").get_json()
    assert ranking["counters"][0]["key"] == 1 and ranking["counters"][0]["rank"] == 1
    assert manager.get("/api/v1/reports/satisfaction?group_by=weather").status_code == 400
    assert manager.get("/api/v1/reports/satisfaction/ranking?month=11-2026").status_code == 400
    assert clerk.get("/api/v1/reports/satisfaction").status_code == 403


def test_follow_up_pages_need_staff(client, clerk, manager):
    assert client.get("/console/followups").status_code == 302
    assert manager.get("/console/followups").status_code == 200
    assert clerk.get("/console/followups").status_code == 200
    assert clerk.get("/console/satisfaction").status_code == 403
    assert manager.get("/console/satisfaction").status_code == 200


def test_the_api_document_lists_the_new_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/followups", "/followups/{followup_id}", "/followups/{followup_id}/{step}",
                 "/reports/satisfaction", "/reports/satisfaction/ranking", "/counters/{number}/request-rating"):
        assert path in paths, path


def test_a_clerk_sees_the_citizens_contact_masked_a_manager_in_full(client, clerk, manager, evaluator):
    followup = _open_followup(client, clerk, evaluator, manager)
    url = f"/api/v1/followups/{followup['id']}"
    said = "市民手机13812345678，身份证110101199003074518"
    assert manager.post(f"{url}/callback", json={"date": "2026-11-26", "contact": "13812345678",
                                                  "said": said}).status_code == 200
    assert manager.get(url).get_json()["callback_contact"] == "13812345678"
    seen = clerk.get(url).get_json()
    assert seen["callback_contact"] == "138****5678"
    assert "13812345678" not in seen["callback_said"] and "110101199003074518" not in seen["callback_said"]
    listed = clerk.get("/api/v1/followups?state=all").get_json()["followups"]
    assert listed and all("13812345678" not in str(f) for f in listed)
