"""Managers' figures, computed from the append-only event log."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .domain import figures as shared
from .domain.errors import N_, InvalidInput
from .domain.states import TicketAction
from .storage import Storage, report_queries

GROUPINGS = ("day", "hour", "item", "category", "counter", "clerk")
MAX_RANGE_DAYS = 400
#: The figures of a report row, in the order of the CSV and XLSX columns.
FIGURES = ("issued", "called", "served", "no_shows", "cancelled",
           "waiting_minutes_mean", "waiting_minutes_p50", "waiting_minutes_p90", "waiting_minutes_max",
           "service_minutes_mean", "service_minutes_p90", "service_level", "rated", "unrated",
           "satisfaction_rate", "rating_rate")
#: The shared definitions (hall.domain.figures), plus the groupings only the hall has.
DEFINITIONS = {
    **{name: shared.DEFINITIONS[name] for name in ("waiting", "service", "service_level", "satisfaction_rate",
                                                   "rating_rate", "item")},
    "hour": "hour of day = the hour the ticket was issued, in the hall's time zone",
}

_SUMMARY_SQL = """
WITH day_tickets AS (SELECT id FROM tickets WHERE service_day = :day),
per_ticket AS (
    SELECT e.ticket AS ticket,
           min(CASE WHEN e.type = 'issued' THEN e.at END) AS issued,
           min(CASE WHEN e.type = 'called' THEN e.at END) AS first_called,
           max(CASE WHEN e.type = 'serving_started' THEN e.at END) AS started,
           max(CASE WHEN e.type = 'finished' THEN e.at END) AS finished,
           max(CASE WHEN e.type = 'no_show' THEN 1 ELSE 0 END) AS no_show,
           max(CASE WHEN e.type = 'cancelled' THEN 1 ELSE 0 END) AS cancelled
    FROM events e JOIN day_tickets d ON d.id = e.ticket
    GROUP BY e.ticket
)
SELECT * FROM per_ticket
"""


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (p90 = the value 90% of samples do not exceed)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


_minutes = shared.minutes


_SEGMENT_SQL = """
SELECT e.ticket, e.type, e.at FROM events e JOIN tickets t ON t.id = e.ticket
WHERE t.service_day = :day AND e.type IN ('called', 'serving_started', 'held', 'transferred', 'finished')
ORDER BY e.ticket, e.id
"""


@dataclass
class TicketTimes:
    """The walk, service and hold time of one ticket, summed over its segments."""

    walk: list[float] = field(default_factory=list)
    service: float = 0.0
    hold: float = 0.0
    held: bool = False
    finished: bool = False


def ticket_times(rows: Iterable[Any]) -> dict[int, TicketTimes]:
    """Walk = serving started − called; service = Σ(held, transferred or finished − serving started);
    hold = Σ(called again − held). Rows are (ticket, type, at) in log order."""
    times: dict[int, TicketTimes] = {}
    called = started = held = None
    current = None
    for ticket, kind, at in rows:
        if ticket != current:
            current, called, started, held = ticket, None, None, None
        t = times.setdefault(ticket, TicketTimes())
        if kind == "called":
            if held is not None:
                t.hold += at - held
                held = None
            called = at
        elif kind == "serving_started":
            if called is not None:
                t.walk.append(at - called)
            started = at
        elif started is not None:  # held, transferred or finished ends a service segment
            t.service += at - started
            started = None
        if kind == "held":
            held, t.held = at, True
        elif kind == "finished":
            t.finished = True
    return times


def day_summary(storage: Storage, day: str) -> dict[str, Any]:
    """Tickets issued, finished and missed on *day*; waiting, walk, service and hold times; ratings."""
    rows = storage.query(_SUMMARY_SQL, {"day": day})
    segments = ticket_times(tuple(r) for r in storage.query(_SEGMENT_SQL, {"day": day}))
    ratings = storage.query(
        "SELECT r.score, r.unrated FROM ratings r JOIN tickets t ON t.id = r.ticket WHERE t.service_day = ?", (day,)
    )
    waits = [r["first_called"] - r["issued"] for r in rows if r["first_called"] is not None and r["issued"] is not None]
    services = [t.service for t in segments.values() if t.finished]
    walks = [w for t in segments.values() for w in t.walk]
    holds = [t.hold for t in segments.values() if t.held]
    finished = sum(1 for r in rows if r["finished"] is not None)
    scores = [r["score"] for r in ratings if not r["unrated"] and r["score"] is not None]
    satisfied = sum(1 for s in scores if s >= 3)
    return {
        "date": day,
        "issued": sum(1 for r in rows if r["issued"] is not None),
        "called": len(waits),
        "finished": finished,
        "no_shows": sum(r["no_show"] for r in rows),
        "cancelled": sum(r["cancelled"] for r in rows),
        "waiting_minutes_mean": _minutes(_mean(waits)),
        "waiting_minutes_p90": _minutes(percentile(waits, 0.9)),
        "service_minutes_mean": _minutes(_mean(services)),
        "walk_minutes_mean": _minutes(_mean(walks)),
        "held": len(holds),
        "hold_minutes_mean": _minutes(_mean(holds)),
        "rated": len(scores),
        "unrated": sum(1 for r in ratings if r["unrated"]),
        "rating_rate": round(len(scores) / finished, 4) if finished else None,
        "satisfaction_rate": round(satisfied / len(scores), 4) if scores else None,
        "score_distribution": {str(level): scores.count(level) for level in range(5, 0, -1)},
    }


@dataclass
class _Bucket:
    """The running figures of one report row."""

    issued: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    within_target: int = 0
    rated: int = 0
    unrated: int = 0
    satisfied: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)

    def add(self, row: Any, target_seconds: float) -> None:
        self.add_values(row["issued_at"], row["first_called_at"], row["started_at"], row["finished_at"], row["state"],
                        row["score"], row["unrated"], target_seconds)

    def add_values(self, issued: float, called: float | None, started: float | None, finished: float | None,
                   state: str, score: int | None, unrated: int | None, target_seconds: float) -> None:
        self.issued += 1
        if called is not None:
            wait = called - issued
            self.waits.append(wait)
            if wait <= target_seconds:
                self.within_target += 1
        if finished is not None:
            self.served += 1
            if started is not None and finished >= started:
                self.services.append(finished - started)
        if state == "no_show":
            self.no_shows += 1
        elif state == "cancelled":
            self.cancelled += 1
        if unrated:
            self.unrated += 1
        elif score is not None:
            self.rated += 1
            if score >= 3:
                self.satisfied += 1

    def merge(self, other: "_Bucket") -> None:
        for name in ("issued", "served", "no_shows", "cancelled", "within_target", "rated", "unrated", "satisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.waits += other.waits
        self.services += other.services

    def figures(self) -> dict[str, Any]:
        waits, services = sorted(self.waits), sorted(self.services)
        return {
            "issued": self.issued, "called": len(waits), "served": self.served,
            "no_shows": self.no_shows, "cancelled": self.cancelled,
            "waiting_minutes_mean": _minutes(_mean(waits)), "waiting_minutes_p50": _minutes(_ranked(waits, 0.5)),
            "waiting_minutes_p90": _minutes(_ranked(waits, 0.9)),
            "waiting_minutes_max": _minutes(waits[-1] if waits else None),
            "service_minutes_mean": _minutes(_mean(services)), "service_minutes_p90": _minutes(_ranked(services, 0.9)),
            "service_level": _ratio(self.within_target, len(waits)),
            "rated": self.rated, "unrated": self.unrated,
            "satisfaction_rate": _ratio(self.satisfied, self.rated), "rating_rate": _ratio(self.rated, self.served),
        }


_ranked = shared.nearest_rank
_ratio = shared.ratio


def parse_range(day_from: str | None, day_to: str | None, today: str, *, default_days: int = 7,
                max_days: int = MAX_RANGE_DAYS) -> tuple[date, date]:
    """The report's first and last day from YYYY-MM-DD texts (default: the last *default_days* up to today)."""
    try:
        end = date.fromisoformat(day_to) if day_to else date.fromisoformat(today)
        start = date.fromisoformat(day_from) if day_from else end - timedelta(days=default_days - 1)
    except ValueError:
        raise InvalidInput(N_("'from' and 'to' must be dates written YYYY-MM-DD")) from None
    if start > end:
        raise InvalidInput(N_("'from' must not be after 'to'"))
    if (end - start).days >= max_days:
        raise InvalidInput(N_("a report covers at most {max_days} days"), max_days=max_days)
    return start, end


class _HourOfDay:
    """Hour of day of a timestamp in the hall's zone, cached per quarter hour (offsets are whole quarters)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.cache: dict[int, int] = {}

    def __call__(self, at: float) -> int:
        quarter = int(at // 900)
        hour = self.cache.get(quarter)
        if hour is None:
            hour = self.cache[quarter] = datetime.fromtimestamp(quarter * 900, self.tz).hour
        return hour


def _key_function(group_by: str, tz: ZoneInfo) -> Any:
    if group_by == "day":
        return lambda row: row["service_day"]
    if group_by == "hour":
        hour_of = _HourOfDay(tz)
        return lambda row: hour_of(row["issued_at"])
    if group_by == "item":
        return lambda row: row["item"] or (f"bundle:{row['bundle']}" if row["bundle"] else "")
    if group_by == "category":
        return lambda row: row["category"]
    if group_by == "counter":
        return lambda row: row["counter"]
    return lambda row: row["staff"]


def _label(group_by: str, key: Any, names: dict[str, dict[str, tuple[str, str]]], lang: str) -> str:
    pick = 1 if lang.startswith("en") else 0
    if key is None or key == "":
        return "—"
    if group_by == "hour":
        return f"{key:02d}:00–{key:02d}:59"
    if group_by == "day":
        return str(key)
    if group_by == "item" and str(key).startswith("bundle:"):
        code = str(key)[7:]
        return names["bundle"].get(code, (code, code))[pick]
    table = names.get(group_by, {})
    found = table.get(str(key))
    if group_by == "counter":
        return found[0] if found else str(key)
    return found[pick] if found else str(key)


def _fixed_offset(tz: ZoneInfo, day_from: date, day_to: date) -> int | None:
    """The zone's UTC offset in seconds if it is the same on every day of the range (no DST change), else None."""
    offsets = set()
    day = day_from - timedelta(days=1)
    while day <= day_to + timedelta(days=1):
        for hour in (0, 12):
            offset = datetime(day.year, day.month, day.day, hour, tzinfo=tz).utcoffset()
            offsets.add(int(offset.total_seconds()) if offset is not None else 0)
        day += timedelta(days=1)
    return offsets.pop() if len(offsets) == 1 else None


def _groups_in_sql(db: Any, day_from: date, day_to: date, group_by: str, offset: int, target_seconds: float,
                   staff: str | None) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
    rows = report_queries.keyed_ticket_tuples(db, day_from.isoformat(), day_to.isoformat(), group_by,
                                              offset_seconds=offset, staff=staff)
    buckets: dict[Any, _Bucket] = {}
    for key, issued, called, started, finished, state, score, unrated in rows:
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket()
        bucket.add_values(issued, called, started, finished, state, score, unrated, target_seconds)
    total = _Bucket()
    for bucket in buckets.values():
        total.merge(bucket)
    return {key: bucket.figures() for key, bucket in buckets.items()}, total.figures()


def _groups_in_python(db: Any, day_from: date, day_to: date, group_by: str, tz: ZoneInfo, target_seconds: float,
                      staff: str | None) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
    rows = report_queries.ticket_rows(db, day_from.isoformat(), day_to.isoformat(), staff)
    key_of = _key_function(group_by, tz)
    buckets: dict[Any, _Bucket] = {}
    for row in rows:
        key = key_of(row)
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _Bucket()
        bucket.add(row, target_seconds)
    total = _Bucket()
    for bucket in buckets.values():
        total.merge(bucket)
    return {key: bucket.figures() for key, bucket in buckets.items()}, total.figures()


def report(storage: Storage, day_from: date, day_to: date, group_by: str, *, tz: ZoneInfo,
           target_minutes: float, lang: str = "zh", staff: str | None = None, engine: str = "sql") -> dict[str, Any]:
    """Tickets, waiting and service times, service level and ratings over a date range, grouped one way.

    Reads the per-ticket times that every state change keeps on the tickets table in the same
    transaction as its event (verify_projection() proves they equal the event log). SQLite computes the
    group keys and hands back plain tuples; engine="python" keys sqlite3.Row rows in Python instead
    (the reference the tests compare with, and the way used when the zone changes its UTC offset).
    """
    if group_by not in GROUPINGS:
        raise InvalidInput(N_("group_by must be one of {choices}"), choices=', '.join(GROUPINGS))
    target_seconds = target_minutes * 60.0
    offset = _fixed_offset(tz, day_from, day_to) if engine == "sql" else None
    with storage.read() as db:
        names = report_queries.labels(db)
        if offset is None:
            groups, total = _groups_in_python(db, day_from, day_to, group_by, tz, target_seconds, staff)
        else:
            groups, total = _groups_in_sql(db, day_from, day_to, group_by, offset, target_seconds, staff)
    ordered = sorted(groups, key=lambda k: (k is None or k == "", str(k) if not isinstance(k, int) else f"{k:09d}"))
    return {
        "from": day_from.isoformat(), "to": day_to.isoformat(), "group_by": group_by,
        "target_minutes": target_minutes, "clerk": staff,
        "rows": [{"key": key, "label": _label(group_by, key, names, lang), **groups[key]} for key in ordered],
        "total": {"key": "total", "label": "total", **total}, "definitions": DEFINITIONS,
    }


#: The event types that move a ticket: its state is the `to` of the last one.
TICKET_EVENT_TYPES = tuple(action.value for action in TicketAction)
_TIMES = ("issued_at", "first_called_at", "started_at", "finished_at", "state")


def verify_projection(storage: Storage, ticket_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Tickets whose stored times or state differ from the ones rebuilt from the event log (empty = equal).

    Only the ticket's own events (one per TicketAction) rebuild it; ratings, follow-ups, back-office steps
    and notes share the log but never change a ticket's state.
    """
    ids = list(ticket_ids) if ticket_ids is not None else None
    with storage.read() as db:
        stored = report_queries.projection_rows(db, ids)
        rebuilt = report_queries.rebuilt_rows(db, TICKET_EVENT_TYPES, ids)
    mismatches = []
    for ticket_id in sorted(set(stored) | set(rebuilt)):
        mine, theirs = stored.get(ticket_id), rebuilt.get(ticket_id)
        if mine is None or theirs is None:
            mismatches.append({"ticket": ticket_id, "field": "*", "tickets": mine, "events": theirs})
            continue
        for name in _TIMES:
            if mine[name] != theirs[name]:
                mismatches.append({"ticket": ticket_id, "field": name, "tickets": mine[name], "events": theirs[name]})
    return mismatches
