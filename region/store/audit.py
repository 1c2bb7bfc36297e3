"""The prefecture's audit log: who changed what, from what to what."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def record(conn: psycopg.Connection, actor: str, action: str, target: str, before: Any, after: Any) -> None:
    """One entry, in the caller's transaction."""
    conn.execute("INSERT INTO audit_log (actor, action, target, before, after) VALUES (%s, %s, %s, %s, %s)",
                 [actor, action, target, None if before is None else Jsonb(before),
                  None if after is None else Jsonb(after)])


def entries(conn: psycopg.Connection, limit: int = 200) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT %s", [limit]).fetchall()
