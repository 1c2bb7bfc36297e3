"""Satisfaction ratings (好差评): the reasons list, follow-up life cycle, working-day deadlines and figures.

Pure Python: the rules live here; the SQL lives in ``hall.storage.ratings`` and
``Followups`` ties the two together with a clock, for the web layer to call.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from .domain.clock import Clock
from .domain.errors import N_, HallError, IllegalTransition, InvalidInput, NotAuthorised
from .domain.states import StateMachine, Transition
from .storage import Storage
from .storage import ratings as store
from .workdays import CHINA, WorkCalendar
from .workdays import calendar_of as calendar_of  # the hall service reads the calendar from here

logger = logging.getLogger(__name__)

LEVELS = (5, 4, 3, 2, 1)
"""非常满意 (5) … 非常不满意 (1)."""
BAD_LEVELS = frozenset({1, 2})
SATISFIED_LEVELS = frozenset({3, 4, 5})
REASONS = ("attitude", "waiting_too_long", "process_unclear", "extra_materials", "not_handled", "other")
"""The fixed reasons a citizen may pick for a rating of 1 or 2."""
GROUPS = ("day", "counter", "clerk", "item", "category")
MAX_NOTE = 1000
#: How long after a bad rating the evaluator may still add the citizen's phone number.
PHONE_WINDOW_SECONDS = 300
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")  # area code and number, e.g. 0871 6512 3456


class UnknownFollowup(HallError):
    """There is no follow-up with that id."""

    status = 404
    code = "unknown_followup"


def check_reasons(score: int, reasons: Sequence[str]) -> list[str]:
    """The reasons of a rating, validated against the fixed list; only scores 1 and 2 carry any."""
    picked = list(dict.fromkeys(reasons))
    unknown = [r for r in picked if r not in REASONS]
    if unknown:
        raise InvalidInput(N_("unknown reason(s): {codes}; one of {choices}"),
                           codes=', '.join(map(str, unknown)), choices=', '.join(REASONS))
    if picked and score not in BAD_LEVELS:
        raise InvalidInput(N_("reasons are only given with a rating of 1 or 2"))
    return picked


def normalise_phone(value: object) -> str:
    """A Chinese mobile (13812345678) or landline with area code (087165123456), digits only; InvalidInput else."""
    text = re.sub(r"[\s\-()]", "", value) if isinstance(value, str) else ""
    if text.startswith("+86"):
        text = text[3:]
    if not (_MOBILE.match(text) or _LANDLINE.match(text)):
        raise InvalidInput(N_("'phone' must be a mobile number (11 digits) or a landline with its area code"))
    return text


def mask_phone_number(phone: str) -> str:
    """138****5678: the first three and the last four digits."""
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# ---- working days ---------------------------------------------------------------------

def add_working_days(start: date, days: int, calendar: WorkCalendar = CHINA) -> date:
    """The *days*-th working day after *start* in *calendar* (start itself does not count)."""
    return calendar.add_working_days(start, days)


def followup_due(opened_at: float, working_days: int, tz: ZoneInfo,
                 calendar: WorkCalendar = CHINA) -> tuple[date, float]:
    """The due day of a follow-up opened at *opened_at*, and the deadline: the end of that local day."""
    opened_day = datetime.fromtimestamp(opened_at, tz).date()
    due_day = calendar.add_working_days(opened_day, working_days)
    deadline = datetime.combine(due_day + timedelta(days=1), time(0), tz).timestamp()
    return due_day, deadline


# ---- the follow-up life cycle -----------------------------------------------------------

class FollowupState(str, Enum):
    """Where a follow-up of a bad rating stands."""

    OPEN = "open"
    APPEALED = "appealed"      # the clerk disputes the rating; a manager decides
    CLOSED = "closed"          # called back and rectified
    VOIDED = "voided"          # the appeal was upheld: the rating does not count

    @property
    def active(self) -> bool:
        return self in (FollowupState.OPEN, FollowupState.APPEALED)


class FollowupAction(str, Enum):
    """What managers and clerks do to a follow-up."""

    CALLBACK = "callback"
    RECTIFY = "rectify"
    CLOSE = "close"
    APPEAL = "appeal"
    UPHOLD = "uphold_appeal"
    REJECT = "reject_appeal"


_O, _A = FollowupState, FollowupAction
#: Every legal step of a follow-up, written once.
FOLLOWUPS: StateMachine[FollowupState, FollowupAction] = StateMachine("follow-up", {
    _A.CALLBACK: Transition(frozenset({_O.OPEN}), _O.OPEN),
    _A.RECTIFY: Transition(frozenset({_O.OPEN}), _O.OPEN),
    _A.CLOSE: Transition(frozenset({_O.OPEN}), _O.CLOSED),
    _A.APPEAL: Transition(frozenset({_O.OPEN}), _O.APPEALED),
    _A.UPHOLD: Transition(frozenset({_O.APPEALED}), _O.VOIDED),
    _A.REJECT: Transition(frozenset({_O.APPEALED}), _O.OPEN),
})


def next_followup_state(state: FollowupState, action: FollowupAction) -> FollowupState:
    """The state after *action*, or IllegalTransition."""
    return FOLLOWUPS.next(state, action)


def is_overdue(followup: Mapping[str, Any], now: float) -> bool:
    """Still open (or under appeal) past its deadline."""
    return FollowupState(followup["state"]).active and now > followup["due_at"]


def _text(data: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(N_("{name!r} is required"), name=name)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(N_("{name!r} must be text"), name=name)
    if len(value) > MAX_NOTE:
        raise InvalidInput(N_("{name!r} is too long (at most {max_note} characters)"), name=name, max_note=MAX_NOTE)
    return value.strip()


"""Called as ``listener(kind, followup)`` after a change is committed (kind: changed, overdue)."""


class Followups:
    """Managers' follow-up of bad ratings over the storage layer: list, call back, rectify, close, appeal."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock
        self._lock = threading.Lock()

    def decorate(self, followup: dict[str, Any]) -> dict[str, Any]:
        """A follow-up as the API shows it, with its overdue flag."""
        return {**followup, "overdue": is_overdue(followup, self.clock.now())}

    def list(self, state: str = "open", *, staff: str | None = None) -> list[dict[str, Any]]:
        """Follow-ups by state: open (open or appealed), closed (closed or voided), overdue, all."""
        if state not in ("open", "closed", "overdue", "all"):
            raise InvalidInput(N_("state must be one of open, closed, overdue, all"))
        with self.storage.read() as db:
            rows = store.followups(db, staff=staff)
        now = self.clock.now()
        if state == "open":
            rows = [r for r in rows if FollowupState(r["state"]).active]
        elif state == "closed":
            rows = [r for r in rows if not FollowupState(r["state"]).active]
        elif state == "overdue":
            rows = [r for r in rows if is_overdue(r, now)]
        return [self.decorate(r) for r in rows]

    def get(self, followup_id: int) -> dict[str, Any]:
        with self.storage.read() as db:
            row = store.followup(db, followup_id)
        if row is None:
            raise UnknownFollowup(N_("no follow-up with id {followup_id}"), followup_id=followup_id)
        return self.decorate(row)

    def act(self, followup_id: int, action: FollowupAction, actor: str, data: Mapping[str, Any], *,
            is_manager: bool) -> dict[str, Any]:
        """Apply one step of the life cycle and log it; managers act, except a clerk's appeal of their own rating."""
        now = self.clock.now()
        with self.storage.write() as db:
            row = store.followup(db, followup_id)
            if row is None:
                raise UnknownFollowup(N_("no follow-up with id {followup_id}"), followup_id=followup_id)
            if action is FollowupAction.APPEAL:
                if row["staff"] != actor:
                    raise NotAuthorised(N_("only the clerk who was rated may appeal the rating"))
            elif not is_manager:
                raise NotAuthorised(N_("only a manager may do this"))
            target = next_followup_state(FollowupState(row["state"]), action)
            values: dict[str, Any] = {"state": target.value}
            if action is FollowupAction.CALLBACK:
                values.update(callback_date=_callback_date(data), callback_contact=_text(data, "contact"),
                              callback_said=_text(data, "said"), callback_by=actor, callback_at=now)
            elif action is FollowupAction.RECTIFY:
                values.update(rectification=_text(data, "rectification"), rectified_by=actor, rectified_at=now)
            elif action is FollowupAction.CLOSE:
                if not row["callback_at"]:
                    raise InvalidInput(N_("record the call-back before closing the follow-up"))
                rectification = _text(data, "rectification", required=not row["rectification"])
                if rectification:
                    values.update(rectification=rectification, rectified_by=actor, rectified_at=now)
                values.update(closed_at=now, closed_by=actor, close_note=_text(data, "note", required=False),
                              closed_in_time=int(now <= row["due_at"]))
            elif action is FollowupAction.APPEAL:
                values.update(appeal_reason=_text(data, "reason"), appeal_by=actor, appeal_at=now)
            else:
                values.update(decision=action.value, decision_note=_text(data, "note", required=False),
                              decided_by=actor, decided_at=now)
                if action is FollowupAction.UPHOLD:
                    values.update(closed_at=now, closed_by=actor, closed_in_time=int(now <= row["due_at"]))
            store.update_followup(db, followup_id, values)
            if not target.active:
                store.erase_contact_phone(db, followup_id)  # kept only while the call-back needs it
            store.log_followup(db, at=now, ticket=row["ticket"], counter=row["counter"], staff=actor,
                               kind=f"followup_{action.value}",
                               data={"followup": followup_id, "to": target.value})
            updated = store.followup(db, followup_id)
        assert updated is not None
        result = self.decorate(updated)
        return result

    def leave_phone(self, ticket_id: int, phone: object, *, device_counter: int | None) -> dict[str, Any]:
        """The citizen leaves a phone number for the call-back, on the evaluator that took the bad rating,
        within PHONE_WINDOW_SECONDS of it. The number is never logged; the event log records only that one came."""
        number = normalise_phone(phone)
        now = self.clock.now()
        with self.storage.write() as db:
            row = store.followup_of_ticket(db, ticket_id)
            if row is None or device_counter is None or row["counter"] != device_counter:
                raise NotAuthorised(N_("only the evaluator that took a bad rating may add a phone number to it"))
            if not FollowupState(row["state"]).active or now > row["opened_at"] + PHONE_WINDOW_SECONDS:
                raise IllegalTransition(N_("the time to leave a phone number for this rating has passed"))
            store.update_followup(db, row["id"], {"contact_phone": number, "contact_phone_masked":
                                                  mask_phone_number(number), "contact_phone_at": now})
            store.log_followup(db, at=now, ticket=ticket_id, counter=row["counter"], staff=None,
                               kind="followup_contact_left", data={"followup": row["id"]})
            updated = store.followup(db, row["id"])
        assert updated is not None
        result = self.decorate(updated)
        return {"followup": result["id"], "phone": result["contact_phone_masked"]}

    def sweep_overdue(self) -> list[dict[str, Any]]:
        """Mark follow-ups that have just become overdue; each is announced once."""
        now = self.clock.now()
        with self._lock, self.storage.write() as db:
            due = store.overdue_unflagged(db, now)
            for row in due:
                store.update_followup(db, row["id"], {"overdue_flagged_at": now})
                store.log_followup(db, at=now, ticket=row["ticket"], counter=row["counter"], staff=None,
                                   kind="followup_overdue", data={"followup": row["id"]})
        # Each step is an event of the log: every process's consoles hear of it (evaluator.followups).
        return [self.decorate(r) for r in due]


def _callback_date(data: Mapping[str, Any]) -> str:
    value = _text(data, "date")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput(N_("'date' must be a date (YYYY-MM-DD), got {value!r}"), value=value) from None


# ---- figures --------------------------------------------------------------------------

@dataclass(frozen=True)
class RatedCase:
    """One finished ticket as the figures see it."""

    ticket: int
    day: str
    counter: int | None
    clerk: str | None
    items: tuple[str, ...]
    categories: tuple[str, ...]
    score: int | None  # None: unrated, still pending, or voided by an upheld appeal


def _group_keys(case: RatedCase, group_by: str) -> tuple[Any, ...]:
    if group_by == "day":
        return (case.day,)
    if group_by == "counter":
        return (case.counter,)
    if group_by == "clerk":
        return (case.clerk,)
    if group_by == "item":
        return case.items or (None,)
    return case.categories or (None,)


def rate_figures(cases: Iterable[RatedCase]) -> dict[str, Any]:
    """Rating rate (rated ÷ finished), satisfaction rate (levels 3–5 ÷ rated) and the distribution."""
    cases = list(cases)
    scores = [c.score for c in cases if c.score is not None]
    satisfied = sum(1 for s in scores if s in SATISFIED_LEVELS)
    return {
        "finished": len(cases),
        "rated": len(scores),
        "rating_rate": round(len(scores) / len(cases), 4) if cases else None,
        "satisfaction_rate": round(satisfied / len(scores), 4) if scores else None,
        "distribution": {str(level): scores.count(level) for level in LEVELS},
    }


def grouped_figures(cases: Iterable[RatedCase], group_by: str) -> list[dict[str, Any]]:
    """The figures per day, counter, clerk, item or category (a bundle counts for each of its items)."""
    if group_by not in GROUPS:
        raise InvalidInput(N_("group_by must be one of {choices}"), choices=', '.join(GROUPS))
    groups: dict[Any, list[RatedCase]] = defaultdict(list)
    for case in cases:
        for key in dict.fromkeys(_group_keys(case, group_by)):
            groups[key].append(case)
    ordered = sorted(groups, key=lambda k: (k is None, str(k) if not isinstance(k, int) else f"{k:09d}"))
    return [{"key": key, **rate_figures(groups[key])} for key in ordered]


def counter_ranking(cases: Iterable[RatedCase]) -> list[dict[str, Any]]:
    """Counters ranked by satisfaction rate, then rating rate, then number of ratings."""
    rows = [row for row in grouped_figures(cases, "counter") if row["key"] is not None]
    rows.sort(key=lambda r: (-(r["satisfaction_rate"] or 0), -(r["rating_rate"] or 0), -r["rated"], r["key"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def followup_figures(followups: Iterable[Mapping[str, Any]], now: float) -> dict[str, int]:
    """Follow-ups open, closed in time, closed late, voided on appeal, and overdue now."""
    rows = list(followups)
    return {
        "total": len(rows),
        "open": sum(1 for r in rows if FollowupState(r["state"]).active),
        "closed_in_time": sum(1 for r in rows if r["state"] == FollowupState.CLOSED.value and r["closed_in_time"]),
        "closed_late": sum(1 for r in rows if r["state"] == FollowupState.CLOSED.value and not r["closed_in_time"]),
        "voided": sum(1 for r in rows if r["state"] == FollowupState.VOIDED.value),
        "overdue": sum(1 for r in rows if is_overdue(r, now)),
    }


def cases_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[RatedCase]:
    """RatedCase values from ``hall.storage.ratings.finished_cases`` rows."""
    return [RatedCase(ticket=r["ticket"], day=r["day"], counter=r["counter"], clerk=r["staff"],
                      items=tuple(sorted((r["items"] or "").split(","))) if r["items"] else (),
                      categories=tuple(sorted((r["categories"] or "").split(","))) if r["categories"]
                      else ((r["category"],) if r["category"] else ()),
                      score=r["score"]) for r in rows]


def satisfaction_report(storage: Storage, first_day: str, last_day: str, group_by: str | None,
                        now: float) -> dict[str, Any]:
    """The satisfaction figures of the service days [first_day, last_day], overall and grouped."""
    if first_day > last_day:
        raise InvalidInput(N_("'from' must not be after 'to'"))
    with storage.read() as db:
        cases = cases_from_rows(store.finished_cases(db, first_day, last_day))
        followups = store.followups_of_days(db, first_day, last_day)
    report: dict[str, Any] = {"from": first_day, "to": last_day, **rate_figures(cases),
                              "followups": followup_figures(followups, now)}
    if group_by:
        report["group_by"] = group_by
        report["groups"] = grouped_figures(cases, group_by)
    return report


def monthly_counter_ranking(storage: Storage, month: str) -> dict[str, Any]:
    """The counters of *month* (YYYY-MM) ranked by satisfaction."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise InvalidInput(N_("'month' must look like 2026-11, got {month!r}"), month=month) from None
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    with storage.read() as db:
        cases = cases_from_rows(store.finished_cases(db, first.isoformat(), last.isoformat()))
    return {"month": month, "counters": counter_ranking(cases)}
