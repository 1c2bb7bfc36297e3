"""Queries and writes of the hall; callers hold a Storage transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from ..domain.models import (
    Bundle,
    Category,
    Counter,
    Localised,
    QueuedTicket,
    ServiceItem,
    Ticket,
)
from ..domain.states import CounterState, TicketState

Db = sqlite_utils.Database


# ---- catalogue -------------------------------------------------------------

def categories(db: Db) -> list[Category]:
    rows = db.execute("SELECT * FROM categories ORDER BY position, code").fetchall()
    return [Category(r["code"], r["letter"], Localised(r["name_zh"], r["name_en"]), r["position"]) for r in rows]


def _item(row: Any) -> ServiceItem:
    return ServiceItem(
        code=row["code"], category=row["category"], name=Localised(row["name_zh"], row["name_en"]),
        kind=row["kind"], time_limit_days=row["time_limit_days"],
        avg_service_minutes=row["avg_service_minutes"], guide=json.loads(row["guide"]),
    )


def service_items(db: Db, *, include_inactive: bool = False) -> list[ServiceItem]:
    where = "" if include_inactive else "WHERE active = 1"
    rows = db.execute(f"SELECT * FROM service_items {where} ORDER BY position, code").fetchall()
    return [_item(r) for r in rows]


def item_categories(db: Db) -> dict[str, str]:
    """Every service item's category (inactive ones too), without parsing the guides: for routing on each call."""
    return {row["code"]: row["category"] for row in db.execute("SELECT code, category FROM service_items").fetchall()}


def service_item(db: Db, code: str) -> ServiceItem | None:
    row = db.execute("SELECT * FROM service_items WHERE code = ? AND active = 1", [code]).fetchone()
    return _item(row) if row else None


def bundles(db: Db) -> list[Bundle]:
    rows = db.execute("SELECT * FROM bundles WHERE active = 1 ORDER BY code").fetchall()
    members = db.execute("SELECT bundle, item FROM bundle_items ORDER BY bundle, position").fetchall()
    by_bundle: dict[str, list[str]] = {}
    for m in members:
        by_bundle.setdefault(m["bundle"], []).append(m["item"])
    return [
        Bundle(r["code"], Localised(r["name_zh"], r["name_en"]), tuple(by_bundle.get(r["code"], ())),
               json.loads(r["summary"]))
        for r in rows
    ]


def bundle(db: Db, code: str) -> Bundle | None:
    row = db.execute("SELECT * FROM bundles WHERE code = ? AND active = 1", [code]).fetchone()
    if row is None:
        return None
    members = db.execute("SELECT item FROM bundle_items WHERE bundle = ? ORDER BY position", [code]).fetchall()
    return Bundle(row["code"], Localised(row["name_zh"], row["name_en"]), tuple(m["item"] for m in members),
                  json.loads(row["summary"]))


def service_name(db: Db, *, item: str | None, bundle: str | None) -> Localised | None:
    """The name of a ticket's bundle or item, without loading the catalogue."""
    if bundle:
        row = db.execute("SELECT name_zh, name_en FROM bundles WHERE code = ?", [bundle]).fetchone()
    elif item:
        row = db.execute("SELECT name_zh, name_en FROM service_items WHERE code = ?", [item]).fetchone()
    else:
        return None
    return Localised(row["name_zh"], row["name_en"]) if row else None


def insert_category(db: Db, category: Category) -> None:
    db["categories"].insert(
        {"code": category.code, "letter": category.letter, "name_zh": category.name.zh,
         "name_en": category.name.en, "position": category.position}
    )


def insert_item(db: Db, item: ServiceItem, position: int = 0) -> None:
    db["service_items"].insert(
        {"code": item.code, "category": item.category, "name_zh": item.name.zh, "name_en": item.name.en,
         "kind": item.kind, "time_limit_days": item.time_limit_days,
         "avg_service_minutes": item.avg_service_minutes, "guide": json.dumps(item.guide, ensure_ascii=False),
         "active": 1, "position": position}
    )


def insert_bundle(db: Db, bundle: Bundle) -> None:
    db["bundles"].insert(
        {"code": bundle.code, "name_zh": bundle.name.zh, "name_en": bundle.name.en,
         "summary": json.dumps(bundle.summary, ensure_ascii=False), "active": 1}
    )
    db["bundle_items"].insert_all(
        {"bundle": bundle.code, "item": item, "position": i} for i, item in enumerate(bundle.items)
    )


# ---- counters ----------------------------------------------------------------

def _counter(row: Any, items: Iterable[str]) -> Counter:
    return Counter(
        number=row["number"], name=row["name"], items=frozenset(items), state=CounterState(row["state"]),
        state_since=row["state_since"], pause_reason=row["pause_reason"],
        current_ticket_id=row["current_ticket"], staff=row["staff"], dedicated_category=row["dedicated_category"],
    )


def counters(db: Db) -> list[Counter]:
    """Every counter in service (retired ones are left out: they take no calls and show on no screen)."""
    rows = db.execute("SELECT * FROM counters WHERE active = 1 ORDER BY number").fetchall()
    auth: dict[int, list[str]] = {}
    for r in db.execute("SELECT counter, item FROM counter_items").fetchall():
        auth.setdefault(r["counter"], []).append(r["item"])
    return [_counter(r, auth.get(r["number"], ())) for r in rows]


def counter(db: Db, number: int) -> Counter | None:
    """Counter *number* if it is in service; None if there is none or it is retired."""
    row = db.execute("SELECT * FROM counters WHERE number = ? AND active = 1", [number]).fetchone()
    if row is None:
        return None
    items = [r["item"] for r in db.execute("SELECT item FROM counter_items WHERE counter = ?", [number]).fetchall()]
    return _counter(row, items)


def insert_counter(db: Db, number: int, name: str, items: Iterable[str], at: float,
                   dedicated_category: str | None = None, state: CounterState = CounterState.CLOSED) -> None:
    """A new counter; closed until a clerk signs in there."""
    db["counters"].insert({"number": number, "name": name, "state": state.value, "state_since": at,
                           "dedicated_category": dedicated_category})
    db["counter_items"].insert_all({"counter": number, "item": i} for i in items)


def set_counter_items(db: Db, number: int, items: Iterable[str]) -> None:
    db.execute("DELETE FROM counter_items WHERE counter = ?", [number])
    db["counter_items"].insert_all({"counter": number, "item": i} for i in items)


def update_counter(db: Db, number: int, **values: Any) -> None:
    assignments = ", ".join(f"{column} = ?" for column in values)
    db.execute(f"UPDATE counters SET {assignments} WHERE number = ?", [*values.values(), number])


def led_strips(db: Db) -> list[dict[str, Any]]:
    """The LED window strip of every counter in service that has one: counter, port and bus address."""
    rows = db.execute("SELECT number AS counter, name, led_port AS port, led_address AS address FROM counters "
                      "WHERE active = 1 AND led_port IS NOT NULL ORDER BY number").fetchall()
    return [dict(r) for r in rows]


# ---- tickets ---------------------------------------------------------------

def next_sequence(db: Db, service_day: str, letter: str) -> int:
    """The next number for *letter* today; the caller's transaction keeps it unique."""
    db.execute(
        "INSERT INTO number_sequences (service_day, letter, last) VALUES (?, ?, 1) "
        "ON CONFLICT (service_day, letter) DO UPDATE SET last = last + 1",
        [service_day, letter],
    )
    return db.execute(
        "SELECT last FROM number_sequences WHERE service_day = ? AND letter = ?", [service_day, letter]
    ).fetchone()[0]


def insert_ticket(db: Db, values: dict[str, Any], items: Iterable[str]) -> int:
    """Insert a ticket and its items (plain SQL: this runs for every ticket issued)."""
    columns = ", ".join(values)
    cursor = db.execute(f"INSERT INTO tickets ({columns}) VALUES ({', '.join('?' * len(values))})",
                        list(values.values()))
    ticket_id = int(cursor.lastrowid)
    db.conn.executemany("INSERT INTO ticket_items (ticket, item) VALUES (?, ?)", [(ticket_id, i) for i in items])
    return ticket_id


def ticket_from_row(row: Any, items: tuple[str, ...]) -> Ticket:
    """A ticket row and its items as a Ticket."""
    return Ticket(
        id=row["id"], token=row["token"], number=row["number"], service_day=row["service_day"],
        category=row["category"], item=row["item"], bundle=row["bundle"], items=items,
        priority=bool(row["priority"]), appointment=row["appointment"], state=TicketState(row["state"]),
        issued_at=row["issued_at"], queue_at=row["queue_at"], target_counter=row["target_counter"],
        target_category=row["target_category"], counter=row["counter"], staff=row["staff"],
        recall_count=row["recall_count"], first_called_at=row["first_called_at"], called_at=row["called_at"],
        started_at=row["started_at"], finished_at=row["finished_at"],
        estimated_wait_minutes=row["estimated_wait_minutes"], people_ahead=row["people_ahead"], kiosk=row["kiosk"],
        estimated_wait_low=row["estimated_wait_low"], estimated_wait_high=row["estimated_wait_high"],
        channel=row["channel"], arrived_at=row["arrived_at"], moved_back=bool(row["moved_back"]),
    )


def _ticket_items(db: Db, ticket_id: int) -> tuple[str, ...]:
    return tuple(r["item"]
                 for r in db.execute("SELECT item FROM ticket_items WHERE ticket = ? ORDER BY item", [ticket_id]))


def ticket(db: Db, ticket_id: int) -> Ticket | None:
    row = db.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id]).fetchone()
    return ticket_from_row(row, _ticket_items(db, row["id"])) if row else None


def ticket_by_token(db: Db, token: str) -> Ticket | None:
    row = db.execute("SELECT * FROM tickets WHERE token = ?", [token]).fetchone()
    return ticket_from_row(row, _ticket_items(db, row["id"])) if row else None


def ticket_by_number(db: Db, service_day: str, number: str) -> Ticket | None:
    row = db.execute("SELECT * FROM tickets WHERE service_day = ? AND number = ?", [service_day, number]).fetchone()
    return ticket_from_row(row, _ticket_items(db, row["id"])) if row else None


def update_ticket(db: Db, ticket_id: int, **values: Any) -> None:
    assignments = ", ".join(f"{column} = ?" for column in values)
    db.execute(f"UPDATE tickets SET {assignments} WHERE id = ?", [*values.values(), ticket_id])


def waiting_tickets(db: Db) -> list[QueuedTicket]:
    """Every waiting ticket, with its items, oldest first: for tests and tools, never per request."""
    rows = db.execute(
        "SELECT t.id, t.category, t.priority, t.queue_at, t.target_counter, t.target_category, "
        "group_concat(ti.item, ',') AS items FROM tickets t JOIN ticket_items ti ON ti.ticket = t.id "
        "WHERE t.state = 'waiting' GROUP BY t.id ORDER BY t.queue_at, t.id"
    ).fetchall()
    return [
        QueuedTicket(
            id=r["id"], category=r["category"], items=frozenset(r["items"].split(",")), priority=bool(r["priority"]),
            queue_at=r["queue_at"], target_counter=r["target_counter"], target_category=r["target_category"],
        )
        for r in rows
    ]


def tickets_of_day(db: Db, service_day: str, states: Iterable[str] | None = None) -> list[Ticket]:
    sql = "SELECT * FROM tickets WHERE service_day = ?"
    params: list[Any] = [service_day]
    if states is not None:
        states = list(states)
        sql += f" AND state IN ({','.join('?' * len(states))})"
        params += states
    rows = db.execute(sql + " ORDER BY id", params).fetchall()
    return _with_items(db, rows)


def _with_items(db: Db, rows: list[Any]) -> list[Ticket]:
    """Ticket rows as Tickets, their items read in one query."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    items: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in db.execute(f"SELECT ticket, item FROM ticket_items WHERE ticket IN ({','.join('?' * len(chunk))}) "
                            "ORDER BY item", chunk):
            items.setdefault(r["ticket"], []).append(r["item"])
    return [ticket_from_row(r, tuple(items.get(r["id"], ()))) for r in rows]


def recent_calls(db: Db, service_day: str, limit: int) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT e.id, e.at, e.type, e.counter, t.number FROM events e JOIN tickets t ON t.id = e.ticket "
        "WHERE e.type IN ('called', 'recalled') AND t.service_day = ? ORDER BY e.id DESC LIMIT ?",
        [service_day, limit],
    ).fetchall()
    return [dict(r) for r in rows]


def counter_day_figures(db: Db, service_day: str, counter: int) -> tuple[int, float | None]:
    """How many cases *counter* finished on *service_day*, and their mean service time in seconds."""
    row = db.execute(
        "SELECT count(*), avg(finished_at - started_at) FROM tickets "
        "WHERE service_day = ? AND state = 'finished' AND counter = ? AND started_at IS NOT NULL",
        [service_day, counter],
    ).fetchone()
    return row[0], row[1]


def recent_cycle_seconds(db: Db, service_day: str, limit: int = 30) -> list[float]:
    """How long a counter was taken by each of the day's last finished tickets: from call to finish.

    The whole cycle, not only the service (finished − started): calling and the citizen's walk to
    the counter also keep the next ticket waiting. Every item counts, because in a one-window hall
    the people ahead of a ticket are mostly there for other items.
    """
    rows = db.execute(
        "SELECT finished_at - first_called_at AS s FROM tickets WHERE service_day = ? AND state = 'finished' "
        "AND first_called_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
        [service_day, limit],
    ).fetchall()
    return [r["s"] for r in rows]


# ---- events ------------------------------------------------------------------

def append_event(db: Db, *, at: float, type: str, ticket: int | None = None, counter: int | None = None,
                 staff: str | None = None, data: dict[str, Any] | None = None) -> int:
    cur = db.execute(
        "INSERT INTO events (at, type, ticket, counter, staff, data) VALUES (?, ?, ?, ?, ?, ?)",
        [at, type, ticket, counter, staff, json.dumps(data or {}, ensure_ascii=False)],
    )
    return int(cur.lastrowid)


def events_of_ticket(db: Db, ticket_id: int) -> list[dict[str, Any]]:
    rows = db.execute("SELECT * FROM events WHERE ticket = ? ORDER BY id", [ticket_id]).fetchall()
    return [{**dict(r), "data": json.loads(r["data"])} for r in rows]


def last_event_id(db: Db) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]


# ---- staff, devices, tokens -----------------------------------------------------

def staff_member(db: Db, username: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM staff WHERE username = ?", [username]).fetchone()
    return dict(row) if row else None


def upsert_staff(db: Db, values: dict[str, Any]) -> None:
    db["staff"].upsert(values, pk="username")


def insert_device(db: Db, values: dict[str, Any]) -> int:
    return int(db["devices"].insert(values).last_pk)


def device_by_token_hash(db: Db, token_hash: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM devices WHERE token_hash = ? AND active = 1", [token_hash]).fetchone()
    return dict(row) if row else None


def insert_api_token(db: Db, values: dict[str, Any]) -> None:
    db["api_tokens"].insert(values)


def api_token(db: Db, token_hash: str, now: float) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM api_tokens WHERE token_hash = ? AND expires_at > ?", [token_hash, now]).fetchone()
    return dict(row) if row else None


# ---- ratings ---------------------------------------------------------------------

def rating(db: Db, ticket_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM ratings WHERE ticket = ?", [ticket_id]).fetchone()
    return dict(row) if row else None


def insert_rating(db: Db, values: dict[str, Any]) -> None:
    db["ratings"].insert(values)


def last_finished_at_counter(db: Db, service_day: str, counter: int) -> Ticket | None:
    """The counter's most recently finished ticket of the day."""
    row = db.execute(
        "SELECT * FROM tickets WHERE service_day = ? AND counter = ? AND state = 'finished' "
        "ORDER BY finished_at DESC, id DESC LIMIT 1", [service_day, counter],
    ).fetchone()
    return ticket_from_row(row, _ticket_items(db, row["id"])) if row else None


def finished_unrated_before(db: Db, finished_before: float, service_days: Iterable[str]) -> list[Ticket]:
    """Tickets of *service_days* finished before *finished_before* and not rated yet (day-bounded, indexed)."""
    found: list[Ticket] = []
    for day in dict.fromkeys(service_days):
        rows = db.execute(
            "SELECT * FROM tickets t WHERE t.service_day = ? AND t.state = 'finished' AND t.finished_at < ? "
            "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket = t.id)",
            [day, finished_before],
        ).fetchall()
        found += _with_items(db, rows)
    return found


# ---- settings ----------------------------------------------------------------------

def get_setting(db: Db, key: str, default: Any = None) -> Any:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def set_setting(db: Db, key: str, value: Any) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, json.dumps(value, ensure_ascii=False)],
    )


def is_empty(db: Db) -> bool:
    return db.execute("SELECT count(*) FROM categories").fetchone()[0] == 0
