"""Whether a ticket may be issued now: service hours, the remote switch and the quotas, checked in the
transaction that draws the ticket's number (``HallService.admission``), so a refusal leaves nothing behind
and two processes can never both hand out the last ticket of a quota.

The rules in force — service hours and an early opening, the [phone] settings, the quota rules — are
the configuration overlaid with what managers saved; each process re-reads them only when the
database's ``settings`` or ``quotas`` version moved (one indexed query per ticket).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .config import HallSettings
from .domain.errors import N_, HallError
from .hours import EarlyOpening, HoursError, Opening, OpeningHours
from .phone_config import PhoneConfigError, PhoneSettings
from .quotas import QuotaRule, Target, local_minute, rules_of, take, targets_of
from .storage import quotas as quota_store
from .storage import repo
from .workdays import calendar_of

HOURS_KEY = "opening_hours"
EARLY_KEY = "early_opening"
PHONE_KEY = "phone_settings"
CHANNELS = ("walk_in", "remote", "appointment")


class OutsideServiceHours(HallError):
    """Tickets are given out during the service hours only; the details say when the hall opens next."""

    status = 409
    code = "outside_service_hours"


class RemoteClosed(HallError):
    """Remote tickets (from the phone) are switched off in this hall."""

    status = 409
    code = "remote_closed"


@dataclass(frozen=True)
class HallRules:
    """The rules in force: service hours (with an early opening), the phone settings, the quota rules."""

    hours: OpeningHours
    phone: PhoneSettings
    quotas: dict[Target, QuotaRule]


@dataclass(frozen=True)
class TicketAdmission:
    """What is asked: a ticket for an item or a bundle, through a channel; *reserved* when a booking holds it."""

    service: str | None
    bundle: str | None
    channel: str
    at: float
    day: str
    reserved: bool = False


class RulesWatch:
    """``current(db)`` gives the rules in force, re-read only when the settings or the quota rules changed."""

    def __init__(self, hours: OpeningHours, phone: PhoneSettings) -> None:
        self.hours = hours
        self.phone = phone
        self._versions: tuple[int, int] | None = None
        self._rules: HallRules | None = None
        self._lock = threading.Lock()

    def current(self, db: Any) -> HallRules:
        versions = quota_store.versions(db)
        with self._lock:
            if versions == self._versions and self._rules is not None:
                return self._rules
        rules = HallRules(self._hours(db), self._phone(db), rules_of(quota_store.rules(db)))
        with self._lock:
            self._versions, self._rules = versions, rules
        return rules

    def _hours(self, db: Any) -> OpeningHours:
        saved = repo.get_setting(db, HOURS_KEY, None)
        hours = self.hours
        if isinstance(saved, dict):
            try:
                hours = OpeningHours.from_dict(saved, hours)
            except HoursError:  # saved by an older version: the configuration holds
                hours = self.hours
        return replace(hours, early=EarlyOpening.from_dict(repo.get_setting(db, EARLY_KEY, None)))

    def _phone(self, db: Any) -> PhoneSettings:
        saved = repo.get_setting(db, PHONE_KEY, None)
        if isinstance(saved, dict):
            try:
                return self.phone.with_changes(saved)
            except (PhoneConfigError, TypeError):
                return self.phone
        return self.phone


def opening_details(opening: Opening) -> dict[str, Any]:
    """When the hall opens next, for an answer's details (the page words it in the citizen's language)."""
    following = opening.next_opening
    if following is None:
        return {"next_opening": ""}
    return {"next_opening": following.isoformat(), "next_opening_time": following.strftime("%H:%M"),
            "next_opening_date": following.strftime("%m-%d"), "next_opening_weekday": following.weekday()}


class Admission:
    """The check ``HallService.issue_ticket`` runs in its transaction before it draws a number."""

    def __init__(self, watch: RulesWatch, hall: Callable[[], HallSettings]) -> None:
        self.watch = watch
        self.hall = hall

    def opening(self, db: Any, at: float, rules: HallRules | None = None) -> Opening:
        """Whether tickets are given out at *at* under the hours in force (of *rules*, if read already)."""
        hall = self.hall()
        return (rules or self.watch.current(db)).hours.opening(at, hall.tz, calendar_of(hall))

    def require_open(self, db: Any, at: float, rules: HallRules | None = None) -> None:
        """OutsideServiceHours, with the next opening, unless tickets are given out at *at*."""
        opening = self.opening(db, at, rules)
        if not opening.open:
            following = opening.next_opening
            when = following.strftime("%Y-%m-%d %H:%M") if following else "not known"
            raise OutsideServiceHours(N_("tickets are given out during the service hours only; next opening: {when}"),
                                      when=when,
                                      **opening_details(opening))

    def __call__(self, db: Any, request: TicketAdmission) -> None:
        if request.channel not in CHANNELS:
            raise ValueError(f"unknown channel {request.channel!r}")
        if request.reserved:  # a checked-in booking: it took its quota when it was made
            return
        rules = self.watch.current(db)
        if request.channel == "remote" and not rules.phone.remote_enabled:
            raise RemoteClosed(N_("remote tickets are not given out in this hall; please take a ticket at the kiosk"))
        self.require_open(db, request.at, rules)
        take(db, rules.quotas, day=request.day, targets=targets_of(request.service, request.bundle),
             minute=local_minute(request.at, self.hall().tz), remote=request.channel == "remote", booking=False,
             share_default=rules.phone.remote_share_percent)


def next_opening_text(opening: Opening) -> str:
    """The next opening as YYYY-MM-DD HH:MM (logs, the demo banner), or ``not known``."""
    following: datetime | None = opening.next_opening
    return following.strftime("%Y-%m-%d %H:%M") if following else "not known"
