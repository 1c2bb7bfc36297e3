"""Report queries: per-ticket times of a date range, and the same times rebuilt from the event log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

Db = sqlite_utils.Database

#: One row per ticket of the range; the tickets_report index covers every column but the rating.
_TICKETS_SQL = """
SELECT t.service_day, t.issued_at, t.first_called_at, t.started_at, t.finished_at, t.state,
       t.category, t.item, t.bundle, t.counter, t.staff, r.score, r.unrated
FROM tickets t LEFT JOIN ratings r ON r.ticket = t.id
WHERE t.service_day BETWEEN ? AND ? {staff_filter}
"""

#: The per-ticket times as the event log says they are; compared with the tickets table.
_REBUILD_SQL = """
SELECT e.ticket AS id,
       min(CASE WHEN e.type = 'issued' THEN e.at END) AS issued_at,
       min(CASE WHEN e.type = 'called' THEN e.at END) AS first_called_at,
       max(CASE WHEN e.type = 'serving_started' THEN e.at END) AS started_at,
       max(CASE WHEN e.type = 'finished' THEN e.at END) AS finished_at,
       coalesce((SELECT json_extract(l.data, '$.to') FROM events l
                  WHERE l.ticket = e.ticket AND l.type IN ({ticket_types})
                    AND json_extract(l.data, '$.to') IS NOT NULL
                  ORDER BY l.id DESC LIMIT 1), 'waiting') AS state
FROM events e WHERE e.ticket IS NOT NULL {ticket_filter}
GROUP BY e.ticket
"""


def ticket_rows(db: Db, day_from: str, day_to: str, staff: str | None = None) -> list[Any]:
    """Per-ticket times, state, grouping keys and rating of every ticket issued on days in the range."""
    params: list[Any] = [day_from, day_to]
    staff_filter = ""
    if staff is not None:
        staff_filter = "AND t.staff = ?"
        params.append(staff)
    return db.execute(_TICKETS_SQL.format(staff_filter=staff_filter), params).fetchall()


def projection_rows(db: Db, ticket_ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """The tickets table's per-ticket times and state, by ticket id."""
    sql = "SELECT id, issued_at, first_called_at, started_at, finished_at, state FROM tickets"
    params: list[Any] = []
    if ticket_ids is not None:
        sql += f" WHERE id IN ({','.join('?' * len(ticket_ids))})"
        params = list(ticket_ids)
    return {r["id"]: dict(r) for r in db.execute(sql, params).fetchall()}


def rebuilt_rows(db: Db, ticket_types: Sequence[str],
                 ticket_ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """The per-ticket times and state rebuilt from the events table alone, by ticket id.

    The state is the `to` of the ticket's last event whose type is one of *ticket_types* (a ticket's own
    moves): back-office and follow-up steps log a `to` of their own, which is not the ticket's state.
    """
    params: list[Any] = list(ticket_types)
    ticket_filter = ""
    if ticket_ids is not None:
        ticket_filter = f"AND e.ticket IN ({','.join('?' * len(ticket_ids))})"
        params += list(ticket_ids)
    sql = _REBUILD_SQL.format(ticket_types=",".join("?" * len(ticket_types)), ticket_filter=ticket_filter)
    return {r["id"]: dict(r) for r in db.execute(sql, params).fetchall()}


def labels(db: Db) -> dict[str, dict[str, tuple[str, str]]]:
    """Names (zh, en) of items, bundles, categories, counters and staff, for report rows."""
    return {
        "item": {r["code"]: (r["name_zh"], r["name_en"])
                 for r in db.execute("SELECT code, name_zh, name_en FROM service_items")},
        "bundle": {r["code"]: (r["name_zh"], r["name_en"])
                   for r in db.execute("SELECT code, name_zh, name_en FROM bundles")},
        "category": {r["code"]: (r["name_zh"], r["name_en"])
                     for r in db.execute("SELECT code, name_zh, name_en FROM categories")},
        "counter": {str(r["number"]): (r["name"], r["name"]) for r in db.execute("SELECT number, name FROM counters")},
        "clerk": {r["username"]: (r["display_name"], r["display_name"])
                  for r in db.execute("SELECT username, display_name FROM staff")},
    }


#: SQL expressions of the grouping keys; {offset} is the hall's fixed UTC offset in seconds.
GROUP_KEYS = {
    "day": "t.service_day",
    "hour": "CAST(strftime('%H', t.issued_at + {offset}, 'unixepoch') AS INTEGER)",
    "item": "coalesce(t.item, 'bundle:' || t.bundle, '')",
    "category": "t.category",
    "counter": "t.counter",
    "clerk": "t.staff",
}

_KEYED_SQL = """
SELECT {key}, t.issued_at, t.first_called_at, t.started_at, t.finished_at, t.state, r.score, r.unrated
FROM tickets t LEFT JOIN ratings r ON r.ticket = t.id
WHERE t.service_day BETWEEN ? AND ? {staff_filter}
"""


def keyed_ticket_tuples(db: Db, day_from: str, day_to: str, group_by: str, *, offset_seconds: int,
                        staff: str | None = None) -> list[tuple[Any, ...]]:
    """(group key, issued, first called, started, finished, state, score, unrated) per ticket, as plain tuples.

    Plain tuples and a key computed by SQLite keep a year of tickets (~365,000 rows) well under a second.
    """
    params: list[Any] = [day_from, day_to]
    staff_filter = ""
    if staff is not None:
        staff_filter = "AND t.staff = ?"
        params.append(staff)
    sql = _KEYED_SQL.format(key=GROUP_KEYS[group_by].format(offset=int(offset_seconds)), staff_filter=staff_filter)
    cursor = db.conn.cursor()
    cursor.row_factory = None
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()
