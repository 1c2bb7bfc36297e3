"""Queries of appointments (预约) and of the kiosk's most-used items; callers hold a Storage transaction."""

from __future__ import annotations

from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


def insert_appointment(db: Db, values: dict[str, Any]) -> None:
    db["appointments"].insert(values)


def appointment(db: Db, code: str) -> dict[str, Any] | None:
    row = db.execute("SELECT rowid AS id, * FROM appointments WHERE code = ?", [code]).fetchone()
    return dict(row) if row else None


def appointments_of_day(db: Db, service_day: str) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT a.*, t.number AS ticket_number, t.state AS ticket_state FROM appointments a "
        "LEFT JOIN tickets t ON t.id = a.ticket WHERE a.service_day = ? ORDER BY a.slot_start, a.code",
        [service_day],
    ).fetchall()
    return [dict(r) for r in rows]


def mark_checked_in(db: Db, code: str, ticket_id: int, at: float, *, late: bool = False) -> None:
    db.execute("UPDATE appointments SET state = 'checked_in', ticket = ?, checked_in_at = ?, late = ? WHERE code = ?",
               [ticket_id, at, int(late), code])


def mark_cancelled(db: Db, code: str, at: float) -> None:
    db.execute("UPDATE appointments SET state = 'cancelled', cancelled_at = ? WHERE code = ?", [at, code])


def appointment_by_token(db: Db, token: str) -> dict[str, Any] | None:
    row = db.execute("SELECT rowid AS id, * FROM appointments WHERE token = ?", [token]).fetchone()
    return dict(row) if row else None


def appointment_by_id(db: Db, booking_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT rowid AS id, * FROM appointments WHERE rowid = ?", [booking_id]).fetchone()
    return dict(row) if row else None


def booked_by_id_digest(db: Db, digest: str, service_day: str) -> dict[str, Any] | None:
    """The open booking of *service_day* made with this keyed ID-number digest (the kiosk's card reader)."""
    row = db.execute("SELECT rowid AS id, * FROM appointments WHERE id_digest = ? AND service_day = ? "
                     "AND state = 'booked' ORDER BY slot_start LIMIT 1", [digest, service_day]).fetchone()
    return dict(row) if row else None


def open_bookings_of_contact(db: Db, contact: int, since_day: str) -> list[dict[str, Any]]:
    rows = db.execute("SELECT rowid AS id, * FROM appointments WHERE contact = ? AND service_day >= ? "
                      "AND state = 'booked' ORDER BY slot_start", [contact, since_day]).fetchall()
    return [dict(r) for r in rows]


def due_reminders(db: Db, now: float, ahead_seconds: float, limit: int = 200) -> list[dict[str, Any]]:
    """Booked slots starting within *ahead_seconds* (and not over) whose reminder has not gone out."""
    rows = db.execute("SELECT rowid AS id, * FROM appointments WHERE reminded_at IS NULL AND state = 'booked' "
                      "AND slot_start <= ? AND slot_end > ? AND contact IS NOT NULL ORDER BY slot_start LIMIT ?",
                      [now + ahead_seconds, now, limit]).fetchall()
    return [dict(r) for r in rows]


def mark_reminded(db: Db, code: str, at: float) -> None:
    db.execute("UPDATE appointments SET reminded_at = ? WHERE code = ?", [at, code])


def update_booking(db: Db, code: str, **values: Any) -> None:
    assignments = ", ".join(f"{column} = ?" for column in values)
    db.execute(f"UPDATE appointments SET {assignments} WHERE code = ?", [*values.values(), code])


# ---- plans, a day's capacity, the slots' bookings ------------------------------------------------

def plans(db: Db) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute("SELECT * FROM appointment_plans ORDER BY scope, code")]


def plan(db: Db, scope: str, code: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM appointment_plans WHERE scope = ? AND code = ?", [scope, code]).fetchone()
    return dict(row) if row else None


def save_plan(db: Db, values: dict[str, Any]) -> None:
    db["appointment_plans"].upsert(values, pk=("scope", "code"))


def delete_plan(db: Db, scope: str, code: str) -> None:
    db.execute("DELETE FROM appointment_plans WHERE scope = ? AND code = ?", [scope, code])


def day_capacity(db: Db, service_day: str, scope: str, code: str) -> int | None:
    row = db.execute("SELECT capacity FROM appointment_days WHERE service_day = ? AND scope = ? AND code = ?",
                     [service_day, scope, code]).fetchone()
    return int(row[0]) if row else None


def set_day_capacity(db: Db, service_day: str, scope: str, code: str, capacity: int | None) -> None:
    if capacity is None:
        db.execute("DELETE FROM appointment_days WHERE service_day = ? AND scope = ? AND code = ?",
                   [service_day, scope, code])
    else:
        db["appointment_days"].upsert({"service_day": service_day, "scope": scope, "code": code,
                                       "capacity": capacity}, pk=("service_day", "scope", "code"))


def days_with_capacity(db: Db, since_day: str) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute("SELECT * FROM appointment_days WHERE service_day >= ? "
                                        "ORDER BY service_day, scope, code", [since_day])]


def slot_bookings(db: Db, service_day: str, scope: str, code: str) -> dict[float, int]:
    """Bookings per slot start of one day's plan (by the primary key's prefix)."""
    rows = db.execute("SELECT slot_start, booked FROM appointment_slots WHERE service_day = ? AND scope = ? "
                      "AND code = ?", [service_day, scope, code]).fetchall()
    return {float(r[0]): int(r[1]) for r in rows}


def take_slot(db: Db, service_day: str, scope: str, code: str, slot_start: float) -> int:
    """One more booking in a slot; returns the slot's bookings now."""
    db.execute("INSERT INTO appointment_slots (service_day, scope, code, slot_start, booked) VALUES (?, ?, ?, ?, 1) "
               "ON CONFLICT DO UPDATE SET booked = booked + 1", [service_day, scope, code, slot_start])
    return int(db.execute("SELECT booked FROM appointment_slots WHERE service_day = ? AND scope = ? AND code = ? "
                          "AND slot_start = ?", [service_day, scope, code, slot_start]).fetchone()[0])


def release_slot(db: Db, booking: dict[str, Any]) -> None:
    scope, code = ("bundle", booking["bundle"]) if booking["bundle"] else ("item", booking["item"])
    db.execute("UPDATE appointment_slots SET booked = max(booked - 1, 0) WHERE service_day = ? AND scope = ? "
               "AND code = ? AND slot_start = ?", [booking["service_day"], scope, code, booking["slot_start"]])


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
