"""The audit log: who changed which part of the configuration, when, from what to what."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .domain.clock import Clock
from .domain.errors import N_, InvalidInput
from .storage import Storage
from .storage import audit as audit_store

MAX_ENTRIES = 1000


def record(db: Any, clock: Clock, actor: str, action: str, target: str, before: Any, after: Any) -> None:
    """Log one change inside the caller's write transaction, so change and record commit together."""
    audit_store.append(db, at=clock.now(), actor=actor, action=action, target=target, before=before, after=after)


class AuditLog:
    """Reads the audit log with filters for the console and the API."""

    def __init__(self, storage: Storage, tz: ZoneInfo) -> None:
        self.storage = storage
        self.tz = tz

    def entries(self, *, actor: str | None = None, action: str | None = None, target: str | None = None,
                day_from: str | None = None, day_to: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Entries newest first; days are the hall's calendar days (YYYY-MM-DD), both ends included."""
        try:
            since = self._start_of(date.fromisoformat(day_from)) if day_from else None
            until = self._start_of(date.fromisoformat(day_to) + timedelta(days=1)) if day_to else None
        except ValueError:
            raise InvalidInput(N_("'from' and 'to' must be dates written YYYY-MM-DD")) from None
        if not 1 <= limit <= MAX_ENTRIES:
            raise InvalidInput(N_("limit must be between 1 and {max_entries}"), max_entries=MAX_ENTRIES)
        with self.storage.read() as db:
            rows = audit_store.entries(db, actor=actor or None, action=action or None, target=target or None,
                                       since=since, until=until, limit=limit)
        for row in rows:
            row["when"] = datetime.fromtimestamp(row["at"], self.tz).isoformat(timespec="seconds")
        return rows

    def _start_of(self, day: date) -> float:
        return datetime.combine(day, time(0, 0), self.tz).timestamp()
