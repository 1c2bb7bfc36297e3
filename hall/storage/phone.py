"""Queries of remote tickets, ticket watches and notices; callers hold a Storage transaction.

Bounded by indexes: remote tickets by (service_day, state) of the partial remote index, watches by
ticket, by contact or by the day's pending ones, notices by (subject, kind, key) and their id.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from ..domain.states import OPEN

Db = sqlite_utils.Database
_OPEN = tuple(s.value for s in OPEN)


def open_remote_of_contact(db: Db, contact_id: int, day: str) -> int | None:
    """The id of the contact's open remote ticket of *day*, if any."""
    row = db.execute(
        f"SELECT t.id FROM ticket_watch w JOIN tickets t ON t.id = w.ticket WHERE w.contact = ? "
        f"AND t.service_day = ? AND t.channel = 'remote' AND t.state IN ({','.join('?' * len(_OPEN))}) LIMIT 1",
        [contact_id, day, *_OPEN]).fetchone()
    return int(row[0]) if row else None


def remote_called_not_arrived(db: Db, day: str, called_before: float) -> list[int]:
    """Remote tickets of *day* called before *called_before* whose holder has not confirmed arrival."""
    rows = db.execute("SELECT id FROM tickets WHERE service_day = ? AND state = 'called' AND channel = 'remote' "
                      "AND arrived_at IS NULL AND called_at < ? ORDER BY id", [day, called_before]).fetchall()
    return [int(r[0]) for r in rows]


def arrival_failures(db: Db, ticket_id: int) -> int:
    return int(db.execute("SELECT arrival_failures FROM tickets WHERE id = ?", [ticket_id]).fetchone()[0])


def count_arrival_failure(db: Db, ticket_id: int) -> None:
    db.execute("UPDATE tickets SET arrival_failures = arrival_failures + 1 WHERE id = ?", [ticket_id])


# ---- watches -------------------------------------------------------------------------------

def watch(db: Db, ticket_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM ticket_watch WHERE ticket = ?", [ticket_id]).fetchone()
    return dict(row) if row else None


def save_watch(db: Db, values: dict[str, Any]) -> None:
    db.execute("INSERT INTO ticket_watch (ticket, service_day, contact, ahead, sms, created_at) "
               "VALUES (:ticket, :service_day, :contact, :ahead, :sms, :created_at) "
               "ON CONFLICT (ticket) DO UPDATE SET contact = coalesce(excluded.contact, contact), "
               "ahead = excluded.ahead, sms = excluded.sms, "
               "ahead_notified_at = CASE WHEN excluded.ahead != ahead THEN NULL ELSE ahead_notified_at END", values)


def pending_watches(db: Db, day: str) -> list[dict[str, Any]]:
    """Watches of *day* whose "your turn is near" has not gone out, on waiting tickets.

    Runs after every change of the queue: CROSS JOIN keeps the few pending watches as the outer loop (left
    to itself, SQLite's planner would walk every waiting ticket of the day and look each one up).
    """
    rows = db.execute("SELECT w.* FROM ticket_watch w CROSS JOIN tickets t ON t.id = w.ticket "
                      "WHERE w.service_day = ? AND w.ahead_notified_at IS NULL AND t.state = 'waiting'",
                      [day]).fetchall()
    return [dict(r) for r in rows]


def mark_ahead_notified(db: Db, ticket_id: int, at: float) -> None:
    db.execute("UPDATE ticket_watch SET ahead_notified_at = ? WHERE ticket = ?", [at, ticket_id])


def watches_of_contact(db: Db, contact_id: int) -> list[int]:
    return [int(r[0]) for r in db.execute("SELECT ticket FROM ticket_watch WHERE contact = ?", [contact_id])]


# ---- notices --------------------------------------------------------------------------------

def insert_notice(db: Db, *, subject: str, kind: str, key: str, params: dict[str, Any], at: float,
                  sms: bool) -> int | None:
    """The new notice's id, or None when this subject already had this notice."""
    cursor = db.execute("INSERT INTO notices (subject, kind, key, params, at, sms) VALUES (?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (subject, kind, key) DO NOTHING",
                        [subject, kind, key, json.dumps(params, ensure_ascii=False), at, int(sms)])
    return int(cursor.lastrowid) if cursor.rowcount else None


def notices_of(db: Db, subject: str, limit: int = 50) -> list[dict[str, Any]]:
    rows = db.execute("SELECT id, kind, key, params, at, sms FROM notices WHERE subject = ? ORDER BY id DESC "
                      "LIMIT ?", [subject, limit]).fetchall()
    return [{**dict(r), "params": json.loads(r["params"]), "sms": bool(r["sms"])} for r in reversed(rows)]
