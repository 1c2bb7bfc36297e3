"""SQL of ingest: events by COPY, the ticket projection, rollup increments, ratings, names; one batch each."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import psycopg

from hall.domain.figures import HISTOGRAMS, SCALARS, Tally

from ..projection import FIELDS, RollupKey, TicketRow

TALLY_COLUMNS = (*SCALARS, *HISTOGRAMS)


def stored_events(conn: psycopg.Connection, hall: int, first: int, last: int) -> dict[int, dict[str, Any]]:
    """The hall's stored events with ids in [first, last]."""
    rows = conn.execute("SELECT id, at, type, ticket, counter, staff, data FROM events "
                        "WHERE hall = %s AND id BETWEEN %s AND %s", [hall, first, last]).fetchall()
    return {r["id"]: r for r in rows}


def insert_events(conn: psycopg.Connection, hall: int, events: list[dict[str, Any]]) -> int:
    """Store new events: one statement, PostgreSQL unpacks the JSON array (far cheaper than a row at a time)."""
    conn.execute(
        "INSERT INTO events (hall, id, at, type, ticket, counter, staff, data) "
        "SELECT %s, id, at, type, ticket, counter, staff, coalesce(data, '{}') FROM json_to_recordset(%s::json) "
        "AS e(id bigint, at double precision, type text, ticket bigint, counter integer, staff text, data json)",
        [hall, json.dumps(events, ensure_ascii=False, separators=(",", ":"))])
    return len(events)


def load_tickets(conn: psycopg.Connection, hall: int, ids: Iterable[int]) -> dict[int, TicketRow]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = conn.execute(f"SELECT {', '.join(FIELDS)} FROM tickets WHERE hall = %s AND id = ANY(%s)",
                        [hall, ids]).fetchall()
    return {r["id"]: TicketRow(**r) for r in rows}


_TICKET_TYPES = {"hall": "integer", "id": "bigint", "service_day": "date", "number": "text", "category": "text",
                 "item_key": "text", "item": "text", "bundle": "text", "issued_at": "double precision",
                 "first_called_at": "double precision", "started_at": "double precision",
                 "finished_at": "double precision", "state": "text", "counter": "integer", "staff": "text",
                 "score": "smallint", "unrated": "boolean", "followup": "text"}
_UPSERT_TICKETS = (
    f"INSERT INTO tickets ({', '.join(FIELDS)}) SELECT {', '.join(FIELDS)} FROM json_to_recordset(%s::json) AS t("
    + ", ".join(f"{f} {_TICKET_TYPES[f]}" for f in FIELDS) + ") ON CONFLICT (hall, id) DO UPDATE SET "
    + ", ".join(f"{f} = excluded.{f}" for f in FIELDS if f not in ("hall", "id")))


def _json_rows(rows: Iterable[Any]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, separators=(",", ":"), default=str)


def upsert_tickets(conn: psycopg.Connection, rows: list[TicketRow]) -> None:
    """Write the changed tickets in one INSERT … ON CONFLICT over a JSON array."""
    if rows:
        conn.execute(_UPSERT_TICKETS, [_json_rows(dict(zip(FIELDS, row.as_tuple(), strict=True)) for row in rows)])


def _column_type(name: str) -> str:
    if name in HISTOGRAMS:
        return "integer[]"
    return "double precision" if name.endswith("_sum") else "integer"


def _add_sql(table: str, key: dict[str, str]) -> str:
    """INSERT … ON CONFLICT that adds a JSON array of (key, tally) rows to *table*."""
    columns = (*key, *TALLY_COLUMNS)
    types = {**key, **{c: _column_type(c) for c in TALLY_COLUMNS}}
    sums = [f"{c} = t.{c} + excluded.{c}" for c in SCALARS]
    sums += [f"{h} = ARRAY(SELECT a + b FROM unnest(t.{h}, excluded.{h}) AS u(a, b))" for h in HISTOGRAMS]
    return (f"INSERT INTO {table} AS t ({', '.join(columns)}) SELECT {', '.join(columns)} FROM "
            f"json_to_recordset(%s::json) AS d({', '.join(f'{c} {types[c]}' for c in columns)}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(sums)}")


_ITEM_KEY = {"hall": "integer", "category": "text", "item_key": "text"}
_ADD_DAY = _add_sql("figures_day", {"day": "date", **_ITEM_KEY})
_ADD_MONTH = _add_sql("figures_month", {"month": "date", **_ITEM_KEY})
_ADD_HALL_DAY = _add_sql("figures_hall_day", {"day": "date", "hall": "integer"})


def add_rollups(conn: psycopg.Connection, hall: int, deltas: Mapping[RollupKey, Tally]) -> None:
    """Add each (day, category, item) delta to the day, month and hall-day rollups: three statements."""
    deltas = {key: tally for key, tally in deltas.items() if not tally.is_zero()}
    if not deltas:
        return
    months: dict[tuple[date, str, str], Tally] = {}
    days: dict[date, Tally] = {}
    for (day, category, key), delta in deltas.items():
        months.setdefault((day.replace(day=1), category, key), Tally()).add(delta)
        days.setdefault(day, Tally()).add(delta)
    # Sorted keys: concurrent batches of one hall are serialised anyway; this keeps lock order stable.
    for sql, rows in (
            (_ADD_DAY, [{"day": d, "hall": hall, "category": c, "item_key": k, **t.as_row()}
                        for (d, c, k), t in sorted(deltas.items())]),
            (_ADD_MONTH, [{"month": m, "hall": hall, "category": c, "item_key": k, **t.as_row()}
                          for (m, c, k), t in sorted(months.items())]),
            (_ADD_HALL_DAY, [{"day": d, "hall": hall, **t.as_row()} for d, t in sorted(days.items())])):
        conn.execute(sql, [_json_rows(rows)])


_RATING_TYPES = {"hall": "integer", "ticket": "bigint", "seq": "bigint", "prev": "text", "hash": "text",
                 "score": "smallint", "unrated": "boolean", "counter": "integer", "staff": "text", "device": "integer",
                 "reasons": "jsonb", "at": "double precision", "service_day": "date", "number": "text",
                 "item_key": "text", "verified": "boolean", "problem": "text"}
_INSERT_RATINGS = (
    f"INSERT INTO ratings ({', '.join(_RATING_TYPES)}) SELECT {', '.join(_RATING_TYPES)} FROM "
    "json_to_recordset(%s::json) AS r(" + ", ".join(f"{c} {t}" for c, t in _RATING_TYPES.items()) + ")")


def insert_ratings(conn: psycopg.Connection, rows: list[dict[str, Any]]) -> None:
    """The batch's new ratings (one per rating event, which is stored once), in one statement."""
    if rows:
        conn.execute(_INSERT_RATINGS, [_json_rows({c: r.get(c) for c in _RATING_TYPES} for r in rows)])


def insert_chain_problems(conn: psycopg.Connection, hall: int, problems: list[dict[str, Any]]) -> None:
    if problems:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO chain_problems (hall, seq, ticket, kind, detail) "
                            "VALUES (%s, %s, %s, %s, %s)",
                            [[hall, p["seq"], p["ticket"], p["kind"], p["detail"]] for p in problems])


_REF_SQL = {
    "staff": ("hall_staff", ("username", "display_name"), ("username",)),
    "counters": ("hall_counters", ("number", "name"), ("number",)),
    "items": ("hall_items", ("item_key", "category", "name_zh", "name_en", "item_code", "item_version"),
              ("item_key",)),
    "categories": ("hall_categories", ("code", "name_zh", "name_en"), ("code",)),
}


def upsert_refs(conn: psycopg.Connection, hall: int, refs: Mapping[str, list[dict[str, Any]]], as_of: int) -> None:
    """Names and codes shipped with the batch; an older batch never overwrites a newer name."""
    rows_of = dict(refs)
    items = [{**i, "item_key": i.get("code")} for i in rows_of.get("items", [])]
    items += [{"item_key": f"bundle:{b.get('code')}", "category": None, "name_zh": b.get("name_zh"),
               "name_en": b.get("name_en"), "item_code": b.get("item_code"), "item_version": None}
              for b in rows_of.get("bundles", [])]
    rows_of["items"] = items
    with conn.cursor() as cur:
        for name, (table, columns, key) in _REF_SQL.items():
            rows = [r for r in rows_of.get(name, []) if isinstance(r, Mapping) and all(r.get(k) is not None
                                                                                       for k in key)]
            if not rows:
                continue
            values = [c for c in columns if c not in key]
            updates = ", ".join(f"{c} = excluded.{c}" for c in (*values, "as_of"))
            changed = " OR ".join(f"t.{c} IS DISTINCT FROM excluded.{c}" for c in values)
            # Only a name that changed is written (as_of: the batch that changed it, never an older one).
            cur.executemany(
                f"INSERT INTO {table} AS t (hall, {', '.join(columns)}, as_of) "
                f"VALUES (%s, {', '.join(['%s'] * len(columns))}, %s) ON CONFLICT (hall, {', '.join(key)}) "
                f"DO UPDATE SET {updates} WHERE excluded.as_of >= t.as_of AND ({changed})",
                [[hall, *(str(r.get(c)) if r.get(c) is not None and c != "number" else r.get(c) for c in columns),
                  as_of] for r in rows])
