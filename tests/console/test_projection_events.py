"""The log check (verify_projection) over a day that records every kind of event, not only ticket moves."""

from __future__ import annotations

from hall.accounts import StaffMember
from hall.cases import CaseStep
from hall.ratings import FollowupAction, Followups
from hall.reports import verify_projection

MINUTE = 60.0


def _member(ctx, username: str, roles: str) -> StaffMember:
    return StaffMember(username, username, frozenset({roles}), None)


def test_back_office_and_follow_up_steps_are_not_ticket_states(ctx, clock):
    """Issued … finished, held, transferred, no-show, cancelled, ratings, follow-ups, back-office steps, notes."""
    service, office = ctx.service, ctx.backoffice
    book = Followups(ctx.storage, clock)
    evaluator, _ = ctx.accounts.add_device("evaluator", counter=1)
    start = clock.now()

    def at(minutes: float) -> None:
        clock.set(start + minutes * MINUTE)

    reviewed = service.issue_ticket(service="B02")  # reviewed: becomes a back-office case when finished
    bad = service.issue_ticket(service="A01")
    appealed = service.issue_ticket(service="A02")
    held = service.issue_ticket(service="A03")
    missed = service.issue_ticket(service="A04")
    cancelled = service.issue_ticket(service="A06")
    unrated = service.issue_ticket(service="A07")
    service.note(reviewed.id, "printed", {"printer": "dummy"})
    at(1)
    service.call_specific(1, "clerk1", reviewed.number)
    service.recall(1, "clerk1")
    service.start(1, "clerk1")
    at(5)
    service.finish(1, "clerk1")
    service.rate(reviewed.id, 4, device_id=evaluator.id, device_counter=1)
    for ticket, score in ((bad, 1), (appealed, 2)):
        service.call_specific(1, "clerk1", ticket.number)
        service.start(1, "clerk1")
        service.finish(1, "clerk1")
        service.request_rating(1, "clerk1")
        service.rate(ticket.id, score, device_id=evaluator.id, device_counter=1, reasons=["attitude"])
    service.call_specific(1, "clerk1", held.number)
    service.start(1, "clerk1")
    service.hold(1, "clerk1")
    service.pause(1, "clerk1", "lunch")
    service.resume(1, "clerk1")
    service.call_held(1, "clerk1", held.number)
    service.transfer(1, "clerk1", to_counter=2, note="请2号窗口协助")
    service.call_specific(2, "clerk2", held.number)
    service.start(2, "clerk2")
    service.finish(2, "clerk2")
    service.call_specific(1, "clerk1", missed.number)
    service.no_show(1, "clerk1")
    service.cancel(cancelled.id, "manager", "left")
    service.call_specific(3, "clerk3", unrated.number)
    service.start(3, "clerk3")
    service.finish(3, "clerk3")
    at(30)
    assert service.expire_ratings() >= 1

    # Back office: accepted at the finish, reviewed, approved by someone else, delivered at a counter.
    case = office.list("accepted")[0]
    office.take(case["id"], CaseStep.REVIEW, _member(ctx, "review", "backoffice"), note="材料齐全")
    office.take(case["id"], CaseStep.APPROVE, _member(ctx, "approver", "backoffice"))
    office.take(case["id"], CaseStep.DELIVER, _member(ctx, "clerk4", "clerk"), counter=4)

    # Follow-ups: one called back, rectified and closed; one appealed and upheld; overdue ones flagged.
    followups = {f["ticket"]: f for f in book.list("open")}
    first, second = followups[bad.id]["id"], followups[appealed.id]["id"]
    book.act(first, FollowupAction.CALLBACK, "manager", {"date": "2026-11-25", "contact": "138****0000",
                                                          "said": "已致歉"}, is_manager=True)
    book.act(first, FollowupAction.RECTIFY, "manager", {"rectification": "加强培训"}, is_manager=True)
    book.act(first, FollowupAction.CLOSE, "manager", {}, is_manager=True)
    book.act(second, FollowupAction.APPEAL, "clerk1", {"reason": "误触"}, is_manager=False)
    book.act(second, FollowupAction.UPHOLD, "manager", {}, is_manager=True)
    at(60 * 24 * 14)
    book.sweep_overdue()

    types = {r["type"] for r in ctx.storage.query("SELECT DISTINCT type FROM events")}
    assert {"issued", "called", "recalled", "serving_started", "finished", "held", "transferred", "no_show",
            "cancelled", "rated", "rating_expired", "rating_requested", "printed", "followup_opened",
            "followup_callback", "followup_rectify", "followup_close", "followup_appeal", "followup_uphold_appeal",
            "case_accepted", "case_reviewed", "case_approved", "case_delivered"} <= types
    assert verify_projection(ctx.storage) == []
    # …and the check still sees a ticket whose state was changed behind the log's back.
    with ctx.storage.write() as db:
        db.execute("UPDATE tickets SET state = 'waiting' WHERE id = ?", [reviewed.id])
    assert [(p["ticket"], p["field"], p["events"]) for p in verify_projection(ctx.storage)] == [
        (reviewed.id, "state", "finished")]
