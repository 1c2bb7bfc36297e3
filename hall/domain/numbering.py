"""Ticket numbers: a letter per category and a daily sequence, in the hall's local day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def service_day(at: float, tz: ZoneInfo, day_start: time) -> date:
    """The hall's service day for Unix time *at*: numbering restarts at *day_start* local time."""
    local = datetime.fromtimestamp(at, tz)
    shifted = local - timedelta(hours=day_start.hour, minutes=day_start.minute, seconds=day_start.second)
    return shifted.date()


def format_number(letter: str, seq: int) -> str:
    """A001 … A999, then A1000: never wraps within a day."""
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{letter}{seq:03d}"


def parse_number(number: str) -> tuple[str, int]:
    """Split "A001" into ("A", 1); ValueError when it is not a ticket number."""
    text = number.strip().upper()
    if len(text) < 4 or not text[0].isalpha() or not text[1:].isdigit():
        raise ValueError(f"not a ticket number: {number!r}")
    return text[0], int(text[1:])
