"""The hall service: every ticket and counter operation, one transaction each, then events.

Pure Python over the storage layer; the web layer and the device workers call
into it and listen to its event bus.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import ratings
from .config import HallSettings
from .domain import events as ev
from .domain.clock import Clock
from .domain.errors import (
    AlreadyRated,
    CounterBusy,
    IllegalTransition,
    InvalidInput,
    NotAuthorised,
    RatingClosed,
    UnknownCounter,
    UnknownService,
    UnknownTicket,
)
from .domain.models import Counter, QueuedTicket, Ticket
from .domain.numbering import format_number, parse_number, service_day
from .domain.routing import (
    NEWEST,
    CounterView,
    OneWindowPolicy,
    counter_view,
    people_ahead,
)
from .domain.states import IN_HAND, CounterState, TicketAction, TicketState, next_state
from .storage import Storage, repo
from .storage import ratings as rating_store
from .advisor.predictors import WaitEstimate
from .advisor.snapshot import tickets_ahead
from .wait_estimates import WaitEstimator

logger = logging.getLogger(__name__)

_EVENT_OF_ACTION: dict[TicketAction, type[ev.HallEvent]] = {
    TicketAction.ISSUE: ev.TicketIssued,
    TicketAction.CALL: ev.TicketCalled,
    TicketAction.RECALL: ev.TicketRecalled,
    TicketAction.START: ev.ServingStarted,
    TicketAction.FINISH: ev.CaseFinished,
    TicketAction.NO_SHOW: ev.TicketMissed,
    TicketAction.TRANSFER: ev.TicketTransferred,
    TicketAction.HOLD: ev.TicketHeld,
    TicketAction.CANCEL: ev.TicketCancelled,
}


@dataclass(frozen=True)
class _Pending:
    """An event written to the log inside a transaction, published after commit."""

    cls: type[ev.HallEvent]
    event_id: int
    at: float
    counter: int | None
    staff: str | None
    ticket_id: int | None
    data: dict[str, Any]


class HallService:
    """Issues tickets, routes calls, moves tickets through their states, records ratings."""

    def __init__(self, storage: Storage, hall: HallSettings, policy: OneWindowPolicy, clock: Clock,
                 bus: ev.EventBus) -> None:
        self.storage = storage
        self.hall = hall
        self.policy = policy
        self.clock = clock
        self.bus = bus
        #: Called inside the finishing transaction: (db, ticket id, number, staff, counter, time).
        self.on_finish: Callable[[Any, int, str, str | None, int | None, float], object] | None = None
        self.wait_estimator = WaitEstimator(policy, hall)

    # ---- helpers ----------------------------------------------------------

    def today(self, at: float | None = None) -> str:
        """The hall's current service day as YYYY-MM-DD."""
        return service_day(self.clock.now() if at is None else at, self.hall.tz, self.hall.day_start_time).isoformat()

    def _record(self, db: Any, pending: list[_Pending], cls: type[ev.HallEvent], *, at: float,
                ticket_id: int | None = None, counter: int | None = None, staff: str | None = None,
                data: dict[str, Any] | None = None, log_type: str | None = None) -> None:
        data = data or {}
        event_id = repo.append_event(db, at=at, type=log_type or cls.name, ticket=ticket_id, counter=counter,
                                     staff=staff, data=data)
        pending.append(_Pending(cls, event_id, at, counter, staff, ticket_id, data))

    def _publish(self, pending: Sequence[_Pending]) -> None:
        for p in pending:
            ticket = None
            if p.ticket_id is not None:
                with self.storage.read() as db:
                    t = repo.ticket(db, p.ticket_id)
                ticket = t.public() if t else None
            self.bus.publish(p.cls(event_id=p.event_id, at=p.at, counter=p.counter, staff=p.staff, ticket=ticket,
                                   data=p.data))

    def counter_views(self, db: Any, *, open_only: bool) -> list[CounterView]:
        """What routing knows of every counter (only the open ones if *open_only*)."""
        cat_of = repo.item_categories(db)
        return [counter_view(c, cat_of) for c in repo.counters(db)
                if not open_only or c.state == CounterState.OPEN]

    def _require_counter(self, db: Any, number: int) -> Counter:
        counter = repo.counter(db, number)
        if counter is None:
            raise UnknownCounter(f"there is no counter {number}")
        return counter

    def _ticket_in_hand(self, db: Any, counter: Counter) -> Ticket:
        ticket = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        if ticket is None or ticket.state not in IN_HAND:
            raise IllegalTransition(f"counter {counter.number} has no ticket in hand")
        return ticket

    # ---- the one place where a ticket changes state -----------------------------

    def _apply(self, db: Any, pending: list[_Pending], ticket: Ticket, action: TicketAction, *,
               counter: int | None, staff: str | None, data: dict[str, Any] | None = None,
               changes: dict[str, Any] | None = None) -> None:
        """Move *ticket* by *action*: check the transition, update ticket and counter, log the event."""
        now = self.clock.now()
        target = next_state(ticket.state, action)
        values: dict[str, Any] = {"state": target.value, **(changes or {})}
        releases_counter = action in (TicketAction.FINISH, TicketAction.NO_SHOW, TicketAction.TRANSFER,
                                      TicketAction.HOLD) or (action is TicketAction.CANCEL and ticket.state in IN_HAND)
        if action is TicketAction.CALL:
            values.update(counter=counter, staff=staff, called_at=now, recall_count=0,
                          first_called_at=ticket.first_called_at or now, target_counter=None, target_category=None)
            repo.update_counter(db, counter, current_ticket=ticket.id, staff=staff)
        elif action is TicketAction.RECALL:
            values.update(recall_count=ticket.recall_count + 1, called_at=now)
        elif action is TicketAction.START:
            values.update(started_at=now)
        elif action is TicketAction.FINISH:
            values.update(finished_at=now)
        elif action in (TicketAction.TRANSFER, TicketAction.HOLD):
            values.update(counter=None)
        if releases_counter and ticket.counter is not None:
            repo.update_counter(db, ticket.counter, current_ticket=None)
        repo.update_ticket(db, ticket.id, **values)
        event_data = {"number": ticket.number, "from": ticket.state.value, "to": target.value, **(data or {})}
        self._record(db, pending, _EVENT_OF_ACTION[action], at=now, ticket_id=ticket.id,
                     counter=counter if counter is not None else ticket.counter, staff=staff, data=event_data,
                     log_type=action.value)
        if action is TicketAction.FINISH and self.on_finish is not None:
            # Reviewed items become back-office cases in the same transaction as the finish.
            self.on_finish(db, ticket.id, ticket.number, staff, counter, now)

    # ---- issuing -------------------------------------------------------------------

    def issue_ticket(self, *, service: str | None = None, bundle: str | None = None, priority: bool = False,
                     kiosk: str | None = None, appointment: str | None = None) -> Ticket:
        """Take a ticket for one service item or one bundle; committed before this returns."""
        if (service is None) == (bundle is None):
            raise InvalidInput("give either a service item code or a bundle code")
        pending: list[_Pending] = []
        self.wait_estimator.warm(self.storage, self.today())
        with self.storage.write() as db:
            now = self.clock.now()
            if service is not None:
                item = repo.service_item(db, service)
                if item is None:
                    raise UnknownService(f"unknown service item {service!r}", code=service)
                items: tuple[str, ...] = (item.code,)
                category = item.category
            else:
                found = repo.bundle(db, bundle or "")
                if found is None or not found.items:
                    raise UnknownService(f"unknown bundle {bundle!r}", code=bundle)
                items = found.items
                category = repo.item_categories(db)[items[0]]
            letter = next(c.letter for c in repo.categories(db) if c.code == category)
            day = self.today(now)
            number = format_number(letter, repo.next_sequence(db, day, letter))
            queued = QueuedTicket(id=NEWEST, category=category, items=frozenset(items), priority=priority, queue_at=now)
            views = self.counter_views(db, open_only=True) or self.counter_views(db, open_only=False)
            waiting = repo.waiting_tickets(db)
            in_front = tickets_ahead(self.policy, queued, waiting, views, now)
            ahead = len(in_front)
            estimate = self.wait_estimator.estimate(db, queued, now, day, waiting=waiting, ahead=in_front)
            ticket_id = repo.insert_ticket(db, {
                "token": secrets.token_urlsafe(16), "number": number, "service_day": day, "category": category,
                "item": service, "bundle": bundle, "priority": int(priority), "appointment": appointment,
                "kiosk": kiosk, "state": TicketState.WAITING.value, "issued_at": now, "queue_at": now,
                "estimated_wait_minutes": estimate.point, "estimated_wait_low": estimate.low,
                "estimated_wait_high": estimate.high, "people_ahead": ahead,
            }, items)
            self._record(db, pending, ev.TicketIssued, at=now, ticket_id=ticket_id, log_type=TicketAction.ISSUE.value,
                         data={"number": number, "item": service, "bundle": bundle, "priority": priority,
                               "kiosk": kiosk, "people_ahead": ahead, "estimated_wait_minutes": estimate.point,
                               "estimated_wait_range": [estimate.low, estimate.high]})
            ticket = repo.ticket(db, ticket_id)
        self._publish(pending)
        assert ticket is not None
        return ticket

    # ---- counter actions -------------------------------------------------------------

    def call_next(self, counter_number: int, staff: str | None) -> Ticket | None:
        """Pick and claim the next ticket for the counter in one immediate transaction."""
        pending: list[_Pending] = []
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            self._check_can_call(db, counter)
            cat_of = repo.item_categories(db)
            chosen = self.policy.choose(counter_view(counter, cat_of), repo.waiting_tickets(db), self.clock.now())
            if chosen is None:
                return None
            ticket = repo.ticket(db, chosen.id)
            assert ticket is not None
            self._apply(db, pending, ticket, TicketAction.CALL, counter=counter_number, staff=staff)
            result = repo.ticket(db, chosen.id)
        self._publish(pending)
        return result

    def _check_can_call(self, db: Any, counter: Counter) -> None:
        if counter.state is not CounterState.OPEN:
            raise IllegalTransition(f"counter {counter.number} is {counter.state.value}; resume it first")
        if counter.current_ticket_id:
            current = repo.ticket(db, counter.current_ticket_id)
            if current is not None and current.state in IN_HAND:
                raise CounterBusy(f"counter {counter.number} still has {current.number} ({current.state.value})",
                                  number=current.number)

    def call_specific(self, counter_number: int, staff: str | None, number: str) -> Ticket:
        """Call a given number (指呼), also a held ticket whose citizen came back."""
        try:
            parse_number(number)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        pending: list[_Pending] = []
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            self._check_can_call(db, counter)
            ticket = repo.ticket_by_number(db, self.today(), number.strip().upper())
            if ticket is None:
                raise UnknownTicket(f"no ticket {number} today")
            if ticket.target_counter != counter_number and not set(ticket.items) <= counter.items:
                raise NotAuthorised(f"counter {counter_number} is not authorised for every item of {ticket.number}")
            self._apply(db, pending, ticket, TicketAction.CALL, counter=counter_number, staff=staff,
                        data={"specific": True})
            result = repo.ticket(db, ticket.id)
        self._publish(pending)
        assert result is not None
        return result

    def held_tickets(self, counter_number: int) -> list[Ticket]:
        """Today's held tickets (挂起) this counter may call back, oldest first."""
        with self.storage.read() as db:
            counter = self._require_counter(db, counter_number)
            held = repo.tickets_of_day(db, self.today(), states=[TicketState.HELD.value])
        return [t for t in held if set(t.items) <= counter.items]

    def call_held(self, counter_number: int, staff: str | None, number: str | None = None) -> Ticket:
        """Call back a held ticket: *number*, or the oldest one this counter may serve."""
        held = self.held_tickets(counter_number)
        if number is not None:
            held = [t for t in held if t.number == number.strip().upper()]
        if not held:
            raise UnknownTicket(f"counter {counter_number} has no held ticket {number or ''} to call back".replace("  ", " "))
        return self.call_specific(counter_number, staff, held[0].number)

    def _act_on_current(self, counter_number: int, staff: str | None, action: TicketAction,
                        data: dict[str, Any] | None = None, changes: dict[str, Any] | None = None) -> Ticket:
        pending: list[_Pending] = []
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            ticket = self._ticket_in_hand(db, counter)
            self._apply(db, pending, ticket, action, counter=counter_number, staff=staff, data=data, changes=changes)
            result = repo.ticket(db, ticket.id)
        self._publish(pending)
        assert result is not None
        return result

    def recall(self, counter_number: int, staff: str | None) -> Ticket:
        """Announce the counter's called ticket again (重呼)."""
        return self._act_on_current(counter_number, staff, TicketAction.RECALL)

    def start(self, counter_number: int, staff: str | None) -> Ticket:
        """The citizen has arrived: serving starts."""
        return self._act_on_current(counter_number, staff, TicketAction.START)

    def finish(self, counter_number: int, staff: str | None) -> Ticket:
        """The case is done at the counter; the rating window opens."""
        return self._act_on_current(counter_number, staff, TicketAction.FINISH)

    def no_show(self, counter_number: int, staff: str | None) -> Ticket:
        """The called citizen did not come (过号)."""
        return self._act_on_current(counter_number, staff, TicketAction.NO_SHOW)

    def hold(self, counter_number: int, staff: str | None) -> Ticket:
        """The citizen steps away to fetch a document (挂起); any able counter can call the number again."""
        return self._act_on_current(counter_number, staff, TicketAction.HOLD)

    def transfer(self, counter_number: int, staff: str | None, *, to_counter: int | None = None,
                 to_category: str | None = None, note: str = "") -> Ticket:
        """Send the ticket to another counter or category; it keeps its place in the queue."""
        if (to_counter is None) == (to_category is None):
            raise InvalidInput("give either to_counter or to_category")
        with self.storage.read() as db:
            if to_counter is not None:
                if to_counter == counter_number:
                    raise InvalidInput("cannot transfer a ticket to the counter that holds it")
                self._require_counter(db, to_counter)
            elif to_category not in {c.code for c in repo.categories(db)}:
                raise InvalidInput(f"unknown category {to_category!r}")
        return self._act_on_current(
            counter_number, staff, TicketAction.TRANSFER,
            data={"to_counter": to_counter, "to_category": to_category, "note": note[:200]},
            changes={"target_counter": to_counter, "target_category": to_category},
        )

    def cancel(self, ticket_id: int, staff: str | None, reason: str = "") -> Ticket:
        """Cancel a ticket (a manager's action, or the citizen's own from the status page)."""
        pending: list[_Pending] = []
        with self.storage.write() as db:
            ticket = repo.ticket(db, ticket_id)
            if ticket is None:
                raise UnknownTicket(f"no ticket with id {ticket_id}")
            self._apply(db, pending, ticket, TicketAction.CANCEL, counter=ticket.counter, staff=staff,
                        data={"reason": reason[:200]})
            result = repo.ticket(db, ticket_id)
        self._publish(pending)
        assert result is not None
        return result

    def pause(self, counter_number: int, staff: str | None, reason: str = "") -> Counter:
        """Stop taking calls (暂停服务) with a reason; only with no ticket in hand."""
        pending: list[_Pending] = []
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            if counter.state is CounterState.PAUSED:
                raise IllegalTransition(f"counter {counter_number} is already paused")
            self._check_can_call(db, counter)
            now = self.clock.now()
            repo.update_counter(db, counter_number, state=CounterState.PAUSED.value, state_since=now,
                                pause_reason=reason[:100] or None)
            self._record(db, pending, ev.CounterPaused, at=now, counter=counter_number, staff=staff,
                         data={"reason": reason[:100]})
            result = repo.counter(db, counter_number)
        self._publish(pending)
        assert result is not None
        return result

    def resume(self, counter_number: int, staff: str | None) -> Counter:
        """Take calls again after a pause."""
        pending: list[_Pending] = []
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            if counter.state is not CounterState.PAUSED:
                raise IllegalTransition(f"counter {counter_number} is not paused")
            now = self.clock.now()
            repo.update_counter(db, counter_number, state=CounterState.OPEN.value, state_since=now, pause_reason=None)
            self._record(db, pending, ev.CounterResumed, at=now, counter=counter_number, staff=staff,
                         data={"paused_seconds": round(now - counter.state_since, 1)})
            result = repo.counter(db, counter_number)
        self._publish(pending)
        assert result is not None
        return result

    # ---- ratings ---------------------------------------------------------------------

    def rate(self, ticket_id: int, score: int, *, device_id: int, device_counter: int | None,
             reasons: Sequence[str] = ()) -> dict[str, Any]:
        """Record the one rating of a finished ticket, from its counter's evaluator."""
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise InvalidInput("score must be a whole number from 1 (very dissatisfied) to 5 (very satisfied)")
        reasons = ratings.check_reasons(score, reasons)
        pending: list[_Pending] = []
        with self.storage.write() as db:
            ticket = repo.ticket(db, ticket_id)
            if ticket is None:
                raise UnknownTicket(f"no ticket with id {ticket_id}")
            if device_counter is None or ticket.counter != device_counter:
                raise NotAuthorised("only the evaluator of the counter that served the ticket can rate it")
            existing = repo.rating(db, ticket_id)
            if existing is not None:
                raise AlreadyRated(f"ticket {ticket.number} has already been rated" if existing["score"] else
                                   f"the rating window of ticket {ticket.number} has closed")
            if ticket.state is not TicketState.FINISHED or ticket.finished_at is None:
                raise RatingClosed(f"ticket {ticket.number} is {ticket.state.value}; only finished cases are rated")
            now = self.clock.now()
            if now > ticket.finished_at + self.hall.rating_window_seconds:
                raise RatingClosed(f"the rating window of ticket {ticket.number} has closed")
            values = {"ticket": ticket_id, "score": score, "reasons": _json_list(reasons), "counter": ticket.counter,
                      "staff": ticket.staff, "device": device_id, "at": now, "unrated": 0}
            repo.insert_rating(db, values)
            if score in ratings.BAD_LEVELS:
                self._open_followup(db, ticket, score, reasons, now)
            self._record(db, pending, ev.RatingRecorded, at=now, ticket_id=ticket_id, counter=ticket.counter,
                         staff=ticket.staff, data={"score": score, "reasons": list(reasons), "device": device_id},
                         log_type="rated")
        self._publish(pending)
        return values

    def _open_followup(self, db: Any, ticket: Ticket, score: int, reasons: Sequence[str], now: float) -> None:
        """A rating of 1 or 2 opens its follow-up, due in N working days, in the rating's transaction."""
        due_day, due_at = ratings.followup_due(now, self.hall.followup_working_days, self.hall.tz,
                                               ratings.parse_holidays(self.hall.holidays))
        followup_id = rating_store.insert_followup(db, {
            "ticket": ticket.id, "number": ticket.number, "score": score, "reasons": list(reasons),
            "counter": ticket.counter, "staff": ticket.staff, "opened_at": now, "due_day": due_day.isoformat(),
            "due_at": due_at, "state": ratings.FollowupState.OPEN.value})
        rating_store.log_followup(db, at=now, ticket=ticket.id, counter=ticket.counter, staff=ticket.staff,
                                  kind="followup_opened", data={"followup": followup_id, "due_day": due_day.isoformat()})

    def pending_rating(self, counter: int) -> dict[str, Any] | None:
        """The counter's last finished case if it is still inside its rating window and unrated."""
        now = self.clock.now()
        window = self.hall.rating_window_seconds
        with self.storage.read() as db:
            ticket = repo.last_finished_at_counter(db, self.today(now), counter)
            if ticket is None or ticket.finished_at is None or ticket.finished_at + window < now:
                return None
            if repo.rating(db, ticket.id) is not None:
                return None
        return {"ticket": ticket.id, "number": ticket.number, "counter": counter, "window_seconds": window,
                "deadline": ticket.finished_at + window}

    def request_rating(self, counter: int, staff: str | None) -> dict[str, Any]:
        """Ask the counter's evaluators again (the clerk's "request rating"); RatingClosed when none waits."""
        pending = self.pending_rating(counter)
        if pending is None:
            raise RatingClosed(f"counter {counter} has no finished case waiting for a rating")
        events: list[_Pending] = []
        with self.storage.write() as db:
            self._record(db, events, ev.RatingRequested, at=self.clock.now(), ticket_id=pending["ticket"],
                         counter=counter, staff=staff, data=dict(pending))
        self._publish(events)
        return pending

    def expire_ratings(self) -> int:
        """Record as unrated every finished case whose rating window has passed; returns how many."""
        pending: list[_Pending] = []
        with self.storage.write() as db:
            now = self.clock.now()
            expired = repo.finished_unrated_before(db, now - self.hall.rating_window_seconds)
            for t in expired:
                repo.insert_rating(db, {"ticket": t.id, "score": None, "reasons": "[]", "counter": t.counter,
                                        "staff": t.staff, "device": None, "at": now, "unrated": 1})
                self._record(db, pending, ev.RatingExpired, at=now, ticket_id=t.id, counter=t.counter,
                             staff=t.staff, log_type="rating_expired")
        self._publish(pending)
        return len(expired)

    def note(self, ticket_id: int, kind: str, data: dict[str, Any] | None = None) -> None:
        """Log something that happened to a ticket without changing its state (printed, print_failed …)."""
        with self.storage.write() as db:
            repo.append_event(db, at=self.clock.now(), type=kind, ticket=ticket_id, data=data or {})

    # ---- views ----------------------------------------------------------------------------

    def ticket(self, ticket_id: int) -> Ticket:
        with self.storage.read() as db:
            ticket = repo.ticket(db, ticket_id)
        if ticket is None:
            raise UnknownTicket(f"no ticket with id {ticket_id}")
        return ticket

    def ticket_by_token(self, token: str) -> Ticket:
        with self.storage.read() as db:
            ticket = repo.ticket_by_token(db, token)
        if ticket is None:
            raise UnknownTicket("no such ticket")
        return ticket

    def wait_estimate_now(self, ticket: Ticket) -> WaitEstimate | None:
        """The live estimate of a waiting ticket (None once it has been called)."""
        if ticket.state is not TicketState.WAITING:
            return None
        with self.storage.read() as db:
            waiting = repo.waiting_tickets(db)
            queued = next((q for q in waiting if q.id == ticket.id), None)
            if queued is None:
                return None
            now = self.clock.now()
            return self.wait_estimator.estimate(db, queued, now, self.today(now), waiting=waiting)

    def people_ahead_now(self, ticket: Ticket) -> int:
        """How many would be called before *ticket* if it is still waiting."""
        if ticket.state is not TicketState.WAITING:
            return 0
        with self.storage.read() as db:
            queued = next((q for q in repo.waiting_tickets(db) if q.id == ticket.id), None)
            if queued is None:
                return 0
            views = self.counter_views(db, open_only=True) or self.counter_views(db, open_only=False)
            return people_ahead(self.policy, queued, repo.waiting_tickets(db), views, self.clock.now())



def _json_list(values: Sequence[str]) -> str:
    return json.dumps([str(v)[:40] for v in values][:10], ensure_ascii=False)

