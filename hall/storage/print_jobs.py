"""Print jobs: a row per ticket print, queued in the ticket's transaction, acknowledged by whoever printed it.

States: queued → sent (taken by a printer worker or an agent) → printed | failed. A job left "sent" by a
worker that died is queued again when its printer starts, so a ticket is never left without a print result.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


def enqueue(db: Db, *, ticket: int, printer: str, lang: str, status_url: str, reprint: bool, at: float,
            by: str | None = None) -> int:
    """Queue one print of *ticket* on *printer*; returns the job id."""
    cursor = db.execute(
        "INSERT INTO print_jobs (ticket, printer, lang, status_url, reprint, requested_by, state, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)", [ticket, printer, lang, status_url, int(reprint), by, at])
    return int(cursor.lastrowid)


def claim_next(db: Db, printer: str, taken_by: str, at: float) -> dict[str, Any] | None:
    """Take the oldest queued job of *printer* (inside the caller's write transaction)."""
    row = db.execute("SELECT * FROM print_jobs WHERE printer = ? AND state = 'queued' ORDER BY id LIMIT 1",
                     [printer]).fetchone()
    if row is None:
        return None
    db.execute("UPDATE print_jobs SET state = 'sent', sent_at = ?, taken_by = ?, attempts = attempts + 1 "
               "WHERE id = ?", [at, taken_by, row["id"]])
    return {**dict(row), "state": "sent", "sent_at": at, "taken_by": taken_by, "attempts": row["attempts"] + 1}


def finish(db: Db, job_id: int, *, ok: bool, error: str | None, at: float) -> dict[str, Any] | None:
    """Record a job's result; a job already finished keeps its first result (acknowledgements are idempotent)."""
    row = db.execute("SELECT * FROM print_jobs WHERE id = ?", [job_id]).fetchone()
    if row is None:
        return None
    if row["state"] in ("printed", "failed"):
        return dict(row)
    state = "printed" if ok else "failed"
    db.execute("UPDATE print_jobs SET state = ?, error = ?, done_at = ? WHERE id = ?", [state, error, at, job_id])
    return {**dict(row), "state": state, "error": error, "done_at": at}


def requeue_sent(db: Db, printer: str, taken_by: str | None = None) -> int:
    """Queue again the jobs of *printer* that were taken but never acknowledged (their worker died)."""
    sql = "UPDATE print_jobs SET state = 'queued', taken_by = NULL WHERE printer = ? AND state = 'sent'"
    params: list[Any] = [printer]
    if taken_by is not None:
        sql += " AND taken_by = ?"
        params.append(taken_by)
    return int(db.execute(sql, params).rowcount)


def latest_of_ticket(db: Db, ticket: int) -> dict[str, Any] | None:
    """The ticket's most recent print job."""
    row = db.execute("SELECT * FROM print_jobs WHERE ticket = ? ORDER BY id DESC LIMIT 1", [ticket]).fetchone()
    return dict(row) if row else None


def job(db: Db, job_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM print_jobs WHERE id = ?", [job_id]).fetchone()
    return dict(row) if row else None


def open_count(db: Db, printer: str) -> int:
    """Jobs of *printer* queued or being printed."""
    return int(db.execute("SELECT count(*) FROM print_jobs WHERE printer = ? AND state IN ('queued', 'sent')",
                          [printer]).fetchone()[0])
