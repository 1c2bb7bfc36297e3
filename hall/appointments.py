"""Appointments (预约取号): a ticket booked for a time slot, checked in at a kiosk, by ID card or on the phone.

Ordering: a booking checked in within its window becomes a *priority* ticket
(``priority=True``, ``appointment=<code>``) queued at the moment of check-in. The
one-window policy already orders (overdue, priority, queue_at), so checked-in
appointments go ahead of every walk-in, in check-in order among themselves and the
priority lane, and the fairness guard still lets an overdue walk-in through. The
ticket keeps its booking code, so the clerk and the printed ticket can tell an
appointment from the 绿色通道.

Check-in opens ``CHECK_IN_EARLY_MINUTES`` before the slot. A booking checked in after its slot
ended, on its own day, becomes an ordinary walk-in ticket (``late``): never a dead end, and it uses
the quota the booking held, so a full day cannot refuse it. A kiosk gets one answer for every code it
cannot check in (unknown, too early, cancelled, already used, another day), so answers never tell a
valid code from a wrong one; the log keeps the reason (issue 13 point 8).

Online bookings (``book_online``) follow the managers' plans (``hall.appointment_plans``): a slot of
the day's service hours with room left, far enough ahead; the booking takes its place in the slot and
its quota (``hall.quotas``) in one transaction, and gets a booking code and a token for its phone page.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from .domain.errors import N_, HallError, InvalidInput, UnknownService
from .domain.models import Ticket
from .quotas import local_minute, release, take, targets_of
from .service import HallService
from .storage import appointments as store
from .storage import repo

logger = logging.getLogger(__name__)

#: A citizen may check in this long before the slot starts …
CHECK_IN_EARLY_MINUTES = 30
#: … and until the slot ends; later the same day the booking becomes a walk-in ticket.
#: Booking codes are 12 random digits: with 200 bookings a day and the kiosk's throttle, a guess hits once
#: in thousands of years. Codes of 8 digits booked before issue 13 still check in.
CODE_DIGITS = 12
LEGACY_CODE_DIGITS = 8
MAX_SLOT_MINUTES = 240
#: A second check-in of the same code at the same kiosk within this time returns the same ticket (a
#: double tap, a lost answer); later, or elsewhere, it is refused like any other code.
AGAIN_MINUTES = 5


class UnknownAppointment(HallError):
    """No booking has that code."""

    status = 404
    code = "unknown_appointment"


class CheckInClosed(HallError):
    """The booking cannot be changed now: it was checked in or cancelled already."""

    status = 409
    code = "check_in_closed"


class CheckInRefused(HallError):
    """The one answer a kiosk gets for a code it cannot check in: unknown, too early, cancelled or
    already used look the same, so an answer never tells a valid code from a wrong one."""

    status = 404
    code = "check_in_refused"


@dataclass(frozen=True)
class CheckIn:
    """The ticket of a checked-in booking; ``again`` when checked in before, ``late`` when it came after its slot."""

    ticket: Ticket
    again: bool
    late: bool = False


def normalise_code(code: str) -> str:
    """A booking code as typed (spaces, dashes) to its stored form, or InvalidInput."""
    digits = "".join(ch for ch in str(code) if not ch.isspace() and ch != "-")
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (CODE_DIGITS, LEGACY_CODE_DIGITS):
        raise InvalidInput(N_("a booking code has {code_digits} digits"), code_digits=CODE_DIGITS)
    return digits


def loggable_code(code: str) -> str:
    """A booking code as the log may show it: its last four digits."""
    return "*" * (len(code) - 4) + code[-4:]


class AppointmentBook:
    """Books time slots and checks bookings in as queue tickets."""

    def __init__(self, service: HallService) -> None:
        self.service = service

    # ---- booking -----------------------------------------------------------------------------

    def book(self, *, service: str | None, bundle: str | None, slot_start: float, slot_minutes: int,
             staff: str | None) -> dict[str, Any]:
        """Book a slot for an item or a bundle (a manager, at the front desk); returns the booking with its code."""
        if not 5 <= slot_minutes <= MAX_SLOT_MINUTES:
            raise InvalidInput(N_("slot_minutes must be from 5 to {max_slot_minutes}"),
                               max_slot_minutes=MAX_SLOT_MINUTES)
        if slot_start + slot_minutes * 60 <= self.service.clock.now():
            raise InvalidInput(N_("the slot is already over"))
        return self.insert(service=service, bundle=bundle, slot_start=slot_start,
                           slot_end=slot_start + slot_minutes * 60, values={"created_by": staff})

    def insert(self, *, service: str | None, bundle: str | None, slot_start: float, slot_end: float,
               values: dict[str, Any]) -> dict[str, Any]:
        """Record a booking and take its quota (in its day and slot), in one transaction (nested when called
        inside one); QuotaExhausted when the day or the slot has no room left."""
        if (service is None) == (bundle is None):
            raise InvalidInput(N_("give either a service item code or a bundle code"))
        svc = self.service
        with svc.storage.write() as db:
            if service is not None and repo.service_item(db, service) is None:
                raise UnknownService(N_("unknown service item {service!r}"), service=service, code=service)
            if bundle is not None and repo.bundle(db, bundle) is None:
                raise UnknownService(N_("unknown bundle {bundle!r}"), bundle=bundle, code=bundle)
            day = svc.today(slot_start)
            self._take_quota(db, service, bundle, day, slot_start)
            code = self._new_code(db)
            store.insert_appointment(db, {
                "code": code, "service_day": day, "item": service, "bundle": bundle, "slot_start": slot_start,
                "slot_end": slot_end, "state": "booked", "created_at": svc.clock.now(), **values,
            })
            booking = store.appointment(db, code)
        assert booking is not None
        return booking

    def _take_quota(self, db: Any, service: str | None, bundle: str | None, day: str, slot_start: float) -> None:
        watch = getattr(self.service.admission, "watch", None)
        if watch is None:  # a hall without admission checks (tests of the core)
            return
        rules = watch.current(db)
        take(db, rules.quotas, day=day, targets=targets_of(service, bundle),
             minute=local_minute(slot_start, self.service.hall.tz), remote=False, booking=True,
             share_default=rules.phone.remote_share_percent)

    def _release_quota(self, db: Any, booking: dict[str, Any]) -> None:
        watch = getattr(self.service.admission, "watch", None)
        if watch is None:
            return
        release(db, watch.current(db).quotas, day=booking["service_day"],
                targets=targets_of(booking["item"], booking["bundle"]),
                minute=local_minute(booking["slot_start"], self.service.hall.tz))

    @staticmethod
    def _new_code(db: Any) -> str:
        while True:
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            if store.appointment(db, code) is None:
                return code

    # ---- check-in --------------------------------------------------------------------------------

    def check_in(self, code: str, kiosk: str | None) -> CheckIn:
        """Turn the booking into a queue ticket (once); CheckInRefused for any code it cannot check in now."""
        code = normalise_code(code)
        with self.service.storage.write() as db:
            return self._check_in(db, store.appointment(db, code), kiosk, how="kiosk")

    def check_in_booking(self, db: Any, booking: dict[str, Any] | None, kiosk: str | None, how: str) -> CheckIn:
        """Check in a booking found otherwise (its phone page, an ID card), inside the caller's transaction."""
        return self._check_in(db, booking, kiosk, how=how)

    def _check_in(self, db: Any, booking: dict[str, Any] | None, kiosk: str | None, *, how: str) -> CheckIn:
        svc = self.service
        now = svc.clock.now()
        reason = self._refusal(db, booking, kiosk, now)
        code = booking["code"] if booking else "????"
        if reason:
            logger.info("check-in of booking %s refused: %s", loggable_code(code), reason)
            raise CheckInRefused(N_("this code cannot be checked in now; please check the code and the time of your "
                                    "booking, or take a ticket"))
        assert booking is not None
        if booking["state"] == "checked_in":
            ticket = repo.ticket(db, booking["ticket"])
            assert ticket is not None
            return CheckIn(ticket, again=True, late=bool(booking["late"]))
        late = now > booking["slot_end"]
        if late and svc.admission is not None:  # the hall must be open to take a walk-in
            svc.admission.require_open(db, now)  # type: ignore[attr-defined]
        # Nested in this transaction (a savepoint), so the booking and its ticket commit together
        # and a second check-in of the same code waits here and then finds it checked in.
        ticket = svc.issue_ticket(service=booking["item"], bundle=booking["bundle"], priority=not late, kiosk=kiosk,
                                  appointment=code, channel="walk_in" if late else "appointment", reserved=True)
        store.mark_checked_in(db, code, ticket.id, now, late=late)
        svc.note_in(db, ticket.id, "appointment_checked_in", {"how": how, "late": late, "kiosk": kiosk})
        logger.info("appointment %s checked in (%s) as %s%s", loggable_code(code), how, ticket.number,
                    ", late: a walk-in ticket" if late else "")
        return CheckIn(ticket, again=False, late=late)

    def _refusal(self, db: Any, booking: dict[str, Any] | None, kiosk: str | None, now: float) -> str | None:
        """Why *booking* cannot be checked in at *kiosk* now (for the log only), or None."""
        if booking is None:
            return "unknown code"
        if booking["state"] == "cancelled":
            return "cancelled"
        if booking["state"] == "checked_in":
            recent = now - (booking["checked_in_at"] or 0) <= AGAIN_MINUTES * 60
            ticket = repo.ticket(db, booking["ticket"])
            return None if recent and ticket is not None and ticket.kiosk == kiosk else "already checked in"
        if now < booking["slot_start"] - CHECK_IN_EARLY_MINUTES * 60:
            return "too early"
        if now > booking["slot_end"] and booking["service_day"] != self.service.today(now):
            return "another day"
        return None

    # ---- cancelling and listing ----------------------------------------------------------------------

    def cancel(self, code: str) -> None:
        """Cancel a booking that has not been checked in (by its code: managers)."""
        code = normalise_code(code)
        with self.service.storage.write() as db:
            self.cancel_booking(db, store.appointment(db, code))

    def cancel_booking(self, db: Any, booking: dict[str, Any] | None) -> dict[str, Any]:
        """Cancel *booking* inside the caller's transaction: its place in the slot and its quota are given back."""
        if booking is None:
            raise UnknownAppointment(N_("no booking has this code"))
        if booking["state"] != "booked":
            raise CheckInClosed(N_("the booking is {booking_state}"),
                                booking_state=booking['state'], reason=booking["state"])
        now = self.service.clock.now()
        store.mark_cancelled(db, booking["code"], now)
        if booking["slot_end"] > now:
            self._release_quota(db, booking)
            store.release_slot(db, booking)
        return {**booking, "state": "cancelled"}

    def of_day(self, day: str) -> list[dict[str, Any]]:
        """Every booking of a service day, by slot."""
        with self.service.storage.read() as db:
            return store.appointments_of_day(db, day)
