"""SQL of ingest: events by COPY, the ticket projection, rollup increments, ratings, names; one batch each."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from hall.domain.figures import HISTOGRAMS, SCALARS, Tally

from ..projection import FIELDS, RollupKey, TicketRow

TALLY_COLUMNS = (*SCALARS, *HISTOGRAMS)


def stored_events(conn: psycopg.Connection, hall: int, first: int, last: int) -> dict[int, dict[str, Any]]:
    """The hall's stored events with ids in [first, last]."""
    rows = conn.execute("SELECT id, at, type, ticket, counter, staff, data FROM events "
                        "WHERE hall = %s AND id BETWEEN %s AND %s", [hall, first, last]).fetchall()
    return {r["id"]: r for r in rows}


def copy_events(conn: psycopg.Connection, hall: int, events: Iterable[Mapping[str, Any]]) -> int:
    count = 0
    with conn.cursor() as cur, cur.copy(
            "COPY events (hall, id, at, type, ticket, counter, staff, data) FROM STDIN") as copy:
        for e in events:
            copy.write_row((hall, e["id"], e["at"], e["type"], e.get("ticket"), e.get("counter"), e.get("staff"),
                            json.dumps(e.get("data") or {}, ensure_ascii=False)))
            count += 1
    return count


def load_tickets(conn: psycopg.Connection, hall: int, ids: Iterable[int]) -> dict[int, TicketRow]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = conn.execute(f"SELECT {', '.join(FIELDS)} FROM tickets WHERE hall = %s AND id = ANY(%s)",
                        [hall, ids]).fetchall()
    return {r["id"]: TicketRow(**r) for r in rows}


_TEMP_TICKETS = "CREATE TEMP TABLE IF NOT EXISTS incoming_tickets (LIKE tickets) ON COMMIT DELETE ROWS"


def upsert_tickets(conn: psycopg.Connection, rows: list[TicketRow]) -> None:
    """Write the changed tickets: COPY into a temporary table, then one INSERT … ON CONFLICT."""
    if not rows:
        return
    conn.execute(_TEMP_TICKETS)
    with conn.cursor() as cur, cur.copy(f"COPY incoming_tickets ({', '.join(FIELDS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row.as_tuple())
    updates = ", ".join(f"{f} = excluded.{f}" for f in FIELDS if f not in ("hall", "id"))
    conn.execute(f"INSERT INTO tickets ({', '.join(FIELDS)}) SELECT {', '.join(FIELDS)} FROM incoming_tickets "
                 f"ON CONFLICT (hall, id) DO UPDATE SET {updates}")


def _add_sql(table: str, key: tuple[str, ...]) -> str:
    columns = (*key, *TALLY_COLUMNS)
    sums = [f"{c} = t.{c} + excluded.{c}" for c in SCALARS]
    sums += [f"{h} = ARRAY(SELECT a + b FROM unnest(t.{h}, excluded.{h}) AS u(a, b))" for h in HISTOGRAMS]
    return (f"INSERT INTO {table} AS t ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(sums)}")


_ADD_DAY = _add_sql("figures_day", ("day", "hall", "category", "item_key"))
_ADD_MONTH = _add_sql("figures_month", ("month", "hall", "category", "item_key"))
_ADD_HALL_DAY = _add_sql("figures_hall_day", ("day", "hall"))


def _values(tally: Tally) -> list[Any]:
    return [getattr(tally, c) for c in TALLY_COLUMNS]


def add_rollups(conn: psycopg.Connection, hall: int, deltas: Mapping[RollupKey, Tally]) -> None:
    """Add each (day, category, item) delta to the day, month and hall-day rollups."""
    if not deltas:
        return
    months: dict[tuple[date, str, str], Tally] = {}
    days: dict[date, Tally] = {}
    for (day, category, key), delta in deltas.items():
        months.setdefault((day.replace(day=1), category, key), Tally()).add(delta)
        days.setdefault(day, Tally()).add(delta)
    # Sorted keys: concurrent batches of one hall are serialised anyway; this keeps lock order stable.
    with conn.cursor() as cur:
        cur.executemany(_ADD_DAY, [[d, hall, c, k, *_values(t)] for (d, c, k), t in sorted(deltas.items())])
        cur.executemany(_ADD_MONTH, [[m, hall, c, k, *_values(t)] for (m, c, k), t in sorted(months.items())])
        cur.executemany(_ADD_HALL_DAY, [[d, hall, *_values(t)] for d, t in sorted(days.items())])


def insert_ratings(conn: psycopg.Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO ratings (hall, ticket, seq, prev, hash, score, unrated, counter, staff, device, reasons, at, "
            "service_day, number, item_key, verified, problem) VALUES (%(hall)s, %(ticket)s, %(seq)s, %(prev)s, "
            "%(hash)s, %(score)s, %(unrated)s, %(counter)s, %(staff)s, %(device)s, %(reasons)s, %(at)s, "
            "%(service_day)s, %(number)s, %(item_key)s, %(verified)s, %(problem)s) "
            "ON CONFLICT (hall, ticket) DO NOTHING",
            [{**r, "reasons": Jsonb(r.get("reasons") or [])} for r in rows])


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
            updates = ", ".join(f"{c} = excluded.{c}" for c in (*columns, "as_of") if c not in key)
            cur.executemany(
                f"INSERT INTO {table} AS t (hall, {', '.join(columns)}, as_of) "
                f"VALUES (%s, {', '.join(['%s'] * len(columns))}, %s) ON CONFLICT (hall, {', '.join(key)}) "
                f"DO UPDATE SET {updates} WHERE excluded.as_of >= t.as_of",
                [[hall, *(str(r.get(c)) if r.get(c) is not None and c != "number" else r.get(c) for c in columns),
                  as_of] for r in rows])
