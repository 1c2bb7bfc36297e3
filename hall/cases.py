"""Back-office cases (后台分类审批): accepted at a counter, reviewed, approved, delivered at any counter.

Separation of accepting and handling (受办分离): the clerk who accepted a case may not review or
approve it, and whoever reviewed it may not approve it. Every step is a row in the event log.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from .accounts import StaffMember
from .domain.errors import N_, InvalidInput, NotAuthorised, Template, UnknownTicket
from .domain.states import StateMachine, Transition
from .service import HallService
from .storage import cases as store
from .storage import repo
from .workdays import calendar_of


class CaseState(str, Enum):
    """Where a back-office case is."""

    ACCEPTED = "accepted"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    REJECTED = "rejected"
    DELIVERED = "delivered"


class CaseStep(str, Enum):
    """What back-office staff and clerks do to a case; each name is also its event-log type."""

    REVIEW = "case_reviewed"
    APPROVE = "case_approved"
    DELIVER = "case_delivered"


BACKOFFICE = frozenset({"backoffice"})
#: Who may take each step.
STEP_ROLES: dict[CaseStep, frozenset[str]] = {
    CaseStep.REVIEW: BACKOFFICE, CaseStep.APPROVE: BACKOFFICE, CaseStep.DELIVER: frozenset({"clerk"}),
}
_C = CaseState
#: Every legal move of a case, written once: a step and whether it passed (delivery cannot fail).
CASES: StateMachine[CaseState, tuple[CaseStep, bool]] = StateMachine("case", {
    (CaseStep.REVIEW, True): Transition(frozenset({_C.ACCEPTED}), _C.REVIEWED),
    (CaseStep.REVIEW, False): Transition(frozenset({_C.ACCEPTED}), _C.REJECTED),
    (CaseStep.APPROVE, True): Transition(frozenset({_C.REVIEWED}), _C.APPROVED),
    (CaseStep.APPROVE, False): Transition(frozenset({_C.REVIEWED}), _C.REJECTED),
    (CaseStep.DELIVER, True): Transition(frozenset({_C.APPROVED}), _C.DELIVERED),
})


def conflicting_duty(step: CaseStep, case: dict[str, Any], staff: str) -> Template | None:
    """Why *staff* may not take *step* on *case* (受办分离), or None."""
    if step is CaseStep.REVIEW and staff == case["accepted_by"]:
        return N_("whoever accepted a case may not review it")
    if step is CaseStep.APPROVE and staff in (case["accepted_by"], case["reviewed_by"]):
        return N_("whoever accepted or reviewed a case may not approve it")
    return None


class BackOffice:
    """Opens a case for every reviewed item of a finished ticket and moves cases through their steps."""

    def __init__(self, service: HallService) -> None:
        self.service = service
        self.storage = service.storage

    def open_cases(self, db: Any, ticket_id: int, number: str, staff: str | None, counter: int | None,
                   at: float) -> list[int]:
        """Inside the finishing transaction: one case per reviewed item, due after its time limit."""
        hall = self.service.hall
        accepted_day = datetime.fromtimestamp(at, hall.tz).date()
        calendar = calendar_of(hall)
        opened = []
        for item in store.reviewed_items_of_ticket(db, ticket_id):
            due = calendar.add_working_days(accepted_day, int(item["time_limit_days"]))
            case_id = store.insert_case(db, {
                "ticket": ticket_id, "item": item["code"], "number": number, "state": CaseState.ACCEPTED.value,
                "accepted_by": staff, "accepted_at": at, "counter": counter, "due_day": due.isoformat()})
            repo.append_event(db, at=at, type="case_accepted", ticket=ticket_id, counter=counter, staff=staff,
                              data={"case": case_id, "item": item["code"], "due_day": due.isoformat()})
            opened.append(case_id)
        return opened

    def list(self, state: str | None) -> list[dict[str, Any]]:
        states = None if state in (None, "all") else [state]
        if states and states[0] not in {s.value for s in CaseState}:
            raise InvalidInput(N_("state must be one of {choices} or all"),
                               choices=', '.join(s.value for s in CaseState))
        with self.storage.read() as db:
            return store.cases(db, states)

    def take(self, case_id: int, step: CaseStep, member: StaffMember, *, passed: bool = True, note: str = "",
             counter: int | None = None) -> dict[str, Any]:
        """Take *step* on a case as *member*; every rule is checked in the one write transaction."""
        roles = STEP_ROLES[step]
        if not member.has_any(roles):
            raise NotAuthorised(N_("this step needs the role {roles}"), roles=', '.join(sorted(roles)))
        if (step, passed) not in CASES.moves:
            raise InvalidInput(N_("this step cannot be failed"))
        now = self.service.clock.now()
        with self.storage.write() as db:
            case = store.case(db, case_id)
            if case is None:
                raise UnknownTicket(N_("no back-office case {case_id}"), case_id=case_id)
            target = CASES.next(CaseState(case["state"]), (step, passed))
            reason = conflicting_duty(step, case, member.username)
            if reason:
                raise NotAuthorised(reason)
            values: dict[str, Any] = {"state": target.value}
            if step is CaseStep.REVIEW:
                values.update(reviewed_by=member.username, reviewed_at=now, review_note=note[:500])
            elif step is CaseStep.APPROVE:
                values.update(approved_by=member.username, approved_at=now, approval_note=note[:500])
            else:
                values.update(delivered_by=member.username, delivered_at=now, delivered_counter=counter)
            store.update_case(db, case_id, values)
            repo.append_event(db, at=now, type=step.value, ticket=case["ticket"], counter=counter,
                              staff=member.username, data={"case": case_id, "to": target.value, "note": note[:500]})
            return store.case(db, case_id) or {}
