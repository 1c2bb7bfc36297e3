"""SQL of the prefecture outbox: the cursor, and a batch of the event log with what reports need of it.

Every query is bounded by the batch: events after the cursor by primary key, the tickets, ratings,
staff, counters and catalogue entries those events name, and today's live figures by index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

Db = sqlite_utils.Database

RATING_TYPES = ("rated", "rating_expired")


def state(db: Db) -> dict[str, Any]:
    """The outbox row: acknowledged id, attempts, failures, last error, divergence."""
    return dict(db.execute("SELECT * FROM outbox WHERE id = 1").fetchone())


def update_state(db: Db, **values: Any) -> None:
    db["outbox"].update(1, values)


def head(db: Db) -> int:
    """The newest event id of the log."""
    return db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]


def events_after(db: Db, cursor: int, limit: int) -> list[dict[str, Any]]:
    rows = db.execute("SELECT id, at, type, ticket, counter, staff, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
                      [cursor, limit]).fetchall()
    return [{**dict(r), "data": json.loads(r["data"])} for r in rows]


def _marks(values: list[Any]) -> str:
    return ",".join("?" * len(values))


def tickets(db: Db, ids: Iterable[int]) -> list[dict[str, Any]]:
    """The reference of each ticket: service day, number, category, item or bundle."""
    ids = sorted(set(ids))
    if not ids:
        return []
    rows = db.execute("SELECT id, service_day, number, category, item, bundle FROM tickets "
                      f"WHERE id IN ({_marks(ids)})", ids).fetchall()
    return [dict(r) for r in rows]


def ratings(db: Db, ticket_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The ratings of these tickets as stored, with their chain links."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return []
    rows = db.execute(
        "SELECT r.ticket, r.score, r.unrated, r.counter, r.staff, r.device, r.at, r.reasons, c.seq, c.prev, c.hash "
        f"FROM ratings r LEFT JOIN rating_chain c ON c.ticket = r.ticket WHERE r.ticket IN ({_marks(ids)})", ids,
    ).fetchall()
    return [{**dict(r), "reasons": json.loads(r["reasons"] or "[]")} for r in rows]


def references(db: Db, *, staff: Iterable[str], counters: Iterable[int], items: Iterable[str],
               bundles: Iterable[str], categories: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Names and codes of the staff, counters, items, bundles and categories a batch mentions."""
    def rows(sql: str, keys: Iterable[Any]) -> list[dict[str, Any]]:
        keys = sorted(set(k for k in keys if k is not None))
        return [dict(r) for r in db.execute(sql.format(marks=_marks(keys)), keys).fetchall()] if keys else []

    return {
        "staff": rows("SELECT username, display_name FROM staff WHERE username IN ({marks})", staff),
        "counters": rows("SELECT number, name FROM counters WHERE number IN ({marks})", counters),
        "items": rows("SELECT code, category, name_zh, name_en, kind, item_code, item_version FROM service_items "
                      "WHERE code IN ({marks})", items),
        "bundles": rows("SELECT code, name_zh, name_en, item_code FROM bundles WHERE code IN ({marks})", bundles),
        "categories": rows("SELECT code, name_zh, name_en FROM categories WHERE code IN ({marks})", categories),
    }


def live(db: Db, service_day: str, now: float) -> dict[str, Any]:
    """Today's waiting tickets, the longest wait, open and total counters."""
    waiting, oldest = db.execute(
        "SELECT count(*), min(issued_at) FROM tickets WHERE state = 'waiting' AND service_day = ?", [service_day],
    ).fetchone()
    open_counters, counters = db.execute(
        "SELECT sum(state = 'open'), count(*) FROM counters").fetchone()
    return {"at": now, "service_day": service_day, "waiting": waiting, "open_counters": open_counters or 0,
            "counters": counters, "longest_wait_seconds": round(now - oldest, 1) if oldest is not None else 0}
