"""The one command layer: every action a person or a device takes in the hall, with who may take it.

REST views, Socket.IO handlers and keypad protocols translate their input into one call here and
translate the result back; none of them calls another adapter. A command checks the actor (a member
of staff, or a registered device), then runs the hall service's operation — and, for a ticket, queues
its print job in the same transaction.

Counter rules: a clerk acts only at the counter they are signed in at, and signs in only at the counter
assigned to them; managers and admins may sign in at any free counter; one person holds one counter at a
time. A keypad or evaluator device acts only for its own counter, on behalf of whoever is signed in there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .accounts import COUNTER_ROLES, MANAGER_ROLES, Device, StaffMember
from .domain.errors import (
    N_,
    AlreadyHasTicket,
    IdCardRequired,
    IllegalTransition,
    InvalidInput,
    NotAuthenticated,
    NotAuthorised,
    UnknownCounter,
    role_names,
)
from .domain.models import Counter, PersonRef, Ticket
from .domain.states import CounterState
from .service import HallService
from .storage import agents as people
from .storage import checklist, print_jobs, repo
from .storage.group_commit import writes

#: Counter actions, as named in the REST API, the socket protocol and the keypad map.
COUNTER_ACTIONS = ("call-next", "call", "recall", "start", "finish", "no-show", "hold", "transfer", "pause",
                   "resume", "call-held", "request-rating")
#: Pause reasons offered to clerks; "other" takes a free-text note that public screens never show.
PAUSE_REASONS = ("lunch", "away", "training", "equipment", "other")
#: What the reasons are called on the panel and the console (translated where they are shown).
PAUSE_REASON_LABELS = {"lunch": N_("Lunch break"), "away": N_("Away for a moment"), "training": N_("Training"),
                       "equipment": N_("Equipment fault"), "other": N_("Other")}


@dataclass(frozen=True)
class Actor:
    """Who asks: a signed-in member of staff, or a registered device (keypad, evaluator, kiosk agent)."""

    kind: str  # "staff" | "device"
    username: str | None
    roles: frozenset[str] = frozenset()
    counter: int | None = None  # the staff member's assigned counter, or the device's counter
    device_id: int | None = None
    device_kind: str | None = None

    @classmethod
    def of_staff(cls, member: StaffMember) -> "Actor":
        return cls("staff", member.username, member.roles, member.counter)

    @classmethod
    def of_device(cls, device: Device) -> "Actor":
        return cls("device", None, frozenset(), device.counter, device.id, device.kind)

    def is_manager(self) -> bool:
        return bool(self.roles & MANAGER_ROLES)


@dataclass(frozen=True)
class CounterResult:
    """What a counter action produced: the ticket it moved (if any) and the counter's new state."""

    action: str
    ticket: Ticket | None = None
    counter: Counter | None = None
    pending_rating: dict[str, Any] | None = None


@dataclass(frozen=True)
class TicketRequest:
    """A citizen's request for a ticket, from a kiosk, the phone or a check-in."""

    service: str | None = None
    bundle: str | None = None
    priority: bool = False
    kiosk: str | None = None
    lang: str = "zh"
    print: bool = True
    #: The person whose ID card was swiped for this ticket (hash and masked forms only).
    person: PersonRef | None = None
    #: The token of that swipe: used up in the ticket's own transaction.
    swipe: str | None = None


@dataclass
class Commands:
    """Every command of the hall; ``status_url(ticket)`` gives the public address printed on a ticket."""

    service: HallService
    status_url: Callable[[Ticket], str]
    printer_of: Callable[[str | None], str | None] = field(default=lambda kiosk: "printer")
    #: Items taken only with an ID card swiped at the kiosk ([id_card] required_items).
    id_card_items: frozenset[str] = frozenset()

    # ---- tickets ------------------------------------------------------------------------------

    @writes
    def issue_ticket(self, request: TicketRequest, *, appointment: str | None = None) -> Ticket:
        """Issue a ticket and queue its print job, in one transaction: the ticket is never lost to a printer.

        With an ID card (``request.person``) the person may hold one open ticket per item: the check and the
        ticket are in the same transaction, so two kiosks cannot both give the same person one.
        """
        svc = self.service
        with svc.storage.write() as db:
            self._check_person(db, request)
            ticket = svc.issue_ticket(service=request.service, bundle=request.bundle, priority=request.priority,
                                      kiosk=request.kiosk, appointment=appointment)
            if request.person is not None:
                people.attach_person(db, ticket.id, request.person)
            if request.swipe is not None:
                people.use_swipe(db, request.swipe)
            if request.print:
                self._queue_print(db, ticket, request.lang, reprint=False)
        return ticket

    def _check_person(self, db: Any, request: TicketRequest) -> None:
        """An item that needs an ID card gets one; a person gets one open ticket per item."""
        items = _items_of(db, request)
        if request.person is None:
            needed = sorted(items & self.id_card_items)
            if needed:
                raise IdCardRequired(N_("please swipe your ID card on the kiosk's reader to take this ticket"),
                                     items=needed)
            return
        held = self._held(db, request.person, items)
        if held is not None:
            raise AlreadyHasTicket(N_("this ID card already has ticket {number} for this service today"),
                                   number=held["number"], ticket=held["id"])

    def _held(self, db: Any, person: PersonRef, items: set[str]) -> dict[str, Any] | None:
        for held in people.open_tickets_of(db, self.service.today(), person.person_hash):
            if held["items"] & items:
                return held
        return None

    def open_ticket_of(self, request: TicketRequest) -> Ticket | None:
        """The open ticket of today that ``request.person`` holds for an item of *request* (a second swipe's)."""
        if request.person is None:
            return None
        with self.service.storage.read() as db:
            held = self._held(db, request.person, _items_of(db, request))
            return repo.ticket(db, held["id"]) if held else None

    @writes
    def print_first(self, ticket: Ticket, lang: str) -> int | None:
        """Queue the first print of a ticket issued by another command (an appointment check-in)."""
        with self.service.storage.write() as db:
            return self._queue_print(db, ticket, lang, reprint=False)

    @writes
    def reprint(self, ticket: Ticket, lang: str, *, by: str | None) -> int | None:
        """Queue the ticket's print job again (a kiosk's reprint, or a manager's); the job id."""
        with self.service.storage.write() as db:
            return self._queue_print(db, ticket, lang, reprint=True, by=by)

    @writes
    def kiosk_reprint(self, ticket: Ticket, lang: str, *, swipe: str | None) -> int | None:
        """A kiosk's reprint: noted on the ticket, queued, and the swipe that asked for it used up, together."""
        with self.service.storage.write() as db:
            self.service.note_in(db, ticket.id, "reprint_requested", {"kiosk": ticket.kiosk})
            job = self._queue_print(db, ticket, lang, reprint=True, by=None)
            if swipe is not None:
                people.use_swipe(db, swipe)
            return job

    def _queue_print(self, db: Any, ticket: Ticket, lang: str, *, reprint: bool, by: str | None = None) -> int | None:
        printer = self.printer_of(ticket.kiosk)
        if printer is None:
            return None
        now = self.service.clock.now()
        if reprint:  # one paper: a job still waiting for its printer gives way to the reprint
            print_jobs.supersede_queued(db, ticket.id, at=now, error="superseded by a reprint")
        job = print_jobs.enqueue(db, ticket=ticket.id, printer=printer, lang=lang, status_url=self.status_url(ticket),
                                 reprint=reprint, at=now, by=by)
        if reprint:  # a first print rides on the ticket's own "issued" event; a reprint is logged on its own
            self.service.note_in(db, ticket.id, "print_queued", {"job": job, "printer": printer, "by": by})
        return job

    def cancel_ticket(self, actor: Actor, ticket_id: int, reason: str) -> Ticket:
        _require_role(actor, MANAGER_ROLES)
        return self.service.cancel(ticket_id, actor.username, reason)

    # ---- counters ------------------------------------------------------------------------------

    def sign_in(self, actor: Actor, number: int) -> Counter:
        """Take counter *number*: a clerk their assigned one, a manager any free one."""
        username = _require_role(actor, COUNTER_ROLES)
        if not actor.is_manager() and actor.counter != number:
            if actor.counter is None:
                raise NotAuthorised(N_("{username} is assigned to no counter, not counter {number}"),
                                    username=username, number=number, assigned=0)
            raise NotAuthorised(N_("{username} is assigned to counter {assigned}, not counter {number}"),
                                username=username, number=number, assigned=actor.counter)
        return self.service.open_counter(number, username)

    def sign_out(self, actor: Actor, number: int | None = None) -> Counter | None:
        """Leave the counter *actor* holds (or counter *number*); None when they held none."""
        username = _require_role(actor, COUNTER_ROLES)
        held = self.held_counter(username)
        if number is not None and held != number:
            if held is None:
                return None
            raise NotAuthorised(N_("{username} is signed in at counter {held}, not counter {number}"),
                                username=username, held=held, number=number)
        if held is None:
            return None
        return self.service.close_counter(held, username)

    def held_counter(self, username: str) -> int | None:
        """The counter *username* is signed in at, if any."""
        with self.service.storage.read() as db:
            row = db.execute("SELECT number FROM counters WHERE staff = ? AND state != 'closed' LIMIT 1",
                             [username]).fetchone()
        return int(row[0]) if row else None

    def counter_action(self, actor: Actor, number: int, action: str, params: dict[str, Any]) -> CounterResult:
        """Run one counter action at counter *number* for *actor*."""
        if action not in COUNTER_ACTIONS:
            raise InvalidInput(N_("unknown counter action {action!r}; one of {choices}"),
                               action=action, choices=', '.join(COUNTER_ACTIONS))
        staff = self._acting_staff(actor, number)
        svc = self.service
        if action == "call-next":
            return CounterResult(action, ticket=svc.call_next(number, staff))
        if action == "call":
            return CounterResult(action, ticket=svc.call_specific(number, staff, _text(params, "number", 8)))
        if action == "call-held":
            wanted = params.get("number")
            return CounterResult(action,
                                 ticket=svc.call_held(number, staff, wanted if isinstance(wanted, str) else None))
        if action == "pause":
            return CounterResult(action, counter=svc.pause(number, staff, _pause_reason(params)))
        if action == "resume":
            return CounterResult(action, counter=svc.resume(number, staff))
        if action == "request-rating":
            return CounterResult(action, pending_rating=svc.request_rating(number, staff))
        if action == "transfer":
            to_counter, to_category = params.get("to_counter"), params.get("to_category")
            if to_counter is not None and (not isinstance(to_counter, int) or isinstance(to_counter, bool)
                                           or not 0 < to_counter < 2**31):
                raise InvalidInput(N_("'to_counter' must be a counter number"))
            if to_category is not None and not isinstance(to_category, str):
                raise InvalidInput(N_("'to_category' must be a category code"))
            note = params.get("note") or ""
            if not isinstance(note, str):
                raise InvalidInput(N_("'note' must be text"))
            return CounterResult(action, ticket=svc.transfer(number, staff, to_counter=to_counter,
                                                             to_category=to_category, note=note))
        operation = {"recall": svc.recall, "start": svc.start, "finish": svc.finish, "no-show": svc.no_show,
                     "hold": svc.hold}[action]
        return CounterResult(action, ticket=operation(number, staff))

    def _acting_staff(self, actor: Actor, number: int) -> str | None:
        """The member of staff on whose behalf the action runs: the one signed in at counter *number*."""
        with self.service.storage.read() as db:
            counter = repo.counter(db, number)
        if counter is None:
            raise UnknownCounter(N_("there is no counter {number}"), number=number)
        holder = counter.staff if counter.state is not CounterState.CLOSED else None
        if actor.kind == "device":
            if actor.counter != number:
                raise NotAuthorised(N_("this device belongs to counter {actor_counter}, not counter {number}"),
                                    actor_counter=actor.counter, number=number)
            if holder is None:
                raise IllegalTransition(N_("nobody is signed in at counter {number}"), number=number, state="closed")
            return holder
        username = _require_role(actor, COUNTER_ROLES)
        if holder is None:
            raise IllegalTransition(N_("sign in at counter {number} first"), number=number, state="closed")
        if holder != username:
            raise NotAuthorised(N_("counter {number} is signed in by {holder}"), number=number, holder=holder)
        return username

    @writes
    def tick_material(self, actor: Actor, number: int, ticket_id: int, index: int, checked: bool) -> frozenset[int]:
        """The clerk ticks one material of the ticket in hand; logged, so every process's citizen screen follows."""
        staff = self._acting_staff(actor, number)
        svc = self.service
        with svc.storage.write() as db:
            ticked = checklist.set_and_read(db, number, ticket_id, index, checked)
            svc.note_in(db, ticket_id, "material_ticked", {"material": index, "checked": checked}, counter=number,
                        staff=staff)
        return ticked

    # ---- ratings --------------------------------------------------------------------------------

    @staticmethod
    def check_rater(actor: Actor) -> None:
        """Only an evaluator device rates; a staff session never does."""
        if actor.kind != "device":
            if actor.username is not None:
                raise NotAuthorised(N_("ratings come from the counter's evaluator device, never from a staff session"))
            raise NotAuthenticated(N_("an evaluator device token is required (Authorization: Bearer …)"))
        if actor.device_kind != "evaluator" or actor.device_id is None:
            raise NotAuthorised(N_("only evaluator devices may submit ratings"))

    def rate(self, actor: Actor, ticket_id: int, score: int, reasons: list[str]) -> dict[str, Any]:
        """A rating from the counter's evaluator (a device; staff may never rate)."""
        self.check_rater(actor)
        return self.service.rate(ticket_id, score, device_id=actor.device_id, device_counter=actor.counter,
                                 reasons=reasons)


def _items_of(db: Any, request: TicketRequest) -> set[str]:
    if request.service is not None:
        return {request.service}
    return {r[0] for r in db.execute("SELECT item FROM bundle_items WHERE bundle = ?", [request.bundle])}


def _require_role(actor: Actor, roles: frozenset[str]) -> str:
    if actor.kind != "staff" or actor.username is None:
        raise NotAuthenticated(N_("log in as a member of staff first"))
    if not actor.roles & roles:
        raise NotAuthorised(N_("this needs one of these roles: {roles}"), roles=role_names(roles))
    return actor.username


def _text(params: dict[str, Any], name: str, limit: int) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(N_("{name!r} is required"), name=name)
    if len(value) > limit:
        raise InvalidInput(N_("{name!r} is too long (at most {limit} characters)"), name=name, limit=limit)
    return value


def _pause_reason(params: dict[str, Any]) -> str:
    """A reason from the list; free text only with "other" (kept as "other: …", never shown in public)."""
    reason = params.get("reason") or "other"
    if not isinstance(reason, str):
        raise InvalidInput("'reason' must be one of " + ", ".join(PAUSE_REASONS))
    note = params.get("note") or ""
    if not isinstance(note, str) or len(note) > 100:
        raise InvalidInput(N_("'note' must be text of at most 100 characters"))
    if reason not in PAUSE_REASONS:
        # Older clients send free text as the reason: keep it as the note of "other".
        return "other: " + reason[:100]
    return f"other: {note}" if reason == "other" and note else reason

