"""One process's queue index, kept consistent with the event log.

Every change of a ticket's state is an event written in the same transaction as the ticket's row, and
event ids grow in commit order. So a process catches up with every other process by reading the events
after its cursor and re-reading the tickets they name: one indexed query for the events, one for the
tickets, whatever the length of the queue. Inside a write transaction (``BEGIN IMMEDIATE``, the only
writer) that makes the index exact; on a reader it is at least as new as the reader's snapshot.

A new service day starts a new index, loaded from that day's waiting tickets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .domain.queue import QueueIndex
from .domain.routing import OneWindowPolicy
from .storage import queue_rows
from .storage.repo import Db

logger = logging.getLogger(__name__)

#: Events read per query while catching up after a long pause.
BATCH = 2000


class QueueBook:
    """The waiting queue of the current service day, as an index; ``view(db, day)`` syncs and lends it."""

    def __init__(self, policy: OneWindowPolicy) -> None:
        self.index = QueueIndex(policy)
        self._cursor = -1
        self._day: str | None = None
        self._lock = threading.RLock()
        self.rebuilds = 0  # how often the index was loaded whole (for tests and benchmarks)

    @property
    def cursor(self) -> int:
        """The id of the last event the index reflects."""
        return self._cursor

    @contextmanager
    def view(self, db: Db, service_day: str) -> Iterator[QueueIndex]:
        """The index brought up to date from *db*, held exclusively until the block ends."""
        with self._lock:
            self._sync(db, service_day)
            yield self.index

    def invalidate(self) -> None:
        """Forget everything: the next view rebuilds (after a restore, or when the day closed)."""
        with self._lock:
            self._day = None

    def _sync(self, db: Db, service_day: str) -> None:
        if service_day != self._day:
            self._rebuild(db, service_day)
            return
        while True:
            events = queue_rows.event_tickets_after(db, self._cursor, BATCH)
            if not events:
                return
            self._cursor = events[-1][0]
            touched = {ticket for _, ticket in events if ticket is not None}
            for state, day, ticket in queue_rows.queued_states(db, touched):
                if state == "waiting" and day == service_day:
                    self.index.put(ticket)
                else:
                    self.index.discard(ticket.id)
            if len(events) < BATCH:
                return

    def _rebuild(self, db: Db, service_day: str) -> None:
        self.index.clear()
        self._cursor = queue_rows.last_event_id(db)
        for ticket in queue_rows.waiting_of_day(db, service_day):
            self.index.put(ticket)
        self._day = service_day
        self.rebuilds += 1
        logger.info("queue index of %s loaded: %d waiting", service_day, len(self.index))

