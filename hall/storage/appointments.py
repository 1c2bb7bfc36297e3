"""Queries of appointments (预约) and of the kiosk's most-used items; callers hold a Storage transaction."""

from __future__ import annotations

from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


def insert_appointment(db: Db, values: dict[str, Any]) -> None:
    db["appointments"].insert(values)


def appointment(db: Db, code: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM appointments WHERE code = ?", [code]).fetchone()
    return dict(row) if row else None


def appointments_of_day(db: Db, service_day: str) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT a.*, t.number AS ticket_number, t.state AS ticket_state FROM appointments a "
        "LEFT JOIN tickets t ON t.id = a.ticket WHERE a.service_day = ? ORDER BY a.slot_start, a.code",
        [service_day],
    ).fetchall()
    return [dict(r) for r in rows]


def mark_checked_in(db: Db, code: str, ticket_id: int, at: float) -> None:
    db.execute("UPDATE appointments SET state = 'checked_in', ticket = ?, checked_in_at = ? WHERE code = ?",
               [ticket_id, at, code])


def mark_cancelled(db: Db, code: str) -> None:
    db.execute("UPDATE appointments SET state = 'cancelled' WHERE code = ?", [code])


def most_used(db: Db, since_day: str, limit: int) -> dict[str, list[str]]:
    """The items and bundles taken most often since *since_day*, most used first."""
    items = db.execute(
        "SELECT item, count(*) AS n FROM tickets WHERE service_day >= ? AND item IS NOT NULL "
        "GROUP BY item ORDER BY n DESC, item LIMIT ?", [since_day, limit],
    ).fetchall()
    bundles = db.execute(
        "SELECT bundle, count(*) AS n FROM tickets WHERE service_day >= ? AND bundle IS NOT NULL "
        "GROUP BY bundle ORDER BY n DESC, bundle LIMIT ?", [since_day, limit],
    ).fetchall()
    return {"items": [r["item"] for r in items], "bundles": [r["bundle"] for r in bundles]}
