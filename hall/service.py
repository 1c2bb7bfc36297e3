"""The hall service: every ticket and counter operation, one transaction each.

Pure Python over the storage layer. Each operation writes the ticket's row and its event in one
``BEGIN IMMEDIATE`` transaction, with the queue index synced from the log at its start, then tells
the log feed, which publishes the events on the bus. The command layer (``hall.commands``) decides
who may do what; this module decides what the hall's rules allow.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from . import rating_chain, ratings
from .admission import TicketAdmission
from .config import HallSettings
from .domain import events as ev
from .domain.clock import Clock
from .domain.errors import (
    N_,
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
from .domain.queue import QueueIndex
from .domain.routing import NEWEST, CounterView, OneWindowPolicy, counter_view
from .domain.states import IN_HAND, TICKET_STATE_LABELS, CounterState, TicketAction, TicketState, next_state
from .feed import LogFeed
from .queue_book import QueueBook
from .settings_watch import SettingsWatch
from .storage import Storage, repo
from .storage import ratings as rating_store
from .storage.group_commit import writes
from .wait_estimates import WaitEstimator

logger = logging.getLogger(__name__)

#: Actions that take the ticket out of the counter's hands.
_RELEASES = frozenset({TicketAction.FINISH, TicketAction.NO_SHOW, TicketAction.TRANSFER, TicketAction.HOLD,
                       TicketAction.EXPIRE})
FinishHook = Callable[[Any, int, str, "str | None", "int | None", float], object]
AdmissionHook = Callable[[Any, TicketAdmission], object]


class HallService:
    """Issues tickets, routes calls, moves tickets through their states, records ratings."""

    def __init__(self, storage: Storage, hall: HallSettings, policy: OneWindowPolicy, clock: Clock,
                 bus: ev.EventBus, *, feed: LogFeed | None = None) -> None:
        self.storage = storage
        self.settings = SettingsWatch(storage, hall)
        self.policy = policy
        self.clock = clock
        self.bus = bus
        self.feed = feed or LogFeed(storage, bus)
        self.queue = QueueBook(policy)
        #: Called inside the finishing transaction: (db, ticket id, number, staff, counter, time).
        self.on_finish: FinishHook | None = None
        #: Called inside the issuing transaction before the number is drawn; raises to refuse the ticket
        #: (service hours, quotas: ``hall.admission``).
        self.admission: AdmissionHook | None = None
        self._routing_cache: tuple[int, dict[str, str], dict[int, frozenset[str]]] | None = None
        self._views: dict[tuple[int, str | None], CounterView] = {}
        self.wait_estimator = WaitEstimator(policy, hall.tz, storage)

    @property
    def hall(self) -> HallSettings:
        """The hall settings in force (configuration overlaid with what managers saved)."""
        return self.settings.current()

    # ---- helpers ----------------------------------------------------------------------

    def today(self, at: float | None = None) -> str:
        """The hall's current service day as YYYY-MM-DD."""
        hall = self.hall
        return service_day(self.clock.now() if at is None else at, hall.tz, hall.day_start_time).isoformat()

    def _record(self, db: Any, *, at: float, type: str, ticket_id: int | None = None, counter: int | None = None,
                staff: str | None = None, data: dict[str, Any] | None = None) -> int:
        return repo.append_event(db, at=at, type=type, ticket=ticket_id, counter=counter, staff=staff, data=data)

    def _committed(self) -> None:
        """Tell the feed, after the outermost transaction commits (a command may nest several operations)."""
        self.storage.after_commit(self.feed.committed)

    def _routing_data(self, db: Any) -> tuple[dict[str, str], dict[int, frozenset[str]]]:
        """Every item's category and every counter's authorised items, re-read only when the catalogue changed."""
        version = db.execute("SELECT version FROM hall_versions WHERE name = 'catalogue'").fetchone()[0]
        cached = self._routing_cache
        if cached is None or cached[0] != version:
            auth: dict[int, set[str]] = {}
            for row in db.execute("SELECT counter, item FROM counter_items"):
                auth.setdefault(row["counter"], set()).add(row["item"])
            cached = (version, repo.item_categories(db), {k: frozenset(v) for k, v in auth.items()})
            self._routing_cache = cached
            self._views.clear()
        return cached[1], cached[2]

    def counter_views(self, db: Any, *, open_only: bool) -> list[CounterView]:
        """What routing knows of every counter (only the open ones if *open_only*), without loading the catalogue."""
        return [view for view, is_open in self._views_and_state(db) if is_open or not open_only]

    def _views_and_state(self, db: Any) -> list[tuple[CounterView, bool]]:
        """Every active counter's routing view, and whether it is open, from one read of the counters."""
        categories, auth = self._routing_data(db)
        views = []
        for row in db.execute("SELECT number, state, dedicated_category FROM counters WHERE active = 1 "
                              "ORDER BY number"):
            key = (row["number"], row["dedicated_category"])
            view = self._views.get(key)
            if view is None:
                items = auth.get(row["number"], frozenset())
                view = counter_view(Counter(number=row["number"], name="", items=items, state=CounterState.OPEN,
                                            state_since=0.0, pause_reason=None, current_ticket_id=None, staff=None,
                                            dedicated_category=row["dedicated_category"]), categories)
                self._views[key] = view
            views.append((view, row["state"] == CounterState.OPEN.value))
        return views

    def views_by_number(self, db: Any) -> dict[int, CounterView]:
        """Every serving counter's routing view by number, open or not (for the wait estimate)."""
        return {v.number: v for v in self.counter_views(db, open_only=False)}

    def able_views(self, db: Any) -> list[CounterView]:
        """The counters that count for estimates: the open ones, else (nobody signed in yet) all of them."""
        return self._able_and_all(db)[0]

    def _able_and_all(self, db: Any) -> tuple[list[CounterView], dict[int, CounterView]]:
        """``able_views`` and ``views_by_number`` from one read of the counters (a ticket's issue needs both)."""
        rows = self._views_and_state(db)
        able = [view for view, is_open in rows if is_open] or [view for view, _ in rows]
        return able, {view.number: view for view, _ in rows}

    def serving_counters(self, db: Any, ticket: QueuedTicket) -> int:
        """How many open counters (a clerk signed in, not paused) may serve *ticket*: the estimate's divisor."""
        return sum(1 for v in self.counter_views(db, open_only=True) if self.policy.eligible(v, ticket))

    def queue_view(self, db: Any, now: float | None = None) -> Any:
        """The queue index of the current service day, synced from *db* and held while the block runs."""
        return self.queue.view(db, self.today(now))

    def _require_counter(self, db: Any, number: int) -> Counter:
        counter = repo.counter(db, number)
        if counter is None:
            raise UnknownCounter(N_("there is no counter {number}"), number=number)
        return counter

    def _ticket_in_hand(self, db: Any, counter: Counter) -> Ticket:
        ticket = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        if ticket is None or ticket.state not in IN_HAND:
            raise IllegalTransition(N_("counter {counter_number} has no ticket in hand"), counter_number=counter.number)
        return ticket

    # ---- the one place where a ticket changes state ------------------------------------------

    def apply(self, db: Any, ticket: Ticket, action: TicketAction, *, counter: int | None, staff: str | None,
              data: dict[str, Any] | None = None, changes: dict[str, Any] | None = None) -> Ticket:
        """Move *ticket* by *action* inside the caller's write transaction: check, update, log; the new ticket."""
        now = self.clock.now()
        target = next_state(ticket.state, action)
        values: dict[str, Any] = {"state": target.value, **(changes or {})}
        if action is TicketAction.CALL:
            values.update(counter=counter, staff=staff, called_at=now, recall_count=0,
                          first_called_at=ticket.first_called_at or now, target_counter=None, target_category=None)
            repo.update_counter(db, counter, current_ticket=ticket.id)
        elif action is TicketAction.RECALL:
            values.update(recall_count=ticket.recall_count + 1, called_at=now)
        elif action is TicketAction.START:
            values.update(started_at=now)
        elif action is TicketAction.FINISH:
            values.update(finished_at=now)
        elif action in (TicketAction.TRANSFER, TicketAction.HOLD):
            values.update(counter=None)
        releases = action in _RELEASES or (action is TicketAction.CANCEL and ticket.state in IN_HAND)
        if releases and ticket.counter is not None:
            db.execute("UPDATE counters SET current_ticket = NULL WHERE number = ? AND current_ticket = ?",
                       [ticket.counter, ticket.id])
        repo.update_ticket(db, ticket.id, **values)
        event_data = {"number": ticket.number, "from": ticket.state.value, "to": target.value, **(data or {})}
        self._record(db, at=now, type=action.value, ticket_id=ticket.id,
                     counter=counter if counter is not None else ticket.counter, staff=staff, data=event_data)
        if action is TicketAction.FINISH and self.on_finish is not None:
            # Reviewed items become back-office cases in the same transaction as the finish.
            self.on_finish(db, ticket.id, ticket.number, staff, counter, now)
        return replace(ticket, state=TicketState(target), **{k: v for k, v in values.items() if k != "state"})

    # ---- issuing --------------------------------------------------------------------------------

    def _service_of(self, db: Any, service: str | None, bundle: str | None) -> tuple[tuple[str, ...], str, float]:
        """(items, category, expected minutes) of an item or a bundle; UnknownService if any part is inactive."""
        if service is not None:
            row = db.execute("SELECT code, category, avg_service_minutes FROM service_items "
                             "WHERE code = ? AND active = 1", [service]).fetchone()
            if row is None:
                raise UnknownService(N_("unknown service item {service!r}"), service=service, code=service)
            return (row["code"],), row["category"], float(row["avg_service_minutes"])
        rows = db.execute(
            "SELECT bi.item, i.category, i.avg_service_minutes, i.active FROM bundles b "
            "JOIN bundle_items bi ON bi.bundle = b.code JOIN service_items i ON i.code = bi.item "
            "WHERE b.code = ? AND b.active = 1 ORDER BY bi.position", [bundle or ""]).fetchall()
        if not rows:
            raise UnknownService(N_("unknown bundle {bundle!r}"), bundle=bundle, code=bundle)
        inactive = [r["item"] for r in rows if not r["active"]]
        if inactive:
            raise UnknownService(N_("bundle {bundle!r} includes items that are not offered now: {inactive}"),
                                 bundle=bundle, inactive=', '.join(inactive),
                                 code=bundle, items=inactive)
        return (tuple(r["item"] for r in rows), rows[0]["category"],
                sum(float(r["avg_service_minutes"]) for r in rows))

    @writes
    def issue_ticket(self, *, service: str | None = None, bundle: str | None = None, priority: bool = False,
                     kiosk: str | None = None, appointment: str | None = None, channel: str = "walk_in",
                     reserved: bool = False) -> Ticket:
        """Take a ticket for one service item or one bundle; committed before this returns.

        *channel* says how it came (walk_in, remote, appointment); *reserved* that a booking already holds
        its quota. The admission hook may refuse it (outside the service hours, quota used up).
        """
        if (service is None) == (bundle is None):
            raise InvalidInput(N_("give either a service item code or a bundle code"))
        self.wait_estimator.warm(self.storage, self.today())
        with self.storage.write() as db:
            now = self.clock.now()
            items, category, _ = self._service_of(db, service, bundle)
            letter = db.execute("SELECT letter FROM categories WHERE code = ?", [category]).fetchone()[0]
            day = self.today(now)
            if self.admission is not None:
                self.admission(db, TicketAdmission(service, bundle, channel, now, day, reserved))
            arrived_at = None if channel == "remote" else now
            number = format_number(letter, repo.next_sequence(db, day, letter))
            probe = QueuedTicket(id=NEWEST, category=category, items=frozenset(items), priority=priority,
                                 queue_at=now)
            views, by_number = self._able_and_all(db)
            with self.queue.view(db, day) as index:
                ahead = index.people_ahead(probe, views, now)
                in_front = index.ahead_groups(probe, views, now)
            estimate = self.wait_estimator.estimate(db, probe, now, day, views=by_number, ahead_groups=in_front)
            values = {
                "token": secrets.token_urlsafe(16), "number": number, "service_day": day, "category": category,
                "item": service, "bundle": bundle, "priority": int(priority), "appointment": appointment,
                "kiosk": kiosk, "state": TicketState.WAITING.value, "issued_at": now, "queue_at": now,
                "estimated_wait_minutes": estimate.point, "estimated_wait_low": estimate.low,
                "estimated_wait_high": estimate.high, "people_ahead": ahead, "channel": channel,
                "arrived_at": arrived_at,
            }
            ticket_id = repo.insert_ticket(db, values, items)
            self._record(db, at=now, type=TicketAction.ISSUE.value, ticket_id=ticket_id,
                         data={"number": number, "item": service, "bundle": bundle, "priority": priority,
                               "kiosk": kiosk, "people_ahead": ahead, "estimated_wait_minutes": estimate.point,
                               "estimated_wait_range": [estimate.low, estimate.high], "channel": channel})
        self._committed()
        return Ticket(
            id=ticket_id, token=values["token"], number=number, service_day=day, category=category, item=service,
            bundle=bundle, items=tuple(sorted(items)), priority=priority, appointment=appointment,
            state=TicketState.WAITING, issued_at=now, queue_at=now, target_counter=None, target_category=None,
            counter=None, staff=None, recall_count=0, first_called_at=None, called_at=None, started_at=None,
            finished_at=None, estimated_wait_minutes=estimate.point, people_ahead=ahead, kiosk=kiosk,
            estimated_wait_low=estimate.low, estimated_wait_high=estimate.high, channel=channel,
            arrived_at=arrived_at)

    # ---- counter actions ---------------------------------------------------------------------------

    @writes
    def call_next(self, counter_number: int, staff: str | None) -> Ticket | None:
        """Pick and claim the next ticket for the counter in one immediate transaction."""
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            self._check_can_call(db, counter)
            view = next(v for v in self.counter_views(db, open_only=False) if v.number == counter_number)
            now = self.clock.now()
            with self.queue.view(db, self.today(now)) as index:
                chosen = index.next_for(view, now)
            if chosen is None:
                return None
            ticket = repo.ticket(db, chosen.id)
            assert ticket is not None
            result = self.apply(db, ticket, TicketAction.CALL, counter=counter_number, staff=staff)
        self._committed()
        return result

    def _check_can_call(self, db: Any, counter: Counter) -> None:
        if counter.state is not CounterState.OPEN:
            if counter.state is CounterState.PAUSED:
                raise IllegalTransition(N_("counter {counter} is paused; resume it first"), counter=counter.number,
                                        state=counter.state.value)
            raise IllegalTransition(N_("counter {counter} is closed; a clerk must sign in there first"),
                                    counter=counter.number, state=counter.state.value)
        if counter.current_ticket_id:
            current = repo.ticket(db, counter.current_ticket_id)
            if current is not None and current.state in IN_HAND:
                raise CounterBusy(N_("counter {counter_number} still has {current_number} ({current_state_value})"),
                                  counter_number=counter.number, current_number=current.number,
                                  current_state_value=TICKET_STATE_LABELS[current.state],
                                  number=current.number)

    @writes
    def call_specific(self, counter_number: int, staff: str | None, number: str) -> Ticket:
        """Call a given number (指呼), also a held ticket whose citizen came back."""
        try:
            parse_number(number)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            self._check_can_call(db, counter)
            ticket = repo.ticket_by_number(db, self.today(), number.strip().upper())
            if ticket is None:
                raise UnknownTicket(N_("no ticket {number} today"), number=number)
            if ticket.target_counter != counter_number and not set(ticket.items) <= counter.items:
                raise NotAuthorised(N_("counter {counter_number} is not authorised for every item of {ticket_number}"),
                                    counter_number=counter_number, ticket_number=ticket.number)
            result = self.apply(db, ticket, TicketAction.CALL, counter=counter_number, staff=staff,
                                data={"specific": True})
        self._committed()
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
            if number:
                raise UnknownTicket(N_("counter {counter} has no held ticket {number} to call back"),
                                    counter=counter_number, number=number)
            raise UnknownTicket(N_("counter {counter} has no held ticket to call back"), counter=counter_number)
        return self.call_specific(counter_number, staff, held[0].number)

    @writes
    def _act_on_current(self, counter_number: int, staff: str | None, action: TicketAction,
                        data: dict[str, Any] | None = None, changes: dict[str, Any] | None = None) -> Ticket:
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            ticket = self._ticket_in_hand(db, counter)
            result = self.apply(db, ticket, action, counter=counter_number, staff=staff, data=data, changes=changes)
        self._committed()
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
            raise InvalidInput(N_("give either to_counter or to_category"))
        with self.storage.read() as db:
            if to_counter is not None:
                if to_counter == counter_number:
                    raise InvalidInput(N_("cannot transfer a ticket to the counter that holds it"))
                self._require_counter(db, to_counter)
            elif db.execute("SELECT 1 FROM categories WHERE code = ?", [to_category]).fetchone() is None:
                raise InvalidInput(N_("unknown category {to_category!r}"), to_category=to_category)
        return self._act_on_current(
            counter_number, staff, TicketAction.TRANSFER,
            data={"to_counter": to_counter, "to_category": to_category, "note": note[:200],
                  "from_counter": counter_number},
            changes={"target_counter": to_counter, "target_category": to_category},
        )

    @writes
    def cancel(self, ticket_id: int, staff: str | None, reason: str = "") -> Ticket:
        """Cancel a ticket (a manager's action, or the citizen's own from the status page)."""
        with self.storage.write() as db:
            ticket = repo.ticket(db, ticket_id)
            if ticket is None:
                raise UnknownTicket(N_("no ticket with id {ticket_id}"), ticket_id=ticket_id)
            result = self.apply(db, ticket, TicketAction.CANCEL, counter=ticket.counter, staff=staff,
                                data={"reason": reason[:200]})
        self._committed()
        return result

    # ---- counters: signing in and out, pausing -----------------------------------------------------

    def _set_counter_state(self, db: Any, counter: Counter, state: CounterState, event: str, *, actor: str | None,
                           data: dict[str, Any], **values: Any) -> Counter:
        now = self.clock.now()
        repo.update_counter(db, counter.number, state=state.value, state_since=now, **values)
        self._record(db, at=now, type=event, counter=counter.number, staff=actor, data=data)
        return replace(counter, state=state, state_since=now, **values)

    @writes
    def open_counter(self, counter_number: int, staff: str) -> Counter:
        """A clerk signs in at the counter and it takes calls; the clerk holds no other counter."""
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            holder = counter.staff if counter.state is not CounterState.CLOSED else None
            if holder is not None and holder != staff:
                raise CounterBusy(N_("counter {counter_number} is signed in by {holder}"),
                                  counter_number=counter_number, holder=holder)
            other = db.execute("SELECT number FROM counters WHERE staff = ? AND state != 'closed' AND number != ?",
                               [staff, counter_number]).fetchone()
            if other is not None:
                raise CounterBusy(N_("{staff} is signed in at counter {other_0}; sign out there first"),
                                  staff=staff, other_0=other[0],
                                  counter=other[0], reason="holds_other_counter")
            if holder == staff:
                return counter
            result = self._set_counter_state(db, counter, CounterState.OPEN, "counter_opened", actor=staff,
                                             data={"staff": staff}, staff=staff, pause_reason=None)
        self._committed()
        return result

    @writes
    def close_counter(self, counter_number: int, staff: str | None, reason: str = "signed_out") -> Counter:
        """The clerk signs out: the counter stops taking calls; refused while a ticket is in hand."""
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            if counter.state is CounterState.CLOSED:
                return counter
            if counter.current_ticket_id:
                current = repo.ticket(db, counter.current_ticket_id)
                if current is not None and current.state in IN_HAND:
                    raise CounterBusy(N_("counter {counter_number} still has {current_number}; finish, hold or "
                                         "transfer it before signing out"),
                                      counter_number=counter_number, current_number=current.number,
                                      number=current.number)
            result = self._set_counter_state(db, counter, CounterState.CLOSED, "counter_closed", actor=staff,
                                             data={"reason": reason, "staff": counter.staff}, staff=None,
                                             pause_reason=None)
        self._committed()
        return result

    @writes
    def pause(self, counter_number: int, staff: str | None, reason: str = "") -> Counter:
        """Stop taking calls (暂停服务) with a reason; only with no ticket in hand."""
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            if counter.state is CounterState.PAUSED:
                raise IllegalTransition(N_("counter {counter_number} is already paused"), counter_number=counter_number)
            self._check_can_call(db, counter)
            result = self._set_counter_state(db, counter, CounterState.PAUSED, "counter_paused", actor=staff,
                                             data={"reason": reason[:100]}, pause_reason=reason[:100] or None)
        self._committed()
        return result

    @writes
    def resume(self, counter_number: int, staff: str | None) -> Counter:
        """Take calls again after a pause."""
        with self.storage.write() as db:
            counter = self._require_counter(db, counter_number)
            if counter.state is not CounterState.PAUSED:
                raise IllegalTransition(N_("counter {counter_number} is not paused"), counter_number=counter_number)
            paused = round(self.clock.now() - counter.state_since, 1)
            result = self._set_counter_state(db, counter, CounterState.OPEN, "counter_resumed", actor=staff,
                                             data={"paused_seconds": paused}, pause_reason=None)
        self._committed()
        return result

    # ---- ratings -------------------------------------------------------------------------------------

    @writes
    def rate(self, ticket_id: int, score: int, *, device_id: int, device_counter: int | None,
             reasons: Sequence[str] = ()) -> dict[str, Any]:
        """Record the one rating of a finished ticket, from its counter's evaluator."""
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise InvalidInput(N_("score must be a whole number from 1 (very dissatisfied) to 5 (very satisfied)"))
        reasons = ratings.check_reasons(score, reasons)
        with self.storage.write() as db:
            ticket = repo.ticket(db, ticket_id)
            if ticket is None:
                raise UnknownTicket(N_("no ticket with id {ticket_id}"), ticket_id=ticket_id)
            if device_counter is None or ticket.counter != device_counter:
                raise NotAuthorised(N_("only the evaluator of the counter that served the ticket can rate it"))
            existing = repo.rating(db, ticket_id)
            if existing is not None:
                if existing["score"]:
                    raise AlreadyRated(N_("ticket {number} has already been rated"), number=ticket.number)
                raise AlreadyRated(N_("the rating window of ticket {number} has closed"), number=ticket.number)
            if ticket.state is not TicketState.FINISHED or ticket.finished_at is None:
                raise RatingClosed(N_("ticket {ticket_number} is {ticket_state_value}; only finished cases are rated"),
                                   ticket_number=ticket.number, ticket_state_value=TICKET_STATE_LABELS[ticket.state])
            now = self.clock.now()
            if now > ticket.finished_at + self.hall.rating_window_seconds:
                raise RatingClosed(N_("the rating window of ticket {ticket_number} has closed"),
                                   ticket_number=ticket.number)
            values = {"ticket": ticket_id, "score": score, "reasons": _json_list(reasons), "counter": ticket.counter,
                      "staff": ticket.staff, "device": device_id, "at": now, "unrated": 0}
            repo.insert_rating(db, values)
            rating_chain.link(db, values)
            if score in ratings.BAD_LEVELS:
                self._open_followup(db, ticket, score, reasons, now)
            self._record(db, at=now, type="rated", ticket_id=ticket_id, counter=ticket.counter, staff=ticket.staff,
                         data={"score": score, "reasons": list(reasons), "device": device_id})
        self._committed()
        return values

    def _open_followup(self, db: Any, ticket: Ticket, score: int, reasons: Sequence[str], now: float) -> None:
        """A rating of 1 or 2 opens its follow-up, due in N working days, in the rating's transaction."""
        due_day, due_at = ratings.followup_due(now, self.hall.followup_working_days, self.hall.tz,
                                               ratings.calendar_of(self.hall))
        followup_id = rating_store.insert_followup(db, {
            "ticket": ticket.id, "number": ticket.number, "score": score, "reasons": list(reasons),
            "counter": ticket.counter, "staff": ticket.staff, "opened_at": now, "due_day": due_day.isoformat(),
            "due_at": due_at, "state": ratings.FollowupState.OPEN.value})
        rating_store.log_followup(db, at=now, ticket=ticket.id, counter=ticket.counter, staff=ticket.staff,
                                  kind="followup_opened",
                                  data={"followup": followup_id, "due_day": due_day.isoformat()})

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

    @writes
    def request_rating(self, counter: int, staff: str | None) -> dict[str, Any]:
        """Ask the counter's evaluators again (the clerk's "request rating"); RatingClosed when none waits."""
        pending = self.pending_rating(counter)
        if pending is None:
            raise RatingClosed(N_("counter {counter} has no finished case waiting for a rating"), counter=counter)
        with self.storage.write() as db:
            self._record(db, at=self.clock.now(), type="rating_requested", ticket_id=pending["ticket"],
                         counter=counter, staff=staff, data=dict(pending))
        self._committed()
        return pending

    @writes
    def expire_ratings(self) -> int:
        """Record as unrated every finished case whose rating window has passed; returns how many.

        Bounded by the day: only the tickets finished today or yesterday (a case finished just before
        the day boundary) are looked at, through the (service_day, state, finished_at) index.
        """
        now = self.clock.now()
        days = (self.today(now - 86_400), self.today(now))
        with self.storage.write() as db:
            expired = repo.finished_unrated_before(db, now - self.hall.rating_window_seconds, days)
            for t in expired:
                unrated = {"ticket": t.id, "score": None, "reasons": "[]", "counter": t.counter, "staff": t.staff,
                           "device": None, "at": now, "unrated": 1}
                repo.insert_rating(db, unrated)
                rating_chain.link(db, unrated)
                self._record(db, at=now, type="rating_expired", ticket_id=t.id, counter=t.counter, staff=t.staff)
        if expired:
            self._committed()
        return len(expired)

    @writes
    def record_event(self, kind: str, *, counter: int | None = None, staff: str | None = None,
                     data: dict[str, Any] | None = None) -> None:
        """Log a hall event that belongs to no ticket (a counter configured …), in its own transaction."""
        with self.storage.write() as db:
            self._record(db, at=self.clock.now(), type=kind, counter=counter, staff=staff, data=data or {})
            self._committed()

    @writes
    def note(self, ticket_id: int, kind: str, data: dict[str, Any] | None = None) -> None:
        """Log something that happened to a ticket without changing its state (printed, print_failed …)."""
        with self.storage.write() as db:
            self.note_in(db, ticket_id, kind, data)

    def note_in(self, db: Any, ticket_id: int, kind: str, data: dict[str, Any] | None = None, *,
                counter: int | None = None, staff: str | None = None) -> None:
        """Like ``note``, inside the caller's write transaction."""
        self._record(db, at=self.clock.now(), type=kind, ticket_id=ticket_id, counter=counter, staff=staff,
                     data=data or {})
        self._committed()

    # ---- views --------------------------------------------------------------------------------------

    def ticket(self, ticket_id: int) -> Ticket:
        with self.storage.read() as db:
            ticket = repo.ticket(db, ticket_id)
        if ticket is None:
            raise UnknownTicket(N_("no ticket with id {ticket_id}"), ticket_id=ticket_id)
        return ticket

    def ticket_by_token(self, token: str) -> Ticket:
        with self.storage.read() as db:
            ticket = repo.ticket_by_token(db, token)
        if ticket is None:
            raise UnknownTicket(N_("no such ticket"))
        return ticket

    def people_ahead_now(self, ticket: Ticket) -> int:
        """How many would be called before *ticket* if it is still waiting."""
        if ticket.state is not TicketState.WAITING:
            return 0
        return self.people_ahead_of([ticket.id]).get(ticket.id, 0)

    def people_ahead_of(self, ticket_ids: Sequence[int]) -> dict[int, int]:
        """People ahead of each waiting ticket among *ticket_ids* (others are left out): one sync for all."""
        now = self.clock.now()
        with self.storage.read() as db:
            views = self.able_views(db)
            with self.queue.view(db, self.today(now)) as index:
                return _ahead_of(index, ticket_ids, views, now)


def _ahead_of(index: QueueIndex, ticket_ids: Sequence[int], views: list[CounterView], now: float) -> dict[int, int]:
    found: dict[int, int] = {}
    for ticket_id in ticket_ids:
        queued = index.get(ticket_id)
        if queued is not None:
            found[ticket_id] = index.people_ahead(queued, views, now)
    return found


def _json_list(values: Sequence[str]) -> str:
    return json.dumps([str(v)[:40] for v in values][:10], ensure_ascii=False)
