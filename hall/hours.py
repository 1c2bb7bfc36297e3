"""Service hours (服务时间): sessions per weekday on the working-day calendar, and an early opening.

A hall works in sessions, for example 9:00–12:00 and 13:30–17:00 from Monday to Friday. Which sessions
a calendar day has follows the State Council's schedule and the hall's own days (``hall.workdays``):

* a day the hall itself lists as a holiday, or a public holiday (春节, 国庆 …), has none;
* a day the hall lists as a working day, or an adjusted working weekend (调休), has its weekday's
  sessions, or — a Saturday or Sunday without sessions of its own — those of the first weekday that has;
* any other day has its weekday's sessions (a weekday that is not a working day has none).

Tickets are taken from a session's start until ``stop_before_minutes`` before its end. A manager may open
the hall early (an ``EarlyOpening``: from now until the next session starts). Pure: no Flask, no storage.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from .domain.errors import N_, Template, fill
from .workdays import WorkCalendar

logger = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_NAMES = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
                 "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
#: The weekdays as the console names them in a refusal (translated where it is shown).
WEEKDAY_LABELS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
                  N_("Sunday"))
#: How far ahead the next opening is looked for (a hall shut for longer says "not known").
LOOKAHEAD_DAYS = 62
_SESSION = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—~至]\s*(\d{1,2}):(\d{2})\s*$")


class HoursError(ValueError):
    """Service hours that cannot be: the message names the bad part (a template, translated where it is shown)."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(fill(message, details))
        self.template = message if isinstance(message, Template) else None
        self.details = details


@dataclass(frozen=True, order=True)
class Session:
    """One session of a day, in minutes after local midnight; the end is excluded (24:00 is 1440)."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str, where: object = "") -> "Session":
        """A session written "09:00-12:00" (a dash, en dash, ~ or 至 between the times)."""
        match = _SESSION.match(str(text))
        if not match:
            raise HoursError(N_("{where}: {text} is not a session like 09:00-12:00"), where=where, text=str(text))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start > 1440 or end > 1440 or start >= end:
            raise HoursError(N_("{where}: {text} must start before it ends, within one day"), where=where,
                             text=str(text))
        return cls(start, end)

    def text(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"

    def display(self) -> str:
        """9:00–12:00, as people write it."""
        return f"{_clock(self.start, pad=False)}–{_clock(self.end, pad=False)}"


def _clock(minutes: int, *, pad: bool = True) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours:02d}:{rest:02d}" if pad else f"{hours}:{rest:02d}"


def parse_sessions(values: Any, where: object) -> tuple[Session, ...]:
    """A list of sessions (sorted, not overlapping); HoursError names *where* they were."""
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise HoursError(N_("{where}: sessions are a list like 09:00-12:00, 13:30-17:00"), where=where)
    if len(values) > 6:
        raise HoursError(N_("{where}: at most 6 sessions a day"), where=where)
    sessions = sorted(Session.parse(v, where) for v in values)
    for earlier, later in zip(sessions, sessions[1:], strict=False):
        if later.start < earlier.end:
            raise HoursError(N_("{where}: the sessions {first} and {second} overlap"), where=where,
                             first=earlier.text(), second=later.text())
    return tuple(sessions)


DEFAULT_SESSIONS = (Session(9 * 60, 12 * 60), Session(13 * 60 + 30, 17 * 60))
DEFAULT_WEEK: tuple[tuple[Session, ...], ...] = (DEFAULT_SESSIONS,) * 5 + ((), ())


@dataclass(frozen=True)
class EarlyOpening:
    """A manager opened the hall outside its hours: tickets from *since* until *until* (Unix times)."""

    since: float
    until: float
    by: str

    def covers(self, at: float) -> bool:
        return self.since <= at < self.until

    def as_dict(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until, "by": self.by}

    @classmethod
    def from_dict(cls, value: Any) -> "EarlyOpening | None":
        if not isinstance(value, dict):
            return None
        try:
            return cls(float(value["since"]), float(value["until"]), str(value.get("by") or ""))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class DayHours:
    """The sessions of one calendar day and why it has them (regular, holiday, adjusted, weekend, …)."""

    day: date
    sessions: tuple[Session, ...]
    reason: str


@dataclass(frozen=True)
class Opening:
    """Whether tickets are taken at a moment, and if not when they will be next (None: not within two months)."""

    open: bool
    early: bool
    next_opening: datetime | None
    closes_at: datetime | None


@dataclass(frozen=True)
class OpeningHours:
    """The hall's sessions per weekday (Monday first) and whether tickets are refused outside them."""

    enforce: bool = False
    week: tuple[tuple[Session, ...], ...] = DEFAULT_WEEK
    stop_before_minutes: int = 0
    early: EarlyOpening | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise HoursError("service hours need the sessions of all seven weekdays")
        if not 0 <= self.stop_before_minutes <= 120:
            raise HoursError("stop_before_minutes must be from 0 to 120")

    # ---- the calendar --------------------------------------------------------------------

    def day_hours(self, day: date, calendar: WorkCalendar) -> DayHours:
        """The sessions of calendar day *day* (see the module's rules)."""
        own = self.week[day.weekday()]
        if day in calendar.holidays:
            return DayHours(day, (), "hall_holiday")
        if day in calendar.working_days:
            return DayHours(day, own or self._weekday_sessions(), "hall_working_day")
        working = calendar.is_working_day(day)
        if day.weekday() >= 5:
            if working:
                return DayHours(day, own or self._weekday_sessions(), "adjusted_working_day")
            if calendar.national and _public_holiday(day):
                return DayHours(day, (), "public_holiday")
            return DayHours(day, own, "weekend")
        if not working:
            return DayHours(day, (), "public_holiday")
        return DayHours(day, own, "regular")

    def _weekday_sessions(self) -> tuple[Session, ...]:
        return next((sessions for sessions in self.week[:5] if sessions), ())

    # ---- a moment -------------------------------------------------------------------------

    def opening(self, at: float, tz: ZoneInfo, calendar: WorkCalendar) -> Opening:
        """Whether tickets are taken at *at*, the end of the session it is in, or the next opening."""
        local = datetime.fromtimestamp(at, tz)
        if not self.enforce:
            return Opening(True, False, None, None)
        session = self._session_at(local, calendar)
        if session is not None:
            return Opening(True, False, None, _at(local.date(), session.end - self.stop_before_minutes, tz))
        early = self.early is not None and self.early.covers(at)
        following = self.next_opening(at, tz, calendar)
        if early:
            assert self.early is not None
            return Opening(True, True, following, datetime.fromtimestamp(self.early.until, tz))
        return Opening(False, False, following, None)

    def _session_at(self, local: datetime, calendar: WorkCalendar) -> Session | None:
        minute = local.hour * 60 + local.minute + local.second / 60
        for session in self.day_hours(local.date(), calendar).sessions:
            if session.start <= minute < session.end - self.stop_before_minutes:
                return session
        return None

    def next_opening(self, at: float, tz: ZoneInfo, calendar: WorkCalendar) -> datetime | None:
        """The start of the next session after *at* (not the one *at* is in)."""
        local = datetime.fromtimestamp(at, tz)
        minute = local.hour * 60 + local.minute + local.second / 60
        for offset in range(LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            for session in self.day_hours(day, calendar).sessions:
                if session.end - self.stop_before_minutes <= session.start:
                    continue
                if offset or session.start > minute:
                    return _at(day, session.start, tz)
        return None

    def sessions_between(self, first: date, days: int, calendar: WorkCalendar) -> list[DayHours]:
        """The hours of *days* calendar days from *first* (the console's preview, the booking calendar)."""
        return [self.day_hours(first + timedelta(days=n), calendar) for n in range(days)]

    # ---- texts and storage ------------------------------------------------------------------

    def display(self, lang: str) -> str:
        """The hours as a lobby shows them: 周一至周五 9:00–12:00，13:30–17:00."""
        names = WEEKDAY_NAMES["en" if lang == "en" else "zh"]
        through, comma, semicolon = (" – ", ", ", "; ") if lang == "en" else ("至", "，", "；")
        parts, start = [], 0
        while start < 7:
            end = start
            while end + 1 < 7 and self.week[end + 1] == self.week[start]:
                end += 1
            if self.week[start]:
                days = names[start] if start == end else f"{names[start]}{through}{names[end]}"
                parts.append(f"{days} {comma.join(s.display() for s in self.week[start])}")
            start = end + 1
        return semicolon.join(parts)

    def as_dict(self) -> dict[str, Any]:
        """What the console edits and the settings store keep."""
        return {"enforce": self.enforce, "stop_before_minutes": self.stop_before_minutes,
                "week": {name: [s.text() for s in sessions]
                         for name, sessions in zip(WEEKDAYS, self.week, strict=True)}}

    @classmethod
    def from_dict(cls, value: dict[str, Any], base: "OpeningHours | None" = None) -> "OpeningHours":
        """Hours from the console or the settings store, over *base*; HoursError names what is wrong."""
        base = base or cls()
        unknown = sorted(set(value) - {"enforce", "stop_before_minutes", "week"})
        if unknown:
            raise HoursError(f"unknown field(s): {', '.join(unknown)}; known: enforce, stop_before_minutes, week")
        enforce = value.get("enforce", base.enforce)
        if not isinstance(enforce, bool):
            raise HoursError("'enforce' must be true or false")
        stop = value.get("stop_before_minutes", base.stop_before_minutes)
        if not isinstance(stop, int) or isinstance(stop, bool) or not 0 <= stop <= 120:
            raise HoursError("'stop_before_minutes' must be a whole number from 0 to 120")
        week = list(base.week)
        given = value.get("week", {})
        if not isinstance(given, dict) or set(given) - set(WEEKDAYS):
            raise HoursError(f"'week' must map weekdays ({', '.join(WEEKDAYS)}) to lists of sessions")
        for index, name in enumerate(WEEKDAYS):
            if name in given:
                week[index] = parse_sessions(given[name], WEEKDAY_LABELS[index])
        return cls(enforce=enforce, week=tuple(week), stop_before_minutes=stop, early=base.early)


def _at(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minutes)


def _public_holiday(day: date) -> bool:
    """Whether *day* falls in a public holiday of the State Council's schedule (a weekend inside 国庆 …)."""
    try:
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return name is not None


def early_until(hours: OpeningHours, at: float, tz: ZoneInfo, calendar: WorkCalendar, *,
                longest_hours: float = 16.0) -> float:
    """Until when an early opening made at *at* lasts: the next session's start, at most *longest_hours* on."""
    following = hours.next_opening(at, tz, calendar)
    cap = at + longest_hours * 3600
    return min(following.timestamp(), cap) if following is not None else cap
