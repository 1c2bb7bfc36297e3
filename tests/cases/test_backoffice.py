"""Back-office cases (受办分离): reviewed items become cases, and nobody approves what they accepted."""

from __future__ import annotations

from datetime import date

from hall.domain.clock import FixedClock
from tests.conftest import login

# 2026-11-25 is a Wednesday: P02 holds B07 and B08 (reviewed) and E07 (done on the spot).


def finish(client, clerk, counter: int, **ticket) -> dict:
    t = client.post("/api/v1/tickets", json={"print": False, **ticket}).get_json()
    for action in ("call-next", "start", "finish"):
        assert clerk.post(f"/api/v1/counters/{counter}/{action}", json={}).status_code == 200
    return t


def staff_client(app, ctx, username: str, roles: list[str], counter: int | None = None):
    """A new member of staff, logged in; with *counter*, signed in there (its demo clerk signs out first)."""
    ctx.accounts.add_staff(username, "Quiet-Lantern-41", roles, counter=counter)
    c = app.test_client()
    assert c.post("/api/v1/login", json={"username": username, "password": "Quiet-Lantern-41"}).status_code == 200
    if counter is not None:
        ctx.service.close_counter(counter, None)
        assert c.post(f"/api/v1/counters/{counter}/sign-in", json={}).status_code == 200
    return c


def test_reviewed_items_of_a_finished_bundle_become_cases_due_in_working_days(client, clerk, manager, ctx):
    t = finish(client, clerk, 1, bundle="P02")
    cases = manager.get("/api/v1/cases?state=accepted").get_json()["cases"]
    assert sorted(c["item"] for c in cases) == ["B07", "B08"]  # E07 was done on the spot
    assert all(c["ticket"] == t["id"] and c["accepted_by"] == "clerk1" for c in cases)
    limits = {i["code"]: i["time_limit_days"] for i in client.get("/api/v1/services").get_json()["items"]}
    for case in cases:
        due = date.fromisoformat(case["due_day"])
        assert due > date(2026, 11, 25) and due.weekday() < 5
        assert (due - date(2026, 11, 25)).days >= limits[case["item"]]  # weekends do not count
    instant = finish(client, clerk, 1, service="A01")
    assert all(c["ticket"] != instant["id"] for c in manager.get("/api/v1/cases?state=all").get_json()["cases"])


def test_whoever_accepted_may_not_review_or_approve(app, ctx, client):
    # A clerk who also holds the back-office role accepts the case at counter 2.
    both = staff_client(app, ctx, "liuyang", ["clerk", "backoffice"], counter=2)
    finish(client, both, 2, service="B02")
    case = both.get("/api/v1/cases?state=accepted").get_json()["cases"][0]
    refused = both.post(f"/api/v1/cases/{case['id']}/review", json={"passed": True})
    assert refused.status_code == 403 and "受理人不得审核" in refused.get_json()["message"]

    reviewer = staff_client(app, ctx, "zhoumin", ["backoffice"])
    assert reviewer.post(f"/api/v1/cases/{case['id']}/review",
                         json={"passed": True, "note": "材料齐全"}).status_code == 200
    same = reviewer.post(f"/api/v1/cases/{case['id']}/approve", json={"passed": True})
    assert same.status_code == 403 and "审核人不得审批" in same.get_json()["message"]
    assert both.post(f"/api/v1/cases/{case['id']}/approve", json={"passed": True}).status_code == 403

    approver = staff_client(app, ctx, "sunli", ["backoffice"])
    approved = approver.post(f"/api/v1/cases/{case['id']}/approve", json={"passed": True}).get_json()
    assert approved["state"] == "approved" and approved["approved_by"] == "sunli"

    # Any comprehensive counter delivers the result (综合窗口出件); the back office does not.
    assert approver.post(f"/api/v1/cases/{case['id']}/deliver", json={}).status_code == 403
    clerk4 = app.test_client()
    login(clerk4, "clerk4")
    delivered = clerk4.post(f"/api/v1/cases/{case['id']}/deliver", json={"counter": 4}).get_json()
    assert delivered["state"] == "delivered" and delivered["delivered_counter"] == 4
    again = clerk4.post(f"/api/v1/cases/{case['id']}/deliver", json={"counter": 4})
    assert again.status_code == 409


def test_rejection_and_the_event_log(app, ctx, client, clerk):
    finish(client, clerk, 1, service="B02")
    reviewer = staff_client(app, ctx, "zhoumin", ["backoffice"])
    case = reviewer.get("/api/v1/cases").get_json()["cases"][0]
    rejected = reviewer.post(f"/api/v1/cases/{case['id']}/review", json={"passed": False, "note": "缺少转移凭证"})
    assert rejected.get_json()["state"] == "rejected"
    assert reviewer.post(f"/api/v1/cases/{case['id']}/approve", json={"passed": True}).status_code == 409
    types = [r["type"] for r in ctx.storage.query("SELECT type FROM events WHERE ticket = ? ORDER BY id",
                                                  (case["ticket"],))]
    assert types[-2:] == ["case_accepted", "case_reviewed"]


def test_roles_and_bad_input(app, ctx, client, clerk):
    finish(client, clerk, 1, service="B02")
    case_id = clerk.get("/api/v1/cases").get_json()["cases"][0]["id"]
    assert client.get("/api/v1/cases").status_code == 401
    assert clerk.post(f"/api/v1/cases/{case_id}/review", json={"passed": True}).status_code == 403
    reviewer = staff_client(app, ctx, "zhoumin", ["backoffice"])
    assert reviewer.post(f"/api/v1/cases/{case_id}/audit", json={}).status_code == 400
    assert reviewer.post(f"/api/v1/cases/{case_id}/review", json={"passed": "yes"}).status_code == 400
    assert reviewer.post(f"/api/v1/cases/{case_id}/review", json={"colour": 1}).status_code == 400
    assert reviewer.post("/api/v1/cases/999/review", json={}).status_code == 404
    assert reviewer.get("/api/v1/cases?state=lost").status_code == 400
    assert reviewer.get("/console/cases").status_code == 200
    assert client.get("/console/cases").status_code == 302


def test_holidays_push_the_due_day(config, tmp_path):
    from dataclasses import replace

    from tests.conftest import MORNING, running_hall

    holiday_config = replace(config, hall=replace(config.hall, holidays=("2026-11-26", "2026-11-27")))
    with running_hall(holiday_config, FixedClock(MORNING)) as app:
        client, clerk = app.test_client(), app.test_client()
        login(clerk, "clerk1")
        finish(client, clerk, 1, service="A05")  # 5 working days
        case = clerk.get("/api/v1/cases").get_json()["cases"][0]
        # Thu and Fri are holidays, then the weekend: Mon 30 Nov … Fri 4 Dec is the fifth working day.
        assert case["due_day"] == "2026-12-04"
