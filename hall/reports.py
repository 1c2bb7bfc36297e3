"""Managers' figures, computed from the append-only event log."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .storage import Storage

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


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60.0, 2)


def day_summary(storage: Storage, day: str) -> dict[str, Any]:
    """Tickets issued, finished and missed on *day*, waiting and service times, ratings."""
    rows = storage.query(_SUMMARY_SQL, {"day": day})
    ratings = storage.query(
        "SELECT r.score, r.unrated FROM ratings r JOIN tickets t ON t.id = r.ticket WHERE t.service_day = ?", (day,)
    )
    waits = [r["first_called"] - r["issued"] for r in rows if r["first_called"] is not None and r["issued"] is not None]
    services = [r["finished"] - r["started"] for r in rows
                if r["finished"] is not None and r["started"] is not None and r["finished"] >= r["started"]]
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
        "rated": len(scores),
        "unrated": sum(1 for r in ratings if r["unrated"]),
        "rating_rate": round(len(scores) / finished, 4) if finished else None,
        "satisfaction_rate": round(satisfied / len(scores), 4) if scores else None,
        "score_distribution": {str(level): scores.count(level) for level in range(5, 0, -1)},
    }
