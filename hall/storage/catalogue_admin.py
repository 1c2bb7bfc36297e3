"""Writes of the configuration: service items, categories, bundles, counters' items, staff."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


def _row(db: Db, sql: str, params: list[Any]) -> dict[str, Any] | None:
    row = db.execute(sql, params).fetchone()
    return dict(row) if row else None


#: Columns kept as JSON text, per table.
_JSON_COLUMNS = {"service_items": ("guide", "aliases"), "bundles": ("summary", "aliases")}


def _decoded(table: str, row: dict[str, Any]) -> dict[str, Any]:
    for column in _JSON_COLUMNS[table]:
        if column in row:
            row[column] = json.loads(row[column])
    return row


def _encoded(table: str, values: dict[str, Any]) -> dict[str, Any]:
    return {k: json.dumps(v, ensure_ascii=False) if k in _JSON_COLUMNS[table] else v for k, v in values.items()}


def item_row(db: Db, code: str) -> dict[str, Any] | None:
    row = _row(db, "SELECT * FROM service_items WHERE code = ?", [code])
    return None if row is None else _decoded("service_items", row)


def item_rows(db: Db) -> list[dict[str, Any]]:
    rows = db.execute("SELECT * FROM service_items ORDER BY category, position, code").fetchall()
    return [_decoded("service_items", dict(r)) for r in rows]


def save_item(db: Db, values: dict[str, Any]) -> None:
    db["service_items"].upsert(_encoded("service_items", values), pk="code")


def aliases(db: Db) -> dict[tuple[str, str], tuple[str, ...]]:
    """Every active item's and bundle's aliases, keyed ("item" | "bundle", code): for the kiosk search."""
    rows = db.execute("SELECT 'item' AS kind, code, aliases FROM service_items WHERE active = 1 AND aliases != '[]' "
                      "UNION ALL SELECT 'bundle', code, aliases FROM bundles WHERE active = 1 AND aliases != '[]'")
    return {(r["kind"], r["code"]): tuple(json.loads(r["aliases"])) for r in rows.fetchall()}


def set_aliases(db: Db, kind: str, code: str, names: list[str]) -> None:
    """Replace the aliases of one item or bundle."""
    table = {"item": "service_items", "bundle": "bundles"}[kind]
    db.execute(f"UPDATE {table} SET aliases = ? WHERE code = ?", [json.dumps(names, ensure_ascii=False), code])


def category_row(db: Db, code: str) -> dict[str, Any] | None:
    return _row(db, "SELECT * FROM categories WHERE code = ?", [code])


def category_rows(db: Db) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute("SELECT * FROM categories ORDER BY position, code").fetchall()]


def category_with_letter(db: Db, letter: str) -> str | None:
    row = db.execute("SELECT code FROM categories WHERE letter = ?", [letter]).fetchone()
    return row[0] if row else None


def save_category(db: Db, values: dict[str, Any]) -> None:
    db["categories"].upsert(values, pk="code")


def bundle_row(db: Db, code: str) -> dict[str, Any] | None:
    row = _row(db, "SELECT * FROM bundles WHERE code = ?", [code])
    if row is not None:
        _decoded("bundles", row)
        row["items"] = bundle_items(db, code)
    return row


def bundle_rows(db: Db) -> list[dict[str, Any]]:
    codes = [r[0] for r in db.execute("SELECT code FROM bundles ORDER BY code").fetchall()]
    return [r for r in (bundle_row(db, c) for c in codes) if r is not None]


def bundle_items(db: Db, code: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT item FROM bundle_items WHERE bundle = ? ORDER BY position, item", [code])]


def bundles_holding(db: Db, item: str) -> list[dict[str, Any]]:
    """The active bundles that hold *item*: code and Chinese name."""
    rows = db.execute("SELECT b.code, b.name_zh FROM bundles b JOIN bundle_items bi ON bi.bundle = b.code "
                      "WHERE bi.item = ? AND b.active = 1 ORDER BY b.code", [item])
    return [dict(r) for r in rows.fetchall()]


def save_bundle(db: Db, values: dict[str, Any]) -> None:
    db["bundles"].upsert(_encoded("bundles", values), pk="code")


def set_bundle_items(db: Db, code: str, items: list[str]) -> None:
    db.execute("DELETE FROM bundle_items WHERE bundle = ?", [code])
    db["bundle_items"].insert_all({"bundle": code, "item": item, "position": i} for i, item in enumerate(items))


_COUNTER_COLUMNS = ("number, name, dedicated_category, active, retired_at, state, staff, current_ticket, "
                    "led_port, led_address")


def counter_rows(db: Db) -> list[dict[str, Any]]:
    """Every counter, retired ones too, with its items, evaluator devices and LED strip."""
    rows = [dict(r) for r in db.execute(f"SELECT {_COUNTER_COLUMNS} FROM counters ORDER BY number")]
    items: dict[int, list[str]] = {}
    for r in db.execute("SELECT counter, item FROM counter_items ORDER BY item"):
        items.setdefault(r["counter"], []).append(r["item"])
    devices: dict[int, list[dict[str, Any]]] = {}
    for d in counter_devices(db):
        devices.setdefault(d["counter"], []).append(d)
    for row in rows:
        row["items"] = items.get(row["number"], [])
        row["devices"] = devices.get(row["number"], [])
    return rows


def counter_row(db: Db, number: int) -> dict[str, Any] | None:
    """One counter, retired or not, with its items and devices."""
    row = _row(db, f"SELECT {_COUNTER_COLUMNS} FROM counters WHERE number = ?", [number])
    if row is not None:
        row["items"] = counter_items(db, number)
        row["devices"] = counter_devices(db, number)
    return row


def counter_devices(db: Db, number: int | None = None) -> list[dict[str, Any]]:
    """The active devices that belong to counters (evaluators …), or to counter *number*."""
    sql = "SELECT id, kind, counter, name, created_at FROM devices WHERE active = 1 AND counter IS NOT NULL"
    params: list[Any] = []
    if number is not None:
        sql += " AND counter = ?"
        params.append(number)
    return [dict(r) for r in db.execute(sql + " ORDER BY counter, id", params).fetchall()]


def revoke_device(db: Db, device_id: int) -> None:
    db.execute("UPDATE devices SET active = 0 WHERE id = ?", [device_id])


def led_holder(db: Db, port: str, address: int) -> int | None:
    """The counter in service whose LED strip is at *address* on *port*, if any."""
    row = db.execute("SELECT number FROM counters WHERE active = 1 AND led_port = ? AND led_address = ?",
                     [port, address]).fetchone()
    return row[0] if row else None


def tickets_waiting_for(db: Db, number: int) -> list[str]:
    """Numbers of the waiting tickets transferred to counter *number* (only it may call them)."""
    rows = db.execute("SELECT number FROM tickets WHERE target_counter = ? AND state = 'waiting' ORDER BY id",
                      [number])
    return [r[0] for r in rows.fetchall()]


def ticket_in_hand(db: Db, number: int) -> str | None:
    """The number of the ticket counter *number* has called or is serving, if any."""
    row = db.execute("SELECT t.number FROM counters c JOIN tickets t ON t.id = c.current_ticket "
                     "WHERE c.number = ? AND t.state IN ('called', 'serving')", [number]).fetchone()
    return row[0] if row else None


def counter_items(db: Db, number: int) -> list[str]:
    return [r[0] for r in db.execute("SELECT item FROM counter_items WHERE counter = ? ORDER BY item", [number])]


def staff_rows(db: Db) -> list[dict[str, Any]]:
    rows = db.execute("SELECT username, display_name, roles, counter, active, created_at FROM staff ORDER BY username")
    return [dict(r) for r in rows.fetchall()]


def staff_row(db: Db, username: str) -> dict[str, Any] | None:
    return _row(db, "SELECT username, display_name, roles, counter, active FROM staff WHERE username = ?", [username])


def update_staff(db: Db, username: str, values: dict[str, Any]) -> None:
    db["staff"].update(username, values)


def revoke_tokens(db: Db, username: str) -> None:
    db.execute("DELETE FROM api_tokens WHERE username = ?", [username])


def followups_open(db: Db) -> list[dict[str, Any]] | None:
    """Follow-ups of bad ratings not yet closed, with their deadline; None while that table does not exist."""
    if not db["followups"].exists():
        return None
    columns = set(db["followups"].columns_dict)
    deadline = "due_at" if "due_at" in columns else "deadline" if "deadline" in columns else None
    if deadline is None or "ticket" not in columns:
        return None
    number = "number" if "number" in columns else "NULL"
    still_open = "state IN ('open', 'appealed')" if "state" in columns else "closed_at IS NULL"
    rows = db.execute(f"SELECT ticket, {number} AS number, {deadline} AS deadline FROM followups WHERE {still_open}")
    return [dict(r) for r in rows.fetchall()]
