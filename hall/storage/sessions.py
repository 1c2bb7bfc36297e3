"""Queries of staff sessions (server-side logins); callers hold a Storage transaction."""

from __future__ import annotations

from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


def insert_session(db: Db, values: dict[str, Any]) -> int:
    return int(db["staff_sessions"].insert(values).last_pk)


def session_by(db: Db, column: str, secret_hash: str) -> dict[str, Any] | None:
    """The session whose cookie_hash or token_hash is *secret_hash*, with its member's current staff row."""
    if column not in ("cookie_hash", "token_hash"):
        raise ValueError(column)
    row = db.execute(
        "SELECT s.*, st.display_name, st.roles, st.counter, st.active, st.password_hash FROM staff_sessions s "
        f"JOIN staff st ON st.username = s.username WHERE s.{column} = ?", [secret_hash]).fetchone()
    return dict(row) if row else None


def touch(db: Db, session_id: int, at: float) -> None:
    db.execute("UPDATE staff_sessions SET last_seen_at = ? WHERE id = ?", [at, session_id])


def revoke(db: Db, session_id: int, at: float, reason: str) -> None:
    db.execute("UPDATE staff_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
               [at, reason, session_id])


def revoke_user(db: Db, username: str, at: float, reason: str) -> int:
    cur = db.execute("UPDATE staff_sessions SET revoked_at = ?, revoked_reason = ? "
                     "WHERE username = ? AND revoked_at IS NULL", [at, reason, username])
    return cur.rowcount


def purge_expired(db: Db, before: float) -> int:
    """Forget sessions that ended (expired) before *before*; bounded by the expiry index."""
    return db.execute("DELETE FROM staff_sessions WHERE expires_at < ?", [before]).rowcount
