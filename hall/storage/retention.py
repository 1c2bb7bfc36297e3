"""Queries of the personal-data retention job; callers hold a Storage transaction. Each query is bounded by a
partial index of what is still to erase (migration 1302) and by a batch size."""

from __future__ import annotations

from typing import Any

import sqlite_utils

Db = sqlite_utils.Database

FOLLOWUP_FIELDS = ("callback_contact", "callback_said", "rectification", "appeal_reason", "decision_note",
                   "close_note")
CASE_FIELDS = ("review_note", "approval_note")


def followups_to_erase(db: Db, ended_before: float, limit: int) -> list[dict[str, Any]]:
    rows = db.execute(
        f"SELECT id, {', '.join(FOLLOWUP_FIELDS)} FROM followups INDEXED BY followups_retention "
        "WHERE personal_erased_at IS NULL AND state IN ('closed', 'voided') "
        "AND coalesce(closed_at, decided_at) < ? LIMIT ?", [ended_before, limit]).fetchall()
    return [dict(r) for r in rows]


def erase_followup(db: Db, followup_id: int, values: dict[str, Any], at: float) -> None:
    db.execute(f"UPDATE followups SET {', '.join(f'{k} = ?' for k in values)}, personal_erased_at = ? WHERE id = ?",
               [*values.values(), at, followup_id])


def cases_to_erase(db: Db, ended_before: float, limit: int) -> list[dict[str, Any]]:
    rows = db.execute(
        f"SELECT id, {', '.join(CASE_FIELDS)} FROM cases INDEXED BY cases_retention "
        "WHERE notes_erased_at IS NULL AND state IN ('delivered', 'rejected') "
        "AND coalesce(delivered_at, approved_at, reviewed_at) < ? LIMIT ?", [ended_before, limit]).fetchall()
    return [dict(r) for r in rows]


def erase_case_notes(db: Db, case_id: int, values: dict[str, Any], at: float) -> None:
    db.execute(f"UPDATE cases SET {', '.join(f'{k} = ?' for k in values)}, notes_erased_at = ? WHERE id = ?",
               [*values.values(), at, case_id])
