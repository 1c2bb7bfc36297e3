"""A bad rating may carry the citizen's phone number for the call-back: managers see it, nobody else does."""

from __future__ import annotations

import logging

from hall.accounts import StaffMember
from hall.cases import CaseStep
from hall.demo import DEMO_STAFF, banner_lines, demo_hall, install_demo
from hall.ratings import PHONE_WINDOW_SECONDS

from .test_ratings_api import evaluator, finish_case, rate  # noqa: F401 (fixture)

PHONE = "13812345678"


def leave(client, headers, ticket_id, phone):
    return client.post(f"/api/v1/ratings/{ticket_id}/phone", json={"phone": phone}, headers=headers)


def test_the_phone_left_with_a_bad_rating_reaches_managers_only(client, clerk, manager, evaluator, ctx, caplog):
    ticket = finish_case(client, clerk)
    assert rate(client, evaluator, ticket["id"], 1, ["attitude"]).status_code == 201
    with caplog.at_level(logging.DEBUG):
        left = leave(client, evaluator, ticket["id"], "138 1234-5678")
    assert left.status_code == 201 and left.get_json()["phone"] == "138****5678"

    for_manager = manager.get("/api/v1/followups").get_json()["followups"][0]
    assert for_manager["contact_phone"] == PHONE and for_manager["contact_phone_masked"] == "138****5678"
    for_clerk = clerk.get("/api/v1/followups").get_json()["followups"][0]
    assert for_clerk["contact_phone"] == "138****5678"
    assert PHONE not in clerk.get(f"/api/v1/followups/{for_clerk['id']}").get_data(as_text=True)
    # Never in the event log, the audit log or the server log.
    for table in ("events", "audit_log"):
        assert not [r for r in ctx.storage.query(f"SELECT * FROM {table}") if PHONE in str(tuple(r))], table
    assert PHONE not in caplog.text
    assert ctx.storage.query("SELECT type FROM events ORDER BY id DESC LIMIT 1")[0]["type"] == "followup_contact_left"

    # The call-back done, the follow-up closed: the number is forgotten, its masked form stays.
    url = f"/api/v1/followups/{for_manager['id']}"
    manager.post(f"{url}/callback", json={"date": "2026-11-25", "contact": "电话回访", "said": "已致歉"})
    manager.post(f"{url}/close", json={"rectification": "窗口礼仪培训"})
    closed = manager.get(url).get_json()
    assert closed["contact_phone"] is None and closed["contact_phone_masked"] == "138****5678"
    assert ctx.storage.query("SELECT count(*) AS n FROM followups WHERE contact_phone IS NOT NULL")[0]["n"] == 0


def test_only_with_a_bad_rating_from_its_own_evaluator_in_time(client, clerk, evaluator, ctx, clock):
    good = finish_case(client, clerk)
    rate(client, evaluator, good["id"], 5)
    assert leave(client, evaluator, good["id"], PHONE).status_code == 403  # no follow-up to call back
    bad = finish_case(client, clerk)
    rate(client, evaluator, bad["id"], 2)
    _, other = ctx.accounts.add_device("evaluator", counter=2)
    _, kiosk = ctx.accounts.add_device("kiosk")
    assert leave(client, {"Authorization": f"Bearer {other}"}, bad["id"], PHONE).status_code == 403
    assert leave(client, {"Authorization": f"Bearer {kiosk}"}, bad["id"], PHONE).status_code == 403
    assert leave(client, {}, bad["id"], PHONE).status_code == 401
    assert leave(clerk, {}, bad["id"], PHONE).status_code == 403  # a staff session is not the citizen
    for wrong in ("12345", "1381234567x", "23812345678", 13812345678, ""):
        refused = leave(client, evaluator, bad["id"], wrong)
        assert refused.status_code == 400 and "phone" in refused.get_json()["message"], wrong
    assert leave(client, evaluator, bad["id"], "0871-65123456").get_json()["phone"] == "087*****3456"
    assert client.post(f"/api/v1/ratings/{bad['id']}/phone", json={"phone": PHONE, "name": "x"},
                       headers=evaluator).status_code == 400
    clock.advance(PHONE_WINDOW_SECONDS + 1)
    assert leave(client, evaluator, bad["id"], PHONE).status_code == 409


def test_the_demo_has_two_back_office_people_and_prints_them(storage, clock, tmp_path):
    from hall.accounts import Accounts

    accounts = Accounts(storage, clock)
    demo = install_demo(storage, accounts, clock, tmp_path)
    assert demo is not None and demo == demo_hall(tmp_path)
    back_office = [u for u, _, roles, _, _ in DEMO_STAFF if roles == ["backoffice"]]
    assert back_office == ["review", "approve"]
    banner = "\n".join(banner_lines("http://192.0.2.7:5000", "演示大厅", tmp_path / "hall.db", demo))
    assert "approve / approve-demo / backoffice" in banner and "review / review-demo / backoffice" in banner
    for path in ("/console/appointments", "/screen/counter/1", "/screen/citizen/1", "/console/cases"):
        assert f"http://192.0.2.7:5000{path}" in banner


def test_the_demo_back_office_chain_completes(client, clerk, ctx):
    """受办分离: reviewed by one demo back-office user, approved by the other, delivered at a counter."""
    finish_case(client, clerk, service="B02")
    case = ctx.backoffice.list("accepted")[0]
    staff = {u: StaffMember(u, d, frozenset(r), c) for u, d, r, c, _ in DEMO_STAFF}
    assert ctx.backoffice.take(case["id"], CaseStep.REVIEW, staff["review"])["state"] == "reviewed"
    assert ctx.backoffice.take(case["id"], CaseStep.APPROVE, staff["approve"])["state"] == "approved"
    assert ctx.backoffice.take(case["id"], CaseStep.DELIVER, staff["clerk2"], counter=2)["state"] == "delivered"
