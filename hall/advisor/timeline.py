"""Quarter-hours and service sessions of a hall day, in seconds since local midnight."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

QUARTER = 900.0
QUARTERS_PER_DAY = 96
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The seed hall's service hours: 9:00–12:00 and 13:30–17:00.
DEFAULT_SESSIONS: tuple[tuple[int, int], ...] = ((36, 48), (54, 68))


@dataclass(frozen=True)
class Sessions:
    """The day's service sessions as half-open ranges of quarter-hour indices (36 = 9:00)."""

    ranges: tuple[tuple[int, int], ...] = DEFAULT_SESSIONS

    def quarters(self) -> list[int]:
        """Every quarter-hour index inside a session, in order."""
        return [q for start, end in self.ranges for q in range(start, end)]

    def contains(self, quarter: int) -> bool:
        return any(start <= quarter < end for start, end in self.ranges)

    @property
    def open_seconds(self) -> float:
        return sum(end - start for start, end in self.ranges) * QUARTER

    def label(self) -> str:
        return ", ".join(f"{quarter_label(s)}–{quarter_label(e)}" for s, e in self.ranges)

    @classmethod
    def from_quarters(cls, quarters: Iterable[int]) -> "Sessions":
        """Contiguous runs of the given quarter indices (a gap of one quarter splits two sessions)."""
        ordered = sorted(set(quarters))
        ranges: list[tuple[int, int]] = []
        for q in ordered:
            if ranges and ranges[-1][1] == q:
                ranges[-1] = (ranges[-1][0], q + 1)
            else:
                ranges.append((q, q + 1))
        return cls(tuple(ranges))


def quarter_label(quarter: int) -> str:
    """"09:15" for quarter 37."""
    minutes = quarter * 15
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def quarter_of(seconds: float) -> int:
    """The quarter-hour index of a time given in seconds since local midnight."""
    return min(QUARTERS_PER_DAY - 1, max(0, int(seconds // QUARTER)))


def hour_of(seconds: float) -> int:
    return min(23, max(0, int(seconds // 3600)))


def midnight(day: date, tz: ZoneInfo) -> float:
    """The epoch time of local midnight starting *day*."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def is_month_start(day: date, month_start_days: int) -> bool:
    """True on the first *month_start_days* days of a month (the surge of declarations and pensions)."""
    return day.day <= month_start_days


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile, as the hall's reports compute it (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(len(ordered), rank) - 1]


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
