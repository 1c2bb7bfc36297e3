"""Prefecture reports: every hall, by hall, agency, region code, item, category, day, week or month.

Read from the rollups kept on ingest, summed in one query, and turned into figures by the shared
definitions (``hall.domain.figures``), so a hall and the prefecture give the same figures from the
same events. ``recompute`` rebuilds a hall's rollups from its stored events, to check them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import psycopg

from hall import reports as hall_reports
from hall.domain import figures as shared
from hall.domain.errors import InvalidInput as HallInvalidInput
from hall.domain.figures import BINS, HISTOGRAMS, SCALARS, Tally

from .db import Database
from .errors import InvalidInput
from .projection import Fold
from .store import reports as store

GROUPINGS = ("hall", "agency", "region", "item", "category", "day", "week", "month")
FILTERS = ("hall", "agency", "region", "item", "category")
MAX_RANGE_DAYS = 800
#: Figures of a report row, in the order of the CSV and XLSX columns.
FIGURES = ("issued", "called", "accepted", "completed", "no_shows", "cancelled", "waiting_minutes_mean",
           "waiting_minutes_p90", "service_level", "service_minutes_mean", "service_minutes_p90", "rated",
           "satisfaction_rate", "rating_rate", "bad_ratings", "followups_open", "followups_overdue")


def parse_range(day_from: str | None, day_to: str | None, today: date) -> tuple[date, date]:
    """First and last day of a report from YYYY-MM-DD texts (default: the last 30 days up to today)."""
    try:
        return hall_reports.parse_range(day_from, day_to, today.isoformat(), default_days=30,
                                        max_days=MAX_RANGE_DAYS)
    except HallInvalidInput as exc:
        raise InvalidInput(str(exc)) from None


def whole_months(day_from: date, day_to: date) -> tuple[date, date] | None:
    """The first and last whole calendar month inside the range, or None."""
    first = day_from if day_from.day == 1 else date(day_from.year + (day_from.month == 12),
                                                    day_from.month % 12 + 1, 1)
    after = day_to + timedelta(days=1)
    last = date(after.year, after.month, 1)
    last = date(last.year - (last.month == 1), (last.month - 2) % 12 + 1, 1)
    return (first, last) if first <= last else None


def tally_of(row: Mapping[str, Any]) -> Tally:
    """A Tally from a grouped row (histogram bins as <name>_<bin>)."""
    values: dict[str, Any] = {name: row[name] or 0 for name in SCALARS}
    for name in HISTOGRAMS:
        values[name] = [int(row[f"{name}_{i}"] or 0) for i in range(BINS)]
    for name in SCALARS:
        if name not in ("wait_sum", "service_sum"):
            values[name] = int(values[name])
        else:
            values[name] = float(values[name])
    return Tally(**values)


def _label(group_by: str, key: Any, names: dict[str, dict[str, tuple[str, str]]], lang: str) -> str:
    pick = 1 if lang == "en" else 0
    if key in (None, ""):
        return "—"
    if group_by in ("day", "week", "month", "region"):
        return key.isoformat()[:7] if group_by == "month" else str(key)
    found = names.get(group_by, {}).get(str(key))
    return found[pick] if found else str(key)


class Reports:
    """Reports over the rollups."""

    def __init__(self, db: Database, target_minutes: float = 15) -> None:
        self.db = db
        self.target_minutes = target_minutes

    def report(self, day_from: date, day_to: date, group_by: str, *, filters: Mapping[str, str] | None = None,
               target_minutes: float | None = None, lang: str = "zh") -> dict[str, Any]:
        """Figures per group over the range, and the total."""
        if group_by not in GROUPINGS:
            raise InvalidInput(f"group_by must be one of {', '.join(GROUPINGS)}")
        filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
        target = float(target_minutes if target_minutes is not None else self.target_minutes)
        if not 0 < target <= 60:
            raise InvalidInput("target_minutes must be more than 0 and at most 60")
        item_level = group_by in ("item", "category") or bool(filters.get("item") or filters.get("category"))
        months = None if group_by in ("day", "week") else whole_months(day_from, day_to)
        with self.db.transaction() as conn:
            rows = store.grouped(conn, group_by, day_from, day_to, item_level=item_level, months=months,
                                 filters=filters)
            names = store.labels(conn)
        tallies = {row["key"]: tally_of(row) for row in rows}
        ordered = sorted(tallies, key=lambda k: (k in (None, ""), str(k)))
        total = shared.total(tallies.values())
        return {
            "from": day_from.isoformat(), "to": day_to.isoformat(), "group_by": group_by, "filters": filters,
            "target_minutes": target,
            "rows": [{"key": str(key), "label": _label(group_by, key, names, lang),
                      **shared.figures(tallies[key], target)} for key in ordered],
            "total": {"key": "total", "label": "total", **shared.figures(total, target)},
            "definitions": shared.DEFINITIONS,
        }


def recompute(conn: psycopg.Connection, hall: int) -> dict[tuple[date, str, str], Tally]:
    """The hall's (day, category, item) tallies rebuilt from its stored events alone."""
    refs = {r["id"]: {**r, "service_day": r["service_day"].isoformat()} for r in conn.execute(
        "SELECT id, service_day, number, category, item, bundle FROM tickets WHERE hall = %s", [hall]).fetchall()}
    fold = Fold(hall, {}, refs)
    with conn.cursor(name="recompute_events") as cur:
        cur.itersize = 5000
        cur.execute("SELECT id, at, type, ticket, counter, staff, data FROM events WHERE hall = %s ORDER BY id",
                    [hall])
        for event in cur:
            fold.apply(event)
    return fold.deltas


def stored_rollups(conn: psycopg.Connection, hall: int) -> dict[tuple[date, str, str], Tally]:
    rows = conn.execute("SELECT * FROM figures_day WHERE hall = %s", [hall]).fetchall()
    return {(r["day"], r["category"], r["item_key"]): Tally.from_row(r) for r in rows}


def check_rollups(db: Database, hall: int) -> list[str]:
    """Differences between the hall's rollups and a recomputation from its events (empty: equal)."""
    with db.transaction() as conn:
        rebuilt, stored = recompute(conn, hall), stored_rollups(conn, hall)
    problems = []
    for key in sorted(set(rebuilt) | set(stored)):
        mine, theirs = stored.get(key, Tally()).as_row(), rebuilt.get(key, Tally()).as_row()
        diff = {name: (value, theirs[name]) for name, value in mine.items() if not _equal(value, theirs[name])}
        if diff:
            problems.append(f"{key}: {diff}")
    return problems


def _equal(a: Any, b: Any) -> bool:
    """Equal counts and histograms; sums of seconds equal to a microsecond (float addition order differs)."""
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) < 1e-6 * max(1.0, abs(float(a)))
    return bool(a == b)

