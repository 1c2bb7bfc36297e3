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


def has_queued(db: Db, printer: str) -> bool:
    """Whether a job of *printer* waits (a reader's look before a claim takes the write lock)."""
    return db.execute("SELECT 1 FROM print_jobs WHERE printer = ? AND state = 'queued' LIMIT 1",
                      [printer]).fetchone() is not None


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


def release(db: Db, job_id: int, taken_by: str) -> bool:
    """Put a job taken by *taken_by* back in the queue: it never reached a printer that could answer."""
    return db.execute("UPDATE print_jobs SET state = 'queued', taken_by = NULL WHERE id = ? AND state = 'sent' "
                      "AND taken_by = ?", [job_id, taken_by]).rowcount > 0


def give_up_queued(db: Db, *, created_before: float, at: float, error: str, limit: int = 200) -> list[dict[str, Any]]:
    """Fail the queued jobs created before *created_before* (no printer took them in time); the jobs failed.

    Bounded by the (state, created_at) index and *limit*: a sweep costs the same whatever the history.
    """
    rows = [dict(r) for r in db.execute(
        "SELECT * FROM print_jobs WHERE state = 'queued' AND created_at < ? ORDER BY created_at LIMIT ?",
        [created_before, limit])]
    for row in rows:
        db.execute("UPDATE print_jobs SET state = 'failed', error = ?, done_at = ?, given_up_at = ? WHERE id = ?",
                   [error, at, at, row["id"]])
    return rows


def supersede_queued(db: Db, ticket: int, *, at: float, error: str) -> int:
    """Fail the ticket's jobs still queued (a reprint was asked for: one paper, not two)."""
    return int(db.execute("UPDATE print_jobs SET state = 'failed', error = ?, done_at = ? WHERE ticket = ? "
                          "AND state = 'queued'", [error, at, ticket]).rowcount)


def failed_last(db: Db, tickets: list[int]) -> set[int]:
    """The tickets among *tickets* whose latest print job failed (the console offers their reprint)."""
    if not tickets:
        return set()
    marks = ", ".join("?" * len(tickets))
    rows = db.execute(f"SELECT ticket, state FROM print_jobs WHERE ticket IN ({marks}) ORDER BY id", tickets)
    latest = {row[0]: row[1] for row in rows}
    return {ticket for ticket, state in latest.items() if state == "failed"}
