"""Queries of the clerks' assessment: a period's finished cases with rating and follow-up, the clerks,
and how many items each counter is authorised for. Callers hold a Storage transaction."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from ..advisor.assessment import HandledCase

Db = sqlite_utils.Database

_CASES_SQL = """
SELECT t.id, t.number, t.service_day, t.staff, t.item, t.bundle, t.started_at, t.finished_at,
       CASE WHEN r.unrated = 0 AND coalesce(f.state, '') != 'voided' THEN r.score END AS score,
       f.state AS followup_state, f.due_day, f.due_at, f.closed_in_time
FROM tickets t
LEFT JOIN ratings r ON r.ticket = t.id
LEFT JOIN followups f ON f.ticket = t.id
WHERE t.service_day BETWEEN ? AND ? AND t.state = 'finished' AND t.staff IS NOT NULL {clerk}
ORDER BY t.id
"""


def handled_cases(db: Db, day_from: str, day_to: str, clerk: str | None = None) -> list[HandledCase]:
    """The finished cases of the service days in the range (one clerk's, if given)."""
    params: list[Any] = [day_from, day_to]
    if clerk is not None:
        params.append(clerk)
    rows = db.execute(_CASES_SQL.format(clerk="AND t.staff = ?" if clerk is not None else ""), params).fetchall()
    cases = []
    for r in rows:
        followup = None
        if r["followup_state"] is not None:
            followup = {"state": r["followup_state"], "due_day": r["due_day"], "due_at": r["due_at"],
                        "closed_in_time": r["closed_in_time"]}
        handling = r["finished_at"] - r["started_at"] if r["started_at"] is not None else None
        cases.append(HandledCase(ticket=r["id"], number=r["number"], day=r["service_day"], clerk=r["staff"],
                                 service=f"bundle:{r['bundle']}" if r["bundle"] else (r["item"] or ""),
                                 handling_seconds=handling, score=r["score"], followup=followup))
    return cases


def clerks(db: Db, clerk: str | None = None) -> list[dict[str, Any]]:
    """Active staff with the clerk role (one of them, if given)."""
    rows = db.execute("SELECT username, display_name, roles, counter FROM staff WHERE active = 1 ORDER BY username")
    return [dict(r) for r in rows.fetchall()
            if "clerk" in r["roles"].split(",") and (clerk is None or r["username"] == clerk)]


def authorised_counts(db: Db) -> dict[int, int]:
    """How many active items each counter is authorised for."""
    rows = db.execute("SELECT ci.counter, count(*) AS n FROM counter_items ci JOIN service_items si "
                      "ON si.code = ci.item WHERE si.active = 1 GROUP BY ci.counter").fetchall()
    return {r["counter"]: r["n"] for r in rows}


def active_items(db: Db) -> int:
    return db.execute("SELECT count(*) FROM service_items WHERE active = 1").fetchone()[0]


def service_names(db: Db, lang: str) -> dict[str, str]:
    """Names of items and of bundles ("bundle:" + code) in *lang*."""
    column = "name_en" if lang.startswith("en") else "name_zh"
    names = {r["code"]: r[column] for r in db.execute(f"SELECT code, {column} FROM service_items").fetchall()}
    names.update({f"bundle:{r['code']}": r[column]
                  for r in db.execute(f"SELECT code, {column} FROM bundles").fetchall()})
    return names
