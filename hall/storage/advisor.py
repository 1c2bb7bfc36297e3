"""Queries of the staffing advisor and the wait estimates: the record as visits, the day so far for a
wait snapshot, and each finished day's estimate error. Callers hold a Storage transaction.

Every query is bounded by the service day (or a range of days) through the tickets_day, tickets_report
or appointments_day index.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from ..advisor.accuracy import EstimatedWait, EstimateError, estimate_error
from ..advisor.snapshot import CounterNow, DayHistory, MixPrior
from ..advisor.timeline import midnight
from ..advisor.workload import Service, Visit
from ..domain.routing import CounterView

Db = sqlite_utils.Database

_VISITS_SQL = """
SELECT t.id, t.service_day, t.category, t.item, t.bundle, t.priority, t.appointment, t.state, t.issued_at,
       t.first_called_at, t.started_at, t.finished_at,
       (SELECT count(*) FROM events e WHERE e.ticket = t.id AND e.type = 'recalled') AS recalls
FROM tickets t WHERE t.service_day BETWEEN ? AND ? ORDER BY t.service_day, t.issued_at
"""


def bundle_items(db: Db) -> dict[str, frozenset[str]]:
    """Every bundle's items (inactive bundles too: old tickets still name them)."""
    found: dict[str, set[str]] = {}
    for r in db.execute("SELECT bundle, item FROM bundle_items").fetchall():
        found.setdefault(r["bundle"], set()).add(r["item"])
    return {code: frozenset(items) for code, items in found.items()}


def catalogue_minutes(db: Db) -> dict[str, float]:
    """The catalogue's mean minutes per item (the prior of a hall without a record)."""
    return {r["code"]: r["avg_service_minutes"]
            for r in db.execute("SELECT code, avg_service_minutes FROM service_items").fetchall()}


def _service(row: Any, bundles: Mapping[str, frozenset[str]]) -> Service:
    if row["bundle"]:
        return Service(f"bundle:{row['bundle']}", row["category"], bundles.get(row["bundle"], frozenset()))
    return Service(row["item"] or "", row["category"], frozenset({row["item"]}) if row["item"] else frozenset())


def visits(db: Db, day_from: str, day_to: str, tz: ZoneInfo) -> list[Visit]:
    """Every ticket issued on the service days of the range, times in seconds since its day's midnight."""
    bundles = bundle_items(db)
    midnights: dict[str, float] = {}
    result = []
    for r in db.execute(_VISITS_SQL, [day_from, day_to]).fetchall():
        day = r["service_day"]
        base = midnights.get(day)
        if base is None:
            base = midnights[day] = midnight(date.fromisoformat(day), tz)
        result.append(Visit(day=date.fromisoformat(day), service=_service(r, bundles), issued=r["issued_at"] - base,
                            first_called=_since(base, r["first_called_at"]), started=_since(base, r["started_at"]),
                            finished=_since(base, r["finished_at"]), state=r["state"], priority=bool(r["priority"]),
                            appointment=r["appointment"] is not None, recalls=r["recalls"]))
    return result


def _since(base: float, at: float | None) -> float | None:
    return None if at is None else at - base


# ---- the day so far, for a wait snapshot ---------------------------------------------------------

def day_history(db: Db, day: str, prior: MixPrior, recent: int = 30) -> DayHistory:
    """The day's cases so far as a DayHistory, from three queries over the day's tickets."""
    history = DayHistory()
    for r in reversed(db.execute(
            "SELECT finished_at - first_called_at AS cycle FROM tickets WHERE service_day = ? AND state = 'finished' "
            "AND first_called_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?", [day, recent]).fetchall()):
        history.recent_cycles.append(r["cycle"])
    for r in db.execute(
            "SELECT item, count(first_called_at) AS calls, sum(state = 'no_show') AS no_shows, "
            "sum(CASE WHEN state = 'finished' AND started_at IS NOT NULL THEN started_at - first_called_at END) "
            "AS walk, "
            "sum(CASE WHEN state = 'finished' AND started_at IS NOT NULL THEN finished_at - started_at END) "
            "AS seconds, "
            "sum(state = 'finished' AND started_at IS NOT NULL) AS cases FROM tickets WHERE service_day = ? "
            "GROUP BY item", [day]).fetchall():
        history.calls += r["calls"] or 0
        history.no_shows += r["no_shows"] or 0
        history.walk_total += max(0.0, r["walk"] or 0.0)
        history.walks += r["cases"] or 0
        if r["item"] is not None and r["cases"]:  # single-item tickets: bundle tickets have no item
            history.item_cases[r["item"]] = r["cases"]
            history.item_seconds[r["item"]] = r["seconds"]
            history.observed_seconds += r["seconds"]
            history.prior_seconds += r["cases"] * prior.item_seconds.get(r["item"], 480.0)
    last = db.execute(
        "SELECT first_called_at, first_called_at - issued_at AS wait FROM tickets WHERE service_day = ? "
        "AND first_called_at IS NOT NULL ORDER BY first_called_at DESC LIMIT 1", [day]).fetchone()
    if last is not None:
        history.last_call_at, history.last_call_wait = last["first_called_at"], last["wait"]
    return history


@dataclass(frozen=True)
class DayRows:
    """What a wait estimate reads of the day besides the queue, as of one version of the day.

    Everything that depends on the moment (who is in hand for how long, the priority walk-ins of the last
    hour, the bookings due around now) is computed from these rows at that moment, so one DayRows serves
    every estimate until the day's version changes.
    """

    history: DayHistory
    counters: tuple[Any, ...]
    bundles: Mapping[str, frozenset[str]]
    first_ticket_at: float | None
    #: issued_at of the day's priority walk-ins (not appointments), ascending.
    priority_times: tuple[float, ...]
    #: slot_start of the day's bookings not yet checked in, ascending.
    booked_slots: tuple[float, ...]


def day_version(db: Db) -> int:
    """The day's version (triggers bump it on every change a DayRows reads, migration 1102)."""
    row = db.execute("SELECT version FROM hall_versions WHERE name = 'day'").fetchone()
    return int(row[0]) if row else 0


def day_rows(db: Db, day: str, prior: MixPrior) -> DayRows:
    """The day's rows for wait estimates: a handful of queries bounded by the service day."""
    counters = tuple(db.execute(
        "SELECT c.number, c.state AS counter_state, t.state, t.item, t.bundle, t.called_at, t.started_at "
        "FROM counters c LEFT JOIN tickets t ON t.id = c.current_ticket ORDER BY c.number").fetchall())
    bundles = bundle_items(db) if any(r["bundle"] for r in counters) else {}
    return DayRows(
        history=day_history(db, day, prior), counters=counters, bundles=bundles,
        first_ticket_at=db.execute("SELECT min(issued_at) FROM tickets WHERE service_day = ?", [day]).fetchone()[0],
        priority_times=tuple(r[0] for r in db.execute(
            "SELECT issued_at FROM tickets WHERE service_day = ? AND priority = 1 AND appointment IS NULL "
            "ORDER BY issued_at", [day]).fetchall()),
        booked_slots=tuple(r[0] for r in db.execute(
            "SELECT slot_start FROM appointments WHERE service_day = ? AND state = 'booked' ORDER BY slot_start",
            [day]).fetchall()),
    )


def counters_now(rows: DayRows, views: Mapping[int, CounterView], walk_seconds: float) -> list[CounterNow]:
    """Every counter as the estimate sees it: open or not, and since when it has had its case in hand."""
    result = []
    for r in rows.counters:
        view = views.get(r["number"])
        if view is None:
            continue
        since = items = None
        if r["state"] in ("called", "serving"):
            since = r["started_at"] - walk_seconds if r["state"] == "serving" and r["started_at"] else r["called_at"]
            if r["bundle"]:
                items = rows.bundles.get(r["bundle"], frozenset())
            else:
                items = frozenset({r["item"]}) if r["item"] else frozenset()
        result.append(CounterNow(view, r["counter_state"] == "open", since, items))
    return result


def priority_walk_ins_since(rows: DayRows, since: float) -> int:
    """Priority (绿色通道) tickets issued since *since* that were not appointments."""
    return len(rows.priority_times) - bisect.bisect_left(rows.priority_times, since)


def appointments_due(rows: DayRows, now: float, horizon: float) -> int:
    """Bookings not checked in whose slot started within the last *horizon* or starts within the next."""
    return bisect.bisect_right(rows.booked_slots, now + horizon) - bisect.bisect_left(rows.booked_slots, now - horizon)


# ---- the estimate error of a finished day -----------------------------------------------------------

def day_estimates(db: Db, day: str) -> list[EstimatedWait]:
    """Each called ticket of the day: its shown estimate and its actual wait (minutes)."""
    rows = db.execute(
        "SELECT estimated_wait_minutes, estimated_wait_low, estimated_wait_high, first_called_at - issued_at AS wait "
        "FROM tickets WHERE service_day = ? AND first_called_at IS NOT NULL", [day]).fetchall()
    return [EstimatedWait(r["estimated_wait_minutes"], r["estimated_wait_low"], r["estimated_wait_high"],
                          max(0.0, r["wait"]) / 60.0) for r in rows]


def record_day_estimate_error(db: Db, day: str, *, at: float | None = None) -> EstimateError:
    """Compute *day*'s estimate error from its tickets and store it (again, if the day is recorded twice).

    The day-closing job calls this once the day is over, inside its write transaction.
    """
    error = estimate_error(day_estimates(db, day))
    db.execute(
        "INSERT INTO estimate_errors (service_day, tickets, ranged, mean_abs_minutes, p90_abs_minutes, bias_minutes, "
        "coverage, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (service_day) DO UPDATE SET "
        "tickets = excluded.tickets, ranged = excluded.ranged, mean_abs_minutes = excluded.mean_abs_minutes, "
        "p90_abs_minutes = excluded.p90_abs_minutes, bias_minutes = excluded.bias_minutes, "
        "coverage = excluded.coverage, recorded_at = excluded.recorded_at",
        [day, error.tickets, error.ranged, error.mean_abs_minutes, error.p90_abs_minutes, error.bias_minutes,
         error.coverage, time.time() if at is None else at])
    return error


def estimate_errors(db: Db, day_from: str, day_to: str) -> list[dict[str, Any]]:
    """The recorded estimate errors of the days in the range, oldest first."""
    rows = db.execute("SELECT * FROM estimate_errors WHERE service_day BETWEEN ? AND ? ORDER BY service_day",
                      [day_from, day_to]).fetchall()
    return [dict(r) for r in rows]
