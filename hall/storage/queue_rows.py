"""Queries that keep a process's view of the hall in step with the log: new events, waiting tickets.

Every query here is bounded by an index: the events' primary key after a cursor, the tickets of one
service day in one state, or a list of ticket ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from ..domain.models import QueuedTicket, Ticket
from . import repo

Db = sqlite_utils.Database
#: SQLite's default limit on host parameters is far above this; chunks keep statements small.
_CHUNK = 500

_QUEUED_COLUMNS = (
    "t.id, t.state, t.service_day, t.category, t.priority, t.queue_at, t.target_counter, t.target_category, "
    "(SELECT group_concat(ti.item, ',') FROM ticket_items ti WHERE ti.ticket = t.id) AS items"
)


def _queued(row: Any) -> QueuedTicket:
    return QueuedTicket(
        id=row["id"], category=row["category"], items=frozenset((row["items"] or "").split(",")) - {""},
        priority=bool(row["priority"]), queue_at=row["queue_at"], target_counter=row["target_counter"],
        target_category=row["target_category"],
    )


def last_event_id(db: Db) -> int:
    """The id of the newest event (0 for an empty log)."""
    return int(db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def events_after(db: Db, cursor: int, limit: int = 1000) -> list[dict[str, Any]]:
    """The next events after *cursor*, oldest first, with their data decoded."""
    rows = db.execute(
        "SELECT id, at, type, ticket, counter, staff, data FROM events WHERE id > ? ORDER BY id LIMIT ?",
        [cursor, limit]).fetchall()
    return [{**dict(r), "data": json.loads(r["data"])} for r in rows]


def event_tickets_after(db: Db, cursor: int, limit: int) -> list[tuple[int, int | None]]:
    """(event id, ticket) of the next events after *cursor*, oldest first: all the queue index needs."""
    return [(r[0], r[1]) for r in db.execute("SELECT id, ticket FROM events WHERE id > ? ORDER BY id LIMIT ?",
                                             [cursor, limit])]


def waiting_of_day(db: Db, service_day: str) -> list[QueuedTicket]:
    """Every waiting ticket of a service day (to rebuild a queue index)."""
    rows = db.execute(f"SELECT {_QUEUED_COLUMNS} FROM tickets t WHERE t.state = 'waiting' AND t.service_day = ?",
                      [service_day]).fetchall()
    return [_queued(r) for r in rows]


def queued_states(db: Db, ticket_ids: Iterable[int]) -> list[tuple[str, str, QueuedTicket]]:
    """(state, service day, routing view) of each ticket in *ticket_ids* that exists."""
    ids = sorted(set(ticket_ids))
    found: list[tuple[str, str, QueuedTicket]] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        rows = db.execute(f"SELECT {_QUEUED_COLUMNS} FROM tickets t WHERE t.id IN ({','.join('?' * len(chunk))})",
                          chunk).fetchall()
        found += [(r["state"], r["service_day"], _queued(r)) for r in rows]
    return found


_PUBLIC_COLUMNS = ("id, number, state, service_day, category, item, bundle, priority, counter, recall_count, "
                   "issued_at, called_at, started_at, finished_at, estimated_wait_minutes, people_ahead, "
                   "target_counter, target_category")


def public_tickets(db: Db, ticket_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``Ticket.public()`` of each ticket, read straight into dictionaries (the log feed's hot path)."""
    ids = sorted(set(ticket_ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for r in db.execute(f"SELECT {_PUBLIC_COLUMNS} FROM tickets WHERE id IN ({marks})", chunk):
            found[r["id"]] = {**dict(r), "priority": bool(r["priority"]), "items": []}
        for r in db.execute(f"SELECT ticket, item FROM ticket_items WHERE ticket IN ({marks}) ORDER BY item", chunk):
            found[r["ticket"]]["items"].append(r["item"])
    return found


def tickets_by_id(db: Db, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
    """The tickets with these ids, items included, in two queries per chunk."""
    ids = sorted(set(ticket_ids))
    tickets: dict[int, Ticket] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        items: dict[int, list[str]] = {}
        for r in db.execute(f"SELECT ticket, item FROM ticket_items WHERE ticket IN ({marks}) ORDER BY item", chunk):
            items.setdefault(r["ticket"], []).append(r["item"])
        for r in db.execute(f"SELECT * FROM tickets WHERE id IN ({marks})", chunk):
            tickets[r["id"]] = repo.ticket_from_row(r, tuple(items.get(r["id"], ())))
    return tickets
