"""Queries of phone contacts, one-time codes and the SMS outbox; callers hold a Storage transaction.

Every query is bounded by an index: a contact by its id or keyed hash, codes by (contact, time) or
(address, time), the outbox by (state, next attempt) and (contact, time), erasure by needed_until.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


# ---- contacts ---------------------------------------------------------------------

def contact(db: Db, contact_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM contacts WHERE id = ?", [contact_id]).fetchone()
    return dict(row) if row else None


def contact_by_hash(db: Db, phone_hash: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM contacts WHERE phone_hash = ?", [phone_hash]).fetchone()
    return dict(row) if row else None


def insert_contact(db: Db, values: dict[str, Any]) -> int:
    columns = ", ".join(values)
    cursor = db.execute(f"INSERT INTO contacts ({columns}) VALUES ({', '.join('?' * len(values))})",
                        list(values.values()))
    return int(cursor.lastrowid)


def extend(db: Db, contact_id: int, until: float) -> None:
    db.execute("UPDATE contacts SET needed_until = max(needed_until, ?) WHERE id = ?", [until, contact_id])


def verified(db: Db, contact_id: int, at: float, keep_until: float) -> None:
    db.execute("UPDATE contacts SET verified_at = ?, needed_until = max(needed_until, ?) WHERE id = ?",
               [at, keep_until, contact_id])


def contacts_to_erase(db: Db, needed_before: float, limit: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM contacts WHERE erased_at IS NULL AND needed_until < ? "
                                     "ORDER BY needed_until LIMIT ?", [needed_before, limit])]


def erase(db: Db, contact_ids: Sequence[int], at: float) -> None:
    """Forget the numbers (and their hashes) of *contact_ids*; the masked forms stay."""
    if not contact_ids:
        return
    marks = ",".join("?" * len(contact_ids))
    db.execute(f"UPDATE contacts SET phone = NULL, phone_hash = NULL, erased_at = ? WHERE id IN ({marks})",
               [at, *contact_ids])
    db.execute(f"UPDATE sms_messages SET state = 'dropped', error = 'number erased' WHERE state = 'queued' "
               f"AND contact IN ({marks})", list(contact_ids))


# ---- one-time codes -------------------------------------------------------------------

def insert_code(db: Db, values: dict[str, Any]) -> None:
    db.execute("INSERT INTO phone_codes (contact, code_hash, address_hash, created_at, expires_at) "
               "VALUES (:contact, :code_hash, :address_hash, :created_at, :expires_at)", values)


def codes_since(db: Db, contact_id: int, since: float) -> int:
    return int(db.execute("SELECT count(*) FROM phone_codes WHERE contact = ? AND created_at >= ?",
                          [contact_id, since]).fetchone()[0])


def address_codes_since(db: Db, address_hash: str, since: float) -> int:
    return int(db.execute("SELECT count(*) FROM phone_codes WHERE address_hash = ? AND created_at >= ?",
                          [address_hash, since]).fetchone()[0])


def latest_code(db: Db, contact_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM phone_codes WHERE contact = ? ORDER BY created_at DESC, id DESC LIMIT 1",
                     [contact_id]).fetchone()
    return dict(row) if row else None


def count_attempt(db: Db, code_id: int) -> None:
    db.execute("UPDATE phone_codes SET attempts = attempts + 1 WHERE id = ?", [code_id])


def use_code(db: Db, code_id: int, at: float) -> None:
    db.execute("UPDATE phone_codes SET used_at = ? WHERE id = ?", [at, code_id])


def drop_codes_before(db: Db, before: float) -> None:
    db.execute("DELETE FROM phone_codes WHERE created_at < ?", [before])


# ---- the SMS outbox --------------------------------------------------------------------------

def queue_sms(db: Db, *, contact: int, masked: str, kind: str, params: dict[str, Any], at: float,
              ticket: int | None = None, booking: str | None = None) -> int:
    cursor = db.execute(
        "INSERT INTO sms_messages (contact, phone_masked, kind, params, ticket, booking, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [contact, masked, kind, json.dumps(params, ensure_ascii=False), ticket, booking, at, at])
    return int(cursor.lastrowid)


def sms_since(db: Db, contact_id: int, since: float) -> int:
    """SMS to one contact since *since* that were (or will be) sent."""
    return int(db.execute("SELECT count(*) FROM sms_messages WHERE contact = ? AND created_at >= ? "
                          "AND state IN ('queued', 'sent')", [contact_id, since]).fetchone()[0])


def due_sms(db: Db, now: float, limit: int) -> list[dict[str, Any]]:
    rows = db.execute("SELECT * FROM sms_messages WHERE state = 'queued' AND next_attempt_at <= ? "
                      "ORDER BY next_attempt_at, id LIMIT ?", [now, limit]).fetchall()
    return [dict(r) for r in rows]


def next_due(db: Db) -> float | None:
    row = db.execute("SELECT min(next_attempt_at) FROM sms_messages WHERE state = 'queued'").fetchone()
    return row[0] if row else None


def sms_done(db: Db, message_id: int, *, state: str, at: float, error: str | None, gateway_id: str | None,
             attempts: int, scrub: bool) -> None:
    """A message sent, failed for good or dropped; a code's own digits are scrubbed from the log."""
    db.execute("UPDATE sms_messages SET state = ?, sent_at = ?, error = ?, gateway_id = ?, attempts = ?, "
               "params = CASE WHEN ? THEN json_remove(params, '$.code') ELSE params END WHERE id = ?",
               [state, at if state == "sent" else None, error, gateway_id, attempts, int(scrub), message_id])


def sms_retry(db: Db, message_id: int, *, at: float, error: str, attempts: int) -> None:
    db.execute("UPDATE sms_messages SET next_attempt_at = ?, error = ?, attempts = ? WHERE id = ?",
               [at, error, attempts, message_id])


def sms_log(db: Db, since: float, limit: int) -> list[dict[str, Any]]:
    """The SMS of the last hours for managers: masked numbers, kinds, states (no codes)."""
    rows = db.execute("SELECT id, phone_masked, kind, state, attempts, created_at, sent_at, error FROM sms_messages "
                      "WHERE created_at >= ? ORDER BY id DESC LIMIT ?", [since, limit]).fetchall()
    return [dict(r) for r in rows]
