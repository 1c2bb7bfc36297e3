"""SQL of the back-office cases (后台分类审批)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


def reviewed_items_of_ticket(db: Db, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's items that are reviewed (限时办结) rather than done on the spot."""
    rows = db.execute(
        "SELECT si.code, si.time_limit_days FROM ticket_items ti JOIN service_items si ON si.code = ti.item "
        "WHERE ti.ticket = ? AND si.kind = 'reviewed' ORDER BY si.code", [ticket_id],
    ).fetchall()
    return [dict(r) for r in rows]


def insert_case(db: Db, values: dict[str, Any]) -> int:
    return int(db["cases"].insert(values).last_pk)


def case(db: Db, case_id: int) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT c.*, si.name_zh, si.name_en FROM cases c JOIN service_items si ON si.code = c.item WHERE c.id = ?",
        [case_id],
    ).fetchone()
    return dict(row) if row else None


def cases(db: Db, states: list[str] | None, limit: int = 500) -> list[dict[str, Any]]:
    sql = "SELECT c.*, si.name_zh, si.name_en FROM cases c JOIN service_items si ON si.code = c.item"
    params: list[Any] = []
    if states:
        sql += f" WHERE c.state IN ({','.join('?' * len(states))})"
        params += states
    rows = db.execute(sql + " ORDER BY c.due_day, c.id LIMIT ?", [*params, limit]).fetchall()
    return [dict(r) for r in rows]


def update_case(db: Db, case_id: int, values: dict[str, Any]) -> None:
    db["cases"].update(case_id, values)
