"""Online appointments: the managers' plans, the slots they give each day, and booking one from the phone.

A plan for an item or a bundle cuts each session of the day's service hours (``hall.hours``, on the
working-day calendar: nothing on holidays, the weekday's hours on an adjusted working weekend) into
slots of ``slot_minutes``, each for ``capacity`` bookings (a manager may give one day its own capacity,
0 closing it). A slot can be booked from ``max_days_ahead`` days before until ``min_lead_minutes``
before it starts. Booking counts the slot's bookings and the quotas by primary key, in one transaction.

A phone number holds at most one booking a day and ``MAX_OPEN_BOOKINGS`` in all. A booking made with
an ID number keeps only its keyed digest (the kiosk's card reader finds the booking by it).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from drivers.idcard import id_number_valid

from . import audit
from .appointments import AppointmentBook, CheckIn
from .contacts import Contacts, WrongCode
from .domain.errors import N_, HallError, InvalidInput, UnknownService
from .hours import OpeningHours
from .notices.book import Notices, booking_subject
from .service import HallService
from .storage import appointments as store
from .storage import repo
from .workdays import calendar_of

logger = logging.getLogger(__name__)

MAX_OPEN_BOOKINGS = 3
SCOPES = ("item", "bundle")


class SlotFull(HallError):
    """The slot has no room left (or is not offered)."""

    status = 409
    code = "slot_full"


class BookingRefused(HallError):
    """This booking cannot be made: too soon, too far ahead, not offered that day, or too many bookings."""

    status = 409
    code = "booking_refused"


@dataclass(frozen=True)
class Plan:
    """How an item or a bundle is booked: slot length, bookings per slot, how soon and how far ahead."""

    scope: str
    code: str
    slot_minutes: int
    capacity: int
    min_lead_minutes: int
    max_days_ahead: int
    active: bool = True

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Plan":
        return cls(row["scope"], row["code"], row["slot_minutes"], row["capacity"], row["min_lead_minutes"],
                   row["max_days_ahead"], bool(row["active"]))

    def as_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "code": self.code, "slot_minutes": self.slot_minutes, "capacity": self.capacity,
                "min_lead_minutes": self.min_lead_minutes, "max_days_ahead": self.max_days_ahead,
                "active": self.active}


def id_digest(key: bytes, id_number: str) -> str:
    """The keyed digest of a resident ID number (as ``drivers.idcard.IdCard.keyed_digest`` computes it)."""
    return hmac.new(key, id_number.strip().upper().encode("ascii"), hashlib.sha256).hexdigest()


#: A plan's fields as the console names them in a refusal.
FIELD_LABELS = {"slot_minutes": N_("Slot (min)"), "capacity": N_("Bookings per slot"),
                "min_lead_minutes": N_("Book at least (min ahead)"), "max_days_ahead": N_("At most (days ahead)")}


def _whole(data: dict[str, Any], name: str, low: int, high: int, default: int | None = None) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(N_("{name}: a whole number from {low} to {high}"), name=FIELD_LABELS[name], low=low,
                           high=high)
    return value


class AppointmentPlans:
    """Plans (audited), the slots of a day, and online bookings with their notices."""

    def __init__(self, service: HallService, book: AppointmentBook, contacts: Contacts, notices: Notices,
                 id_key: bytes) -> None:
        self.service = service
        self.book = book
        self.contacts = contacts
        self.notices = notices
        self._id_key = id_key

    def _hours(self, db: Any) -> OpeningHours:
        watch = getattr(self.service.admission, "watch", None)
        return watch.current(db).hours if watch is not None else OpeningHours()

    # ---- plans ---------------------------------------------------------------------------------

    def plans(self) -> list[dict[str, Any]]:
        with self.service.storage.read() as db:
            rows = store.plans(db)
            days = store.days_with_capacity(db, self.service.today())
        return [{**Plan.from_row(r).as_dict(), "days": [d for d in days if (d["scope"], d["code"]) ==
                                                        (r["scope"], r["code"])]} for r in rows]

    def save_plan(self, actor: str, scope: str, code: str, data: dict[str, Any]) -> Plan:
        unknown = sorted(set(data) - {"slot_minutes", "capacity", "min_lead_minutes", "max_days_ahead", "active"})
        if unknown:
            raise InvalidInput(N_("unknown field(s): {fields}"), fields=', '.join(unknown))
        if scope not in SCOPES:
            raise InvalidInput(N_("scope must be item or bundle"))
        active = data.get("active", True)
        if not isinstance(active, bool):
            raise InvalidInput(N_("'active' must be true or false"))
        plan = Plan(scope, code, _whole(data, "slot_minutes", 5, 240, 30), _whole(data, "capacity", 0, 1000, 4),
                    _whole(data, "min_lead_minutes", 0, 20160, 60), _whole(data, "max_days_ahead", 0, 90, 14), active)
        with self.service.storage.write() as db:
            self._require_service(db, scope, code)
            before = store.plan(db, scope, code)
            store.save_plan(db, {**plan.as_dict(), "active": int(plan.active), "updated_at": self.service.clock.now(),
                                 "updated_by": actor})
            audit.record(db, self.service.clock, actor, "appointment_plan.update", code,
                         {k: before[k] for k in plan.as_dict() if k not in ("scope", "code")} if before else None,
                         {k: v for k, v in plan.as_dict().items() if k not in ("scope", "code")})
        return plan

    def delete_plan(self, actor: str, scope: str, code: str) -> None:
        with self.service.storage.write() as db:
            before = store.plan(db, scope, code)
            if before is None:
                raise InvalidInput(N_("there is no booking plan for {scope} {code}"), scope=scope, code=code)
            store.delete_plan(db, scope, code)
            audit.record(db, self.service.clock, actor, "appointment_plan.delete", code,
                         {k: before[k] for k in ("slot_minutes", "capacity")}, None)

    def set_day(self, actor: str, day: str, scope: str, code: str, capacity: int | None) -> None:
        """Give one day its own capacity per slot (0 closes bookings that day; None goes back to the plan's)."""
        try:
            date.fromisoformat(day)
        except ValueError:
            raise InvalidInput(N_("the day must be a date (YYYY-MM-DD)")) from None
        if capacity is not None and (not isinstance(capacity, int) or isinstance(capacity, bool)
                                     or not 0 <= capacity <= 1000):
            raise InvalidInput(N_("'capacity' must be empty or a whole number from 0 to 1000"))
        with self.service.storage.write() as db:
            if store.plan(db, scope, code) is None:
                raise InvalidInput(N_("there is no booking plan for {scope} {code}"), scope=scope, code=code)
            before = store.day_capacity(db, day, scope, code)
            store.set_day_capacity(db, day, scope, code, capacity)
            audit.record(db, self.service.clock, actor, "appointment_day.update", f"{code} {day}",
                         {"capacity": before}, {"capacity": capacity})

    @staticmethod
    def _require_service(db: Any, scope: str, code: str) -> None:
        if scope == "item" and repo.service_item(db, code) is None:
            raise UnknownService(N_("unknown service item {code!r}"), code=code)
        if scope == "bundle" and repo.bundle(db, code) is None:
            raise UnknownService(N_("unknown bundle {code!r}"), code=code)

    # ---- slots ---------------------------------------------------------------------------------

    def offered(self) -> list[dict[str, Any]]:
        """The items and bundles that can be booked online (active plans)."""
        with self.service.storage.read() as db:
            return [Plan.from_row(r).as_dict() for r in store.plans(db) if r["active"]]

    def slots(self, scope: str, code: str, day: str) -> list[dict[str, Any]]:
        """Every slot of *day* for an item or bundle: its times, room left and whether it can be booked now."""
        with self.service.storage.read() as db:
            return self._slots(db, scope, code, day)

    def _slots(self, db: Any, scope: str, code: str, day: str) -> list[dict[str, Any]]:
        row = store.plan(db, scope, code)
        if row is None or not row["active"]:
            raise BookingRefused(N_("this service cannot be booked online"), reason="not_offered")
        plan = Plan.from_row(row)
        try:
            wanted = date.fromisoformat(day)
        except ValueError:
            raise InvalidInput(N_("the day must be a date (YYYY-MM-DD)")) from None
        hall = self.service.hall
        now = self.service.clock.now()
        today = datetime.fromtimestamp(now, hall.tz).date()
        if not today <= wanted <= today + timedelta(days=plan.max_days_ahead):
            return []
        own = store.day_capacity(db, day, scope, code)
        capacity = plan.capacity if own is None else own
        booked = store.slot_bookings(db, day, scope, code)
        midnight = datetime(wanted.year, wanted.month, wanted.day, tzinfo=hall.tz).timestamp()
        slots = []
        for session in self._hours(db).day_hours(wanted, calendar_of(hall)).sessions:
            minute = session.start
            while minute + plan.slot_minutes <= session.end:
                start = midnight + minute * 60
                taken = booked.get(start, 0)
                slots.append({"start": start, "end": start + plan.slot_minutes * 60,
                              "time": f"{minute // 60:02d}:{minute % 60:02d}", "capacity": capacity, "booked": taken,
                              "left": max(capacity - taken, 0),
                              "bookable": taken < capacity and start - now >= plan.min_lead_minutes * 60})
                minute += plan.slot_minutes
        return slots

    # ---- booking from the phone ----------------------------------------------------------------------

    def book_online(self, contact: int, *, scope: str, code: str, slot_start: float, sms: bool = False,
                    id_number: str | None = None) -> dict[str, Any]:
        """Book a slot for a verified number: its code, and the token of its phone page."""
        if id_number is not None and not id_number_valid(id_number.strip().upper()):
            raise InvalidInput(N_("this is not a valid resident ID number"), field="id_number")
        svc = self.service
        with svc.storage.write() as db:
            if not self.contacts.usable(db, contact):
                raise WrongCode(N_("verify your phone number first"))
            day = svc.today(slot_start)
            slot = next((s for s in self._slots(db, scope, code, day) if s["start"] == slot_start), None)
            if slot is None:
                raise BookingRefused(N_("this slot is not offered"), reason="no_slot")
            if slot["left"] <= 0:
                raise SlotFull(N_("this slot is fully booked; choose another"))
            if not slot["bookable"]:
                raise BookingRefused(N_("this slot is too soon to book; choose a later one"), reason="too_soon")
            mine = store.open_bookings_of_contact(db, contact, svc.today())
            if any(b["service_day"] == day for b in mine):
                raise BookingRefused(N_("this phone number has a booking on that day already"), reason="same_day")
            if len(mine) >= MAX_OPEN_BOOKINGS:
                raise BookingRefused(N_("a phone number may hold {max_open_bookings} bookings at a time"),
                                     max_open_bookings=MAX_OPEN_BOOKINGS,
                                     reason="too_many")
            if store.take_slot(db, day, scope, code, slot_start) > slot["capacity"]:
                raise SlotFull(N_("this slot is fully booked; choose another"))
            booking = self.book.insert(
                service=code if scope == "item" else None, bundle=code if scope == "bundle" else None,
                slot_start=slot_start, slot_end=slot["end"],
                values={"token": secrets.token_urlsafe(16), "contact": contact, "channel": "phone", "sms": int(sms),
                        "id_digest": id_digest(self._id_key, id_number) if id_number else None})
            self.contacts.need_until(db, contact, slot["end"])
            self.notices.emit(db, subject=booking_subject(booking["id"]), kind="booked", booking_id=booking["id"],
                              params={"time": self._when(slot_start)}, contact=contact, sms=sms,
                              sms_params={"code": booking["code"], "time": self._when(slot_start)})
        logger.info("booking …%s made online for %s", booking["code"][-4:], self._when(slot_start))
        return booking

    def _when(self, at: float) -> str:
        return datetime.fromtimestamp(at, self.service.hall.tz).strftime("%m-%d %H:%M")

    def booking(self, token: str) -> dict[str, Any]:
        with self.service.storage.read() as db:
            found = store.appointment_by_token(db, token) if isinstance(token, str) else None
        if found is None:
            raise BookingRefused(N_("no such booking"), reason="unknown")
        return found

    def cancel(self, token: str) -> dict[str, Any]:
        with self.service.storage.write() as db:
            found = store.appointment_by_token(db, token)
            if found is None:
                raise BookingRefused(N_("no such booking"), reason="unknown")
            return self.book.cancel_booking(db, found)

    def check_in_on_phone(self, token: str) -> CheckIn:
        """The citizen at the hall checks in from the booking's page (the arrival code was checked)."""
        with self.service.storage.write() as db:
            return self.book.check_in_booking(db, store.appointment_by_token(db, token), None, how="phone")

    def check_in_by_id_card(self, id_number: str, kiosk: str | None) -> CheckIn:
        """The hook for the kiosk's ID-card reader: today's booking made with this ID number, checked in."""
        number = id_number.strip().upper()
        if not id_number_valid(number):
            raise InvalidInput(N_("the card reader gave an invalid ID number"))
        with self.service.storage.write() as db:
            found = store.booked_by_id_digest(db, id_digest(self._id_key, number), self.service.today())
            return self.book.check_in_booking(db, found, kiosk, how="id_card")

    # ---- reminders (the owner process) --------------------------------------------------------------

    def send_reminders(self) -> int:
        """Remind every booking whose slot starts within ``reminder_minutes`` (once)."""
        svc = self.service
        watch = getattr(svc.admission, "watch", None)
        now = svc.clock.now()
        with svc.storage.read() as db:
            minutes = watch.current(db).phone.reminder_minutes if watch is not None else 60
            due = store.due_reminders(db, now, minutes * 60)
        for booking in due:
            with svc.storage.write() as db:
                store.mark_reminded(db, booking["code"], now)
                name = repo.service_name(db, item=booking["item"], bundle=booking["bundle"])
                self.notices.emit(db, subject=booking_subject(booking["id"]), kind="reminder",
                                  booking_id=booking["id"], contact=booking["contact"], sms=bool(booking["sms"]),
                                  params={"time": self._when(booking["slot_start"]),
                                          "service": name.zh if name else ""})
        return len(due)
