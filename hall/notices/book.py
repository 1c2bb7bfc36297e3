"""Notices to one ticket or booking: recorded once, shown on the open phone page, sent by SMS when opted in.

``emit`` runs inside the caller's write transaction: it records the notice (once per subject, kind and
key), logs a ``notice`` event — so the phone page connected to any server process hears of it, and
reads what it missed when it reconnects — and queues the SMS when the citizen opted in, the number is
still held and the number's daily limit is not reached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..contacts import Contacts
from ..domain.models import Ticket
from ..phone_config import PhoneSettings
from ..service import HallService
from ..storage import contacts as contact_store
from ..storage import phone as store

logger = logging.getLogger(__name__)

NOTICE_KINDS = ("ahead", "called", "ready", "reminder", "no_show", "booked", "moved_back", "walk_in")
#: Notices that also go by SMS when the citizen opted in (the others are shown on the page only).
SMS_NOTICES = ("ahead", "called", "ready", "reminder", "no_show", "booked")


def ticket_subject(ticket_id: int) -> str:
    return f"t:{ticket_id}"


def booking_subject(booking_id: int) -> str:
    return f"b:{booking_id}"


@dataclass(frozen=True)
class Following:
    """How a ticket is followed: at how many people ahead, by SMS too, and the number's masked form."""

    ahead: int
    sms: bool
    masked: str | None
    notified: bool


class Notices:
    """Records notices, subscribes tickets to them, and queues their SMS."""

    def __init__(self, service: HallService, contacts: Contacts, settings: Callable[[], PhoneSettings], *,
                 sms_kinds: frozenset[str], per_number_per_day: int,
                 on_sms: Callable[[], object] | None = None) -> None:
        self.service = service
        self.contacts = contacts
        self.settings = settings
        #: The notices the SMS gateway has a template for (none: SMS are off).
        self.sms_kinds = sms_kinds
        self.sms_enabled = bool(sms_kinds)
        self.per_number_per_day = per_number_per_day
        self.on_sms = on_sms

    def clamp_ahead(self, ahead: Any) -> int:
        """The citizen's "tell me at N ahead", within the hall's limits (the default when not given)."""
        settings = self.settings()
        if ahead is None:
            return settings.ahead_default
        return max(settings.ahead_min, min(settings.ahead_max, int(ahead)))

    def follow(self, db: Any, ticket: Ticket, *, contact: int | None, ahead: Any, sms: bool) -> None:
        """Follow *ticket* (inside a write transaction): notices at *ahead*, SMS when *sms* and a number is held."""
        store.save_watch(db, {"ticket": ticket.id, "service_day": ticket.service_day, "contact": contact,
                              "ahead": self.clamp_ahead(ahead), "sms": int(bool(sms)),
                              "created_at": self.service.clock.now()})

    def following(self, ticket_id: int) -> Following | None:
        with self.service.storage.read() as db:
            watch = store.watch(db, ticket_id)
            masked = None
            if watch is not None and watch["contact"] is not None:
                row = contact_store.contact(db, watch["contact"])
                masked = row["phone_masked"] if row else None
        if watch is None:
            return None
        return Following(watch["ahead"], bool(watch["sms"]) and self.sms_enabled, masked,
                         watch["ahead_notified_at"] is not None)

    def emit(self, db: Any, *, subject: str, kind: str, key: str = "", params: dict[str, Any],
             ticket_id: int | None = None, booking_id: int | None = None, contact: int | None = None,
             sms: bool = False, sms_params: dict[str, Any] | None = None) -> int | None:
        """Record one notice (inside a write transaction); None when it was recorded before.

        *params* are shown on the page and logged; *sms_params* (default: the same) go only to the SMS, so a
        booking code reaches the citizen's phone without being kept in the log.
        """
        now = self.service.clock.now()
        send = bool(sms and kind in self.sms_kinds and kind in SMS_NOTICES and contact is not None
                    and self.contacts.usable(db, contact)
                    and contact_store.sms_since(db, contact, now - 86_400) < self.per_number_per_day)
        notice_id = store.insert_notice(db, subject=subject, kind=kind, key=key, params=params, at=now, sms=send)
        if notice_id is None:
            return None
        logged = {"notice": notice_id, "kind": kind, "params": params, "booking": booking_id}
        if ticket_id is not None:
            self.service.note_in(db, ticket_id, "notice", logged)
        else:  # a booking's notice: no ticket yet (the savepoint joins the caller's transaction)
            self.service.record_event("notice", data=logged)
        if send:
            assert contact is not None
            _, masked = self.contacts.phone_of(db, contact)
            contact_store.queue_sms(db, contact=contact, masked=masked, kind=kind, params=sms_params or params, at=now,
                                    ticket=ticket_id, booking=None)
            if self.on_sms is not None:
                self.service.storage.after_commit(self.on_sms)
        elif sms and contact is not None and kind in self.sms_kinds:
            logger.warning("SMS %s for %s not sent: the number is gone or reached its daily limit", kind, subject)
        return notice_id

    def of(self, subject: str) -> list[dict[str, Any]]:
        """The notices of one ticket or booking, oldest first (the page shows what it missed)."""
        with self.service.storage.read() as db:
            return store.notices_of(db, subject)
