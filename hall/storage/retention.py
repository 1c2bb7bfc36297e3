"""Queries of the personal-data retention job; callers hold a Storage transaction. Each query is bounded by a
partial index of what is still to erase (migration 1302) and by a batch size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

Db = sqlite_utils.Database


@dataclass(frozen=True)
class Kept:
    """A table holding personal data: its fields, when a row's purpose ended, and its retention index."""

    table: str
    fields: tuple[str, ...]
    ended: str
    states: tuple[str, ...]
    index: str
    marker: str


FOLLOWUPS = Kept("followups", ("callback_contact", "callback_said", "rectification", "appeal_reason",
                               "decision_note", "close_note"),
                 "coalesce(closed_at, decided_at)", ("closed", "voided"), "followups_retention", "personal_erased_at")
CASES = Kept("cases", ("review_note", "approval_note"), "coalesce(delivered_at, approved_at, reviewed_at)",
             ("delivered", "rejected"), "cases_retention", "notes_erased_at")


def to_erase(db: Db, kept: Kept, ended_before: float, limit: int) -> list[dict[str, Any]]:
    """Rows of *kept* whose purpose ended before *ended_before* and whose personal data is still there."""
    states = ", ".join(f"'{s}'" for s in kept.states)
    rows = db.execute(
        f"SELECT id, {', '.join(kept.fields)} FROM {kept.table} INDEXED BY {kept.index} "
        f"WHERE {kept.marker} IS NULL AND state IN ({states}) AND {kept.ended} < ? LIMIT ?",
        [ended_before, limit]).fetchall()
    return [dict(r) for r in rows]


def erase(db: Db, kept: Kept, row_id: int, values: dict[str, Any], at: float) -> None:
    """Write a row's personal fields as the job left them, and when."""
    db.execute(f"UPDATE {kept.table} SET {', '.join(f'{k} = ?' for k in values)}, {kept.marker} = ? WHERE id = ?",
               [*values.values(), at, row_id])
