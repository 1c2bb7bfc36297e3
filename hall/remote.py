"""Remote queueing (远程取号): a ticket taken on the phone, confirmed on arrival, moved back once on request.

Rules, in the order they are checked (each in one write transaction):

* a remote ticket needs a verified phone number, and a number holds one open remote ticket at a time;
* it passes the same admission as a kiosk ticket (service hours, quotas) plus the remote share of each
  quota (``hall.admission``);
* it waits in the queue like any other and may be called before its holder arrived; once called, the
  holder has ``no_show_after_seconds`` to confirm arrival — by the code shown on the lobby screen (its
  QR, or typed), or at the kiosk with the ticket's number and the phone number's last four digits — or
  the owner process's sweeper records a no-show;
* eight wrong arrival codes (or kiosk digits) for one ticket and none is taken any more: nobody guesses the
  code from home;
* "I need more time" moves a waiting remote ticket back ``more_time_places`` places, once: its queue time
  becomes just after that of the ticket that many places behind it (the queue index's own order), and
  the move is its own event in the log (``moved_back``), so every process's index follows.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Callable
from typing import Any

from .admission import RulesWatch
from .contacts import Contacts, WrongCode
from .domain.errors import N_, HallError, IllegalTransition, InvalidInput, UnknownTicket
from .domain.models import Ticket
from .domain.states import TICKET_STATE_LABELS, TicketAction, TicketState
from .lobby_board import day_start_at
from .notices.book import Notices, ticket_subject
from .service import HallService
from .storage import phone as store
from .storage import repo

logger = logging.getLogger(__name__)

#: The arrival code on the lobby screen changes this often; the previous one is still taken.
ARRIVAL_WINDOW_SECONDS = 600
ARRIVAL_DIGITS = 6
#: Wrong arrival codes (or kiosk digits) a ticket may be tried with; then none is taken, and the clerk who calls
#: the citizen standing at the counter starts serving (a ticket being served is never a no-show).
MAX_ARRIVAL_FAILURES = 8


class AlreadyQueued(HallError):
    """This phone number already holds an open remote ticket today."""

    status = 409
    code = "already_queued"


class MoreTimeRefused(HallError):
    """"More time" is for waiting remote tickets, once."""

    status = 409
    code = "more_time_refused"


class ArrivalRefused(HallError):
    """The arrival code (or the kiosk's number and digits) does not confirm this ticket."""

    status = 400
    code = "arrival_refused"


class ArrivalCodes:
    """The lobby's arrival code: six digits from the hall's key and the time window, so only who sees the
    lobby screen knows it (a photo of it is worth twenty minutes at most)."""

    def __init__(self, key: bytes, window: int = ARRIVAL_WINDOW_SECONDS) -> None:
        self._key = key
        self.window = window

    def code(self, at: float) -> str:
        return self._code(int(at // self.window))

    def _code(self, window: int) -> str:
        digest = hmac.new(self._key, f"arrival:{window}".encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:8], 'big') % 10 ** ARRIVAL_DIGITS:0{ARRIVAL_DIGITS}d}"

    def valid(self, code: str, at: float) -> bool:
        current = int(at // self.window)
        given = str(code).strip()
        if len(given) != ARRIVAL_DIGITS or not given.isascii() or not given.isdigit():
            return False
        return any(hmac.compare_digest(given.encode(), self._code(w).encode()) for w in (current, current - 1))

    def changes_at(self, at: float) -> float:
        return (int(at // self.window) + 1) * self.window


class RemoteQueue:
    """Remote tickets: take, confirm arrival, more time, cancel; and the sweeper of the unarrived."""

    def __init__(self, service: HallService, watch: RulesWatch, contacts: Contacts, notices: Notices,
                 codes: ArrivalCodes) -> None:
        self.service = service
        self.watch = watch
        self.contacts = contacts
        self.notices = notices
        self.codes = codes
        #: Called with a ticket after its arrival was confirmed (tests, the kiosk's answer).
        self.on_arrival: Callable[[Ticket], object] | None = None

    def _rules(self, db: Any) -> Any:
        return self.watch.current(db)

    def day_end(self, day: str) -> float:
        """When the service day *day* closes (the next day's start)."""
        hall = self.service.hall
        return day_start_at(day, hall.tz, hall.day_start) + 86_400

    # ---- taking a ticket --------------------------------------------------------------------

    def take(self, contact: int, *, service: str | None, bundle: str | None, ahead: Any = None,
             sms: bool = False) -> Ticket:
        """A remote ticket for the verified number *contact*; refused when it already holds one today."""
        svc = self.service
        with svc.storage.write() as db:
            if not self.contacts.usable(db, contact):
                raise WrongCode(N_("verify your phone number first"))
            day = svc.today()
            if store.open_remote_of_contact(db, contact, day) is not None:
                raise AlreadyQueued(N_("this phone number already holds a remote ticket today; follow it, or cancel "
                                       "it to take another"))
            ticket = svc.issue_ticket(service=service, bundle=bundle, channel="remote")
            self.notices.follow(db, ticket, contact=contact, ahead=ahead, sms=sms)
            self.contacts.need_until(db, contact, self.day_end(day))
        logger.info("remote ticket %s taken", ticket.number)
        return ticket

    def open_ticket_of(self, contact: int) -> Ticket | None:
        """The number's open remote ticket of today, if any."""
        with self.service.storage.read() as db:
            ticket_id = store.open_remote_of_contact(db, contact, self.service.today())
            return repo.ticket(db, ticket_id) if ticket_id is not None else None

    # ---- arrival --------------------------------------------------------------------------------

    def arrive(self, token: str, code: str) -> Ticket:
        """Confirm arrival with the lobby's code; a ticket already confirmed stays as it is.

        Each wrong code counts against the ticket: after MAX_ARRIVAL_FAILURES none is taken any more, so the
        code cannot be guessed from home (the clerk serves a citizen who is at the counter all the same).
        """
        with self.service.storage.write() as db:
            ticket = repo.ticket_by_token(db, token)
            if ticket is None:
                raise UnknownTicket(N_("no such ticket"))
            valid = isinstance(code, str) and self.codes.valid(code, self.service.clock.now())
            if valid and store.arrival_failures(db, ticket.id) < MAX_ARRIVAL_FAILURES:
                return self._arrive(db, ticket, "lobby")
            if not valid:  # counted (committed) before the refusal
                store.count_arrival_failure(db, ticket.id)
        raise ArrivalRefused(N_("this is not the arrival code of the lobby screen now; scan its QR code or type the "
                                "six digits under it"))

    def arrive_at_kiosk(self, number: str, last_digits: str, kiosk: str | None) -> Ticket:
        """Confirm arrival at the kiosk: today's ticket number and the last four digits of its phone number."""
        number = str(number).strip().upper()
        with self.service.storage.write() as db:
            ticket = repo.ticket_by_number(db, self.service.today(), number) if len(number) <= 8 else None
            watch = store.watch(db, ticket.id) if ticket is not None else None
            matches = ticket is not None and ticket.remote and self.contacts.last_digits_match(
                db, watch["contact"] if watch else None, str(last_digits).strip())
            if ticket is not None and matches and store.arrival_failures(db, ticket.id) < MAX_ARRIVAL_FAILURES:
                return self._arrive(db, ticket, "kiosk", kiosk=kiosk)
            if ticket is not None and not matches:
                store.count_arrival_failure(db, ticket.id)
        raise ArrivalRefused(N_("no remote ticket of today has this number and these digits"))

    def _arrive(self, db: Any, ticket: Ticket, where: str, kiosk: str | None = None) -> Ticket:
        if not ticket.remote:
            raise ArrivalRefused(N_("only remote tickets confirm their arrival"))
        if ticket.arrived_at is not None:
            return ticket
        if ticket.state not in (TicketState.WAITING, TicketState.CALLED, TicketState.HELD):
            raise ArrivalRefused(N_("ticket {ticket_number} is {ticket_state_value}"),
                                 ticket_number=ticket.number, ticket_state_value=TICKET_STATE_LABELS[ticket.state])
        now = self.service.clock.now()
        repo.update_ticket(db, ticket.id, arrived_at=now)
        self.service.note_in(db, ticket.id, "arrived", {"number": ticket.number, "where": where, "kiosk": kiosk},
                             counter=ticket.counter)
        arrived = repo.ticket(db, ticket.id)
        assert arrived is not None
        if self.on_arrival is not None:
            self.on_arrival(arrived)
        return arrived

    # ---- more time --------------------------------------------------------------------------------

    def more_time(self, token: str) -> Ticket:
        """Move a waiting remote ticket back ``more_time_places`` places (once)."""
        svc = self.service
        with svc.storage.write() as db:
            ticket = repo.ticket_by_token(db, token)
            if ticket is None:
                raise UnknownTicket(N_("no such ticket"))
            if not ticket.remote or ticket.state is not TicketState.WAITING:
                raise MoreTimeRefused(N_("only a waiting remote ticket can be moved back"))
            if ticket.moved_back:
                raise MoreTimeRefused(N_("this ticket was moved back once already"))
            places = self._rules(db).phone.more_time_places
            now = svc.clock.now()
            views = svc.able_views(db)
            with svc.queue.view(db, ticket.service_day) as index:
                queued = index.get(ticket.id)
                behind = index.tickets_behind(queued, views, now, places) if queued is not None else []
            if not behind:
                raise MoreTimeRefused(N_("nobody waits behind this ticket: it is last already"))
            target = behind[-1]
            queue_at = target.queue_at if target.id < ticket.id else math.nextafter(target.queue_at, math.inf)
            repo.update_ticket(db, ticket.id, queue_at=queue_at, moved_back=1)
            svc.note_in(db, ticket.id, "moved_back", {"number": ticket.number, "places": len(behind),
                                                      "from_queue_at": ticket.queue_at, "to_queue_at": queue_at})
            self.notices.emit(db, subject=ticket_subject(ticket.id), kind="moved_back", params={
                "number": ticket.number, "places": len(behind)}, ticket_id=ticket.id)
            moved = repo.ticket(db, ticket.id)
        assert moved is not None
        logger.info("remote ticket %s moved back %d place(s)", ticket.number, len(behind))
        return moved

    # ---- cancel and the sweeper -------------------------------------------------------------------

    def cancel(self, token: str) -> Ticket:
        """The holder gives the ticket up (waiting, held or called)."""
        ticket = self.service.ticket_by_token(token)
        if ticket.state not in (TicketState.WAITING, TicketState.HELD, TicketState.CALLED):
            raise IllegalTransition(N_("ticket {ticket_number} is {ticket_state_value}"),
                                    ticket_number=ticket.number, ticket_state_value=TICKET_STATE_LABELS[ticket.state],
                                    state=ticket.state.value)
        return self.service.cancel(ticket.id, None, "cancelled by the citizen on the phone")

    def sweep_no_shows(self) -> int:
        """Called remote tickets whose holder did not confirm arrival in time become no-shows."""
        svc = self.service
        now = svc.clock.now()
        with svc.storage.read() as db:
            grace = self._rules(db).phone.no_show_after_seconds
            ids = store.remote_called_not_arrived(db, svc.today(now), now - grace)
        missed = 0
        for ticket_id in ids:
            with svc.storage.write() as db:
                ticket = repo.ticket(db, ticket_id)
                if (ticket is None or ticket.state is not TicketState.CALLED or ticket.arrived_at is not None
                        or ticket.called_at is None or ticket.called_at > now - grace):
                    continue
                svc.apply(db, ticket, TicketAction.NO_SHOW, counter=ticket.counter, staff=ticket.staff,
                          data={"reason": "not_arrived", "after_seconds": grace})
                svc._committed()
                self.notices.emit(db, subject=ticket_subject(ticket.id), kind="no_show",
                                  params={"number": ticket.number}, ticket_id=ticket.id,
                                  **self._sms_of(db, ticket.id))
                missed += 1
        if missed:
            logger.info("%d remote ticket(s) not confirmed in time became no-shows", missed)
        return missed

    def _sms_of(self, db: Any, ticket_id: int) -> dict[str, Any]:
        watch = store.watch(db, ticket_id)
        return {"contact": watch["contact"], "sms": bool(watch["sms"])} if watch else {}


def check_ahead(value: Any) -> int | None:
    """The citizen's "tell me at N ahead" from a request (None: the hall's default)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 100:
        raise InvalidInput(N_("'ahead' must be a whole number of people"))
    return value
