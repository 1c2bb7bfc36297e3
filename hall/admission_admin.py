"""Managers set the service hours, open the hall early and change the [phone] settings; all audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from . import audit
from .admission import EARLY_KEY, HOURS_KEY, PHONE_KEY, RulesWatch
from .domain.errors import N_, InvalidInput
from .hours import EarlyOpening, HoursError, OpeningHours, early_until
from .phone_config import PhoneConfigError, PhoneSettings
from .service import HallService
from .storage import repo
from .workdays import calendar_of

PREVIEW_DAYS = 14


class AdmissionAdmin:
    """The service hours and phone settings in force, and their changes by a named manager."""

    def __init__(self, service: HallService, watch: RulesWatch) -> None:
        self.service = service
        self.watch = watch
        self.storage = service.storage
        self.clock = service.clock

    def _rules(self) -> Any:
        with self.storage.read() as db:
            return self.watch.current(db)

    # ---- service hours --------------------------------------------------------------------

    def hours(self, lang: str = "zh") -> dict[str, Any]:
        """The hours in force, whether tickets are given out now, the early opening and two weeks ahead."""
        hall = self.service.hall
        rules = self._rules()
        hours: OpeningHours = rules.hours
        now = self.clock.now()
        calendar = calendar_of(hall)
        opening = hours.opening(now, hall.tz, calendar)
        today = datetime.fromtimestamp(now, hall.tz).date()
        early = hours.early if hours.early is not None and hours.early.until > now else None
        return {
            **hours.as_dict(), "display": hours.display(lang), "open_now": opening.open, "early_now": opening.early,
            "next_opening": opening.next_opening.isoformat() if opening.next_opening else None,
            "closes_at": opening.closes_at.isoformat() if opening.closes_at else None,
            "early": None if early is None else {**early.as_dict(),
                                                 "until_local": _local(early.until, hall.tz)},
            "preview": [{"day": d.day.isoformat(), "weekday": d.day.weekday(), "reason": d.reason,
                         "sessions": [s.display() for s in d.sessions]}
                        for d in hours.sessions_between(today, PREVIEW_DAYS, calendar)],
        }

    def save_hours(self, actor: str, data: dict[str, Any]) -> dict[str, Any]:
        """Replace the hours (sessions per weekday, enforce, stop_before_minutes) over the configuration's."""
        try:
            hours = OpeningHours.from_dict(data, self._rules().hours)
        except HoursError as exc:
            raise InvalidInput(exc.template or str(exc), **exc.details) from None
        before = self._rules().hours
        with self.storage.write() as db:
            repo.set_setting(db, HOURS_KEY, hours.as_dict())
            audit.record(db, self.clock, actor, "hours.update", "hall", _audited(before), _audited(hours))
        return self.hours()

    def open_early(self, actor: str, minutes: int | None = None) -> dict[str, Any]:
        """Give out tickets from now on: until the next session starts (or for *minutes*); audited."""
        hall = self.service.hall
        now = self.clock.now()
        rules = self._rules()
        if rules.hours.opening(now, hall.tz, calendar_of(hall)).open:
            raise InvalidInput(N_("The hall is open now: tickets are given out already."))
        if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool)
                                    or not 5 <= minutes <= 16 * 60):
            raise InvalidInput(N_("'minutes' must be a whole number from 5 to 960"))
        until = now + minutes * 60 if minutes else early_until(rules.hours, now, hall.tz, calendar_of(hall))
        early = EarlyOpening(now, until, actor)
        with self.storage.write() as db:
            repo.set_setting(db, EARLY_KEY, early.as_dict())
            audit.record(db, self.clock, actor, "hours.open_early", "hall", None, {"until": _local(until, hall.tz)})
        return self.hours()

    def end_early(self, actor: str) -> dict[str, Any]:
        """End an early opening now (tickets again only inside the sessions); audited."""
        now = self.clock.now()
        with self.storage.write() as db:
            before = EarlyOpening.from_dict(repo.get_setting(db, EARLY_KEY, None))
            if before is None or not before.covers(now):
                raise InvalidInput(N_("The hall is not opened early now."))
            repo.set_setting(db, EARLY_KEY, replace(before, until=now).as_dict())
            audit.record(db, self.clock, actor, "hours.end_early", "hall",
                         {"until": _local(before.until, self.service.hall.tz)},
                         {"until": _local(now, self.service.hall.tz)})
        return self.hours()

    # ---- the [phone] settings ------------------------------------------------------------------

    def phone_settings(self) -> dict[str, Any]:
        return {**self._rules().phone.as_dict(), "ranges": PhoneSettings.RANGES}

    def save_phone_settings(self, actor: str, data: dict[str, Any]) -> dict[str, Any]:
        """Change some [phone] settings (remote share, no-show time, retention …); audited."""
        current = self._rules().phone
        try:
            changed = current.with_changes(data)
        except (PhoneConfigError, TypeError) as exc:
            raise InvalidInput(str(exc).replace("[phone] ", "")) from None
        with self.storage.write() as db:
            saved = {**(repo.get_setting(db, PHONE_KEY, None) or {}), **data}
            repo.set_setting(db, PHONE_KEY, saved)
            audit.record(db, self.clock, actor, "phone.update", "hall", {k: getattr(current, k) for k in data},
                         {k: getattr(changed, k) for k in data})
        return self.phone_settings()


def _audited(hours: OpeningHours) -> dict[str, Any]:
    """Service hours as the audit log shows them (the week as people write it, in Chinese)."""
    return {"enforce": hours.enforce, "stop_before_minutes": hours.stop_before_minutes, "week": hours.display("zh")}


def _local(at: float, tz: Any) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%Y-%m-%d %H:%M")
