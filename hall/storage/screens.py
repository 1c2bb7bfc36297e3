"""Queries for the public screens: the counter screen and the citizen-facing screen."""

from __future__ import annotations

from typing import Any

from ..domain.models import Ticket
from . import repo

Db = Any


def last_finished_at_counter(db: Db, counter: int, service_day: str) -> Ticket | None:
    """The ticket *counter* finished most recently on *service_day*."""
    row = db.execute(
        "SELECT id FROM tickets WHERE counter = ? AND service_day = ? AND state = 'finished' "
        "ORDER BY finished_at DESC, id DESC LIMIT 1", [counter, service_day],
    ).fetchone()
    return repo.ticket(db, row["id"]) if row else None


def staff_display_name(db: Db, username: str | None, counter: int) -> str | None:
    """The display name of *username*, else of the active clerk assigned to *counter* (halls show it on purpose)."""
    if username:
        row = db.execute("SELECT display_name FROM staff WHERE username = ? AND active = 1", [username]).fetchone()
        if row:
            return row["display_name"]
    row = db.execute("SELECT display_name FROM staff WHERE counter = ? AND active = 1 ORDER BY username LIMIT 1",
                     [counter]).fetchone()
    return row["display_name"] if row else None
