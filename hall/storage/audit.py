"""The audit log of configuration changes: append and filter."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


def append(db: Db, *, at: float, actor: str, action: str, target: str, before: Any, after: Any) -> int:
    cur = db.execute(
        "INSERT INTO audit_log (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
        [at, actor, action, target,
         None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
         None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True)],
    )
    return int(cur.lastrowid)


def entries(db: Db, *, actor: str | None = None, action: str | None = None, target: str | None = None,
            since: float | None = None, until: float | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Newest first, filtered by actor, action prefix, target substring and time."""
    where, params = [], []
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if action:
        where.append("action LIKE ? ESCAPE '\\'")
        params.append(action.replace("%", "\\%").replace("_", "\\_") + "%")
    if target:
        where.append("target LIKE ? ESCAPE '\\'")
        params.append("%" + target.replace("%", "\\%").replace("_", "\\_") + "%")
    if since is not None:
        where.append("at >= ?")
        params.append(since)
    if until is not None:
        where.append("at < ?")
        params.append(until)
    sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
    rows = db.execute(sql, [*params, limit]).fetchall()
    return [{**dict(r), "before": json.loads(r["before"]) if r["before"] else None,
             "after": json.loads(r["after"]) if r["after"] else None} for r in rows]
