"""Working days of a hall in China: the State Council's yearly schedule with the hall's own overrides.

The national schedule (public holidays and the adjusted working weekends, 调休) comes from the maintained
`chinese-calendar` package, which carries each year's notice once it is published. A hall adds its own days
off (`holidays`) and its own extra working days (`working_days`) in `[hall]`; those win over the national
schedule. For a year the package does not know yet, Monday to Friday count (and a warning is logged once).
Pure: no Flask, no storage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

import chinese_calendar

logger = logging.getLogger(__name__)


class HallDays(Protocol):
    """What a hall's configuration says about its calendar ([hall] in the TOML file)."""

    holidays: tuple[str, ...]
    working_days: tuple[str, ...]
    national_calendar: bool


def parse_days(values: Iterable[str], what: str = "holiday") -> frozenset[date]:
    """ISO dates from the configuration; ValueError names the bad one."""
    days = set()
    for value in values:
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError:
            raise ValueError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(days)


@lru_cache(maxsize=None)
def _year_unknown(year: int) -> None:
    """Log once per year that the national schedule of *year* is not known to the installed package."""
    logger.warning("chinese-calendar %s has no State Council schedule for %d: counting Monday to Friday as working "
                   "days (upgrade the package, or list the year's days in [hall] holidays / working_days)",
                   getattr(chinese_calendar, "__version__", "?"), year)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: the hall's overrides first, then the national schedule, then Mon–Fri."""

    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    national: bool = True

    def national_schedule_known(self, day: date) -> bool:
        """Whether the installed package knows the State Council's schedule of *day*'s year."""
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def is_working_day(self, day: date) -> bool:
        """Whether the hall works on *day*."""
        if day in self.working_days:
            return True
        if day in self.holidays:
            return False
        if self.national:
            try:
                return bool(chinese_calendar.is_workday(day))
            except NotImplementedError:
                _year_unknown(day.year)
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The *days*-th working day after *start* (start itself does not count; 0 gives *start*)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current, left = start, days
        while left:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current


#: The national schedule without overrides.
CHINA = WorkCalendar()
#: Monday to Friday only, for halls that switch the national schedule off.
WEEKDAYS = WorkCalendar(national=False)


@lru_cache(maxsize=16)
def _calendar(holidays: tuple[str, ...], working_days: tuple[str, ...], national: bool) -> WorkCalendar:
    return WorkCalendar(parse_days(holidays), parse_days(working_days, "working day"), national)


def calendar_of(hall: HallDays) -> WorkCalendar:
    """The working-day calendar a hall's configuration describes (parsed once per distinct configuration)."""
    return _calendar(tuple(hall.holidays), tuple(hall.working_days), bool(hall.national_calendar))
