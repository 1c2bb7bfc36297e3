"""The materials a clerk ticked for the ticket in hand, per counter (shown on the citizen-facing screen)."""

from __future__ import annotations

import sqlite_utils

Db = sqlite_utils.Database


def ticked(db: Db, counter: int, ticket: int) -> frozenset[int]:
    """The material indexes ticked for *ticket* at *counter*."""
    rows = db.execute("SELECT material FROM checklist_ticks WHERE counter = ? AND ticket = ?", [counter, ticket])
    return frozenset(r[0] for r in rows)


def set_tick(db: Db, counter: int, ticket: int, material: int, checked: bool) -> None:
    """Tick or untick one material; ticks of the counter's earlier tickets are dropped."""
    db.execute("DELETE FROM checklist_ticks WHERE counter = ? AND ticket != ?", [counter, ticket])
    if checked:
        db.execute("INSERT OR IGNORE INTO checklist_ticks (counter, ticket, material) VALUES (?, ?, ?)",
                   [counter, ticket, material])
    else:
        db.execute("DELETE FROM checklist_ticks WHERE counter = ? AND ticket = ? AND material = ?",
                   [counter, ticket, material])


def set_and_read(db: Db, counter: int, ticket: int, material: int, checked: bool) -> frozenset[int]:
    """Tick or untick, then every index now ticked."""
    set_tick(db, counter, ticket, material, checked)
    return ticked(db, counter, ticket)
