"""Appointments (预约取号): a ticket booked for a time slot, checked in at a kiosk by its booking code.

Ordering: a booking checked in within its window becomes a *priority* ticket
(``priority=True``, ``appointment=<code>``) queued at the moment of check-in. The
one-window policy already orders (overdue, priority, queue_at), so checked-in
appointments go ahead of every walk-in, in check-in order among themselves and the
priority lane, and the fairness guard still lets an overdue walk-in through. The
ticket keeps its booking code, so the clerk and the printed ticket can tell an
appointment from the 绿色通道. Outside the window the check-in is refused with a
plain reason; the citizen can take a walk-in ticket instead.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .domain.errors import HallError, InvalidInput, UnknownService
from .domain.models import Ticket
from .service import HallService
from .storage import appointments as store
from .storage import repo

logger = logging.getLogger(__name__)

#: A citizen may check in this long before the slot starts …
CHECK_IN_EARLY_MINUTES = 30
#: … and until the slot ends.
CODE_DIGITS = 8
MAX_SLOT_MINUTES = 240


class UnknownAppointment(HallError):
    """No booking has that code."""

    status = 404
    code = "unknown_appointment"


class CheckInClosed(HallError):
    """The booking cannot be checked in now: too early, too late, or cancelled."""

    status = 409
    code = "check_in_closed"


@dataclass(frozen=True)
class CheckIn:
    """The ticket of a checked-in booking; ``again`` when the booking had been checked in before."""

    ticket: Ticket
    again: bool


def normalise_code(code: str) -> str:
    """A booking code as typed (spaces, dashes) to its stored form, or InvalidInput."""
    digits = "".join(ch for ch in str(code) if not ch.isspace() and ch != "-")
    if not digits.isascii() or not digits.isdigit() or len(digits) != CODE_DIGITS:
        raise InvalidInput(f"a booking code has {CODE_DIGITS} digits")
    return digits


class AppointmentBook:
    """Books time slots and checks bookings in as queue tickets."""

    def __init__(self, service: HallService) -> None:
        self.service = service

    def book(self, *, service: str | None, bundle: str | None, slot_start: float, slot_minutes: int,
             staff: str | None) -> dict[str, Any]:
        """Book a slot for an item or a bundle; returns the booking with its code."""
        if (service is None) == (bundle is None):
            raise InvalidInput("give either a service item code or a bundle code")
        if not 5 <= slot_minutes <= MAX_SLOT_MINUTES:
            raise InvalidInput(f"slot_minutes must be from 5 to {MAX_SLOT_MINUTES}")
        svc = self.service
        now = svc.clock.now()
        if slot_start + slot_minutes * 60 <= now:
            raise InvalidInput("the slot is already over")
        with svc.storage.write() as db:
            if service is not None and repo.service_item(db, service) is None:
                raise UnknownService(f"unknown service item {service!r}", code=service)
            if bundle is not None and repo.bundle(db, bundle) is None:
                raise UnknownService(f"unknown bundle {bundle!r}", code=bundle)
            code = self._new_code(db)
            store.insert_appointment(db, {
                "code": code, "service_day": svc.today(slot_start), "item": service, "bundle": bundle,
                "slot_start": slot_start, "slot_end": slot_start + slot_minutes * 60, "state": "booked",
                "created_at": now, "created_by": staff,
            })
            booking = store.appointment(db, code)
        assert booking is not None
        return booking

    @staticmethod
    def _new_code(db: Any) -> str:
        while True:
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            if store.appointment(db, code) is None:
                return code

    def check_in(self, code: str, kiosk: str | None) -> CheckIn:
        """Turn the booking into a queue ticket (once); refused outside its window."""
        code = normalise_code(code)
        svc = self.service
        with svc.storage.write() as db:
            booking = store.appointment(db, code)
            if booking is None:
                raise UnknownAppointment("no booking has this code; please check it or ask at the front desk")
            if booking["state"] == "checked_in":
                ticket = repo.ticket(db, booking["ticket"])
                assert ticket is not None
                return CheckIn(ticket, again=True)
            if booking["state"] == "cancelled":
                raise CheckInClosed("this booking was cancelled; please take a ticket", reason="cancelled")
            now = svc.clock.now()
            opens = booking["slot_start"] - CHECK_IN_EARLY_MINUTES * 60
            if now < opens:
                raise CheckInClosed(f"check-in for this booking opens at {self._clock_time(opens)}",
                                    reason="too_early", opens=self._clock_time(opens))
            if now > booking["slot_end"]:
                raise CheckInClosed("the time of this booking has passed; please take a ticket", reason="too_late")
            # Nested in this transaction (a savepoint), so the booking and its ticket commit together
            # and a second check-in of the same code waits here and then finds it checked in.
            ticket = svc.issue_ticket(service=booking["item"], bundle=booking["bundle"], priority=True,
                                      kiosk=kiosk, appointment=code)
            store.mark_checked_in(db, code, ticket.id, now)
        logger.info("appointment %s checked in as %s", code, ticket.number)
        return CheckIn(ticket, again=False)

    def cancel(self, code: str) -> None:
        """Cancel a booking that has not been checked in."""
        code = normalise_code(code)
        with self.service.storage.write() as db:
            booking = store.appointment(db, code)
            if booking is None:
                raise UnknownAppointment("no booking has this code")
            if booking["state"] != "booked":
                raise CheckInClosed(f"the booking is {booking['state']}", reason=booking["state"])
            store.mark_cancelled(db, code)

    def of_day(self, day: str) -> list[dict[str, Any]]:
        """Every booking of a service day, by slot."""
        with self.service.storage.read() as db:
            return store.appointments_of_day(db, day)

    def _clock_time(self, at: float) -> str:
        return datetime.fromtimestamp(at, self.service.hall.tz).strftime("%H:%M")
