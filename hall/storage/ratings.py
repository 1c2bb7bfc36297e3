"""SQL of ratings, follow-ups of bad ratings and the satisfaction figures; callers hold a transaction."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from .repo import append_event

Db = sqlite_utils.Database


def _followup(row: Any) -> dict[str, Any]:
    values = dict(row)
    values["reasons"] = json.loads(values["reasons"])
    return values


def insert_followup(db: Db, values: dict[str, Any]) -> int:
    """Open a follow-up; ``values['reasons']`` is a list."""
    row = {**values, "reasons": json.dumps(list(values.get("reasons", [])), ensure_ascii=False)}
    return int(db["followups"].insert(row).last_pk)


def followup(db: Db, followup_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM followups WHERE id = ?", [followup_id]).fetchone()
    return _followup(row) if row else None


def followup_of_ticket(db: Db, ticket_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM followups WHERE ticket = ?", [ticket_id]).fetchone()
    return _followup(row) if row else None


def followups(db: Db, *, staff: str | None = None) -> list[dict[str, Any]]:
    """Every follow-up (or one clerk's), most urgent first."""
    sql = "SELECT * FROM followups"
    params: list[Any] = []
    if staff is not None:
        sql += " WHERE staff = ?"
        params.append(staff)
    rows = db.execute(sql + " ORDER BY due_at, id", params).fetchall()
    return [_followup(r) for r in rows]


def followups_of_days(db: Db, first_day: str, last_day: str) -> list[dict[str, Any]]:
    """Follow-ups of the tickets served on the service days [first_day, last_day]."""
    rows = db.execute("SELECT f.* FROM followups f JOIN tickets t ON t.id = f.ticket "
                      "WHERE t.service_day BETWEEN ? AND ? ORDER BY f.id", [first_day, last_day]).fetchall()
    return [_followup(r) for r in rows]


def update_followup(db: Db, followup_id: int, values: dict[str, Any]) -> None:
    db["followups"].update(followup_id, values)


def erase_contact_phone(db: Db, followup_id: int) -> None:
    """Forget the citizen's phone number (its masked form stays)."""
    db.execute("UPDATE followups SET contact_phone = NULL WHERE id = ?", [followup_id])


def overdue_unflagged(db: Db, now: float) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT * FROM followups WHERE state IN ('open', 'appealed') AND due_at < ? AND overdue_flagged_at IS NULL "
        "ORDER BY due_at, id", [now]).fetchall()
    return [_followup(r) for r in rows]


def log_followup(db: Db, *, at: float, ticket: int, counter: int | None, staff: str | None, kind: str,
                 data: dict[str, Any]) -> None:
    """Each step of a follow-up goes into the append-only event log of its ticket."""
    append_event(db, at=at, type=kind, ticket=ticket, counter=counter, staff=staff, data=data)


def finished_cases(db: Db, first_day: str, last_day: str) -> list[dict[str, Any]]:
    """Finished tickets of the service days [first_day, last_day] with their rating (if counted) and items."""
    rows = db.execute(
        """
        SELECT t.id AS ticket, t.service_day AS day, t.counter, t.staff, t.category,
               CASE WHEN r.unrated = 0 AND coalesce(f.state, '') != 'voided' THEN r.score END AS score,
               (SELECT group_concat(ti.item, ',') FROM ticket_items ti WHERE ti.ticket = t.id) AS items,
               (SELECT group_concat(DISTINCT si.category) FROM ticket_items ti
                  JOIN service_items si ON si.code = ti.item WHERE ti.ticket = t.id) AS categories
        FROM tickets t
        LEFT JOIN ratings r ON r.ticket = t.id
        LEFT JOIN followups f ON f.ticket = t.id
        WHERE t.state = 'finished' AND t.service_day BETWEEN ? AND ?
        ORDER BY t.id
        """, [first_day, last_day]).fetchall()
    return [dict(r) for r in rows]


def evaluator_device(db: Db, counter: int, name: str) -> dict[str, Any] | None:
    """A registered evaluator device of *counter* by name (serial keypads register themselves once)."""
    row = db.execute("SELECT * FROM devices WHERE kind = 'evaluator' AND counter = ? AND name = ? AND active = 1",
                     [counter, name]).fetchone()
    return dict(row) if row else None
