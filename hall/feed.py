"""The log feed: every process learns what happened in the hall by reading the event log.

A command commits its events and calls ``committed()``; the feed reads the events after its cursor
(one indexed query, plus one for the tickets they name) and publishes them on the process's event bus
in log order. Events committed by another server process (or the device owner's keypads) arrive the
same way: through a wake-up over Redis when one is configured, else by polling every ``poll_interval``
seconds. So the live channel, the announcer, keypads, LED strips and the prefecture sender all see one
history, whichever process wrote it, and nothing lives only in the memory of the process that wrote it.

Without a running feed thread (tests of the core, command-line tools) ``committed()`` publishes at
once on the caller's thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from .domain import events as ev
from .storage import Storage, queue_rows

logger = logging.getLogger(__name__)

BATCH = 500


class Wakeup(Protocol):
    """Tells feeds that events were committed: this process's own, and (over Redis) every process's."""

    def notify(self) -> None: ...

    def wait(self, timeout: float) -> bool: ...

    def close(self) -> None: ...


class LocalWakeup:
    """One process: an event the committing thread sets."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def notify(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken

    def close(self) -> None:
        self._event.set()


class RedisWakeup(LocalWakeup):
    """Several processes: a commit also publishes a wake-up on a Redis channel that every process listens to."""

    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        import redis

        self.client = redis.Redis.from_url(url)
        self.channel = channel
        self._pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(channel)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="feed-wakeup", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        super().notify()
        try:
            self.client.publish(self.channel, b"1")
        except Exception:  # network boundary: the other processes fall back to polling
            logger.warning("could not publish a wake-up on %s", self.channel, exc_info=True)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                if self._pubsub.get_message(timeout=1.0) is not None:
                    self._event.set()
            except Exception:  # network boundary: retry; polling covers the gap
                logger.warning("wake-up channel %s failed; retrying", self.channel, exc_info=True)
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        super().close()
        self._thread.join(timeout=5)
        try:
            self._pubsub.close()
            self.client.close()
        except Exception:  # closing a network client
            logger.debug("closing the wake-up client failed", exc_info=True)


class LogFeed:
    """Publishes the event log on a bus, in order, from a cursor; ``start()`` runs it on its own thread."""

    def __init__(self, storage: Storage, bus: ev.EventBus, *, wakeup: Wakeup | None = None,
                 poll_interval: float = 0.5) -> None:
        self.storage = storage
        self.bus = bus
        self.wakeup: Wakeup = wakeup or LocalWakeup()
        self.poll_interval = poll_interval
        self._cursor: int | None = None
        self._pump_lock = threading.Lock()
        self._published = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def cursor(self) -> int:
        """The id of the last event published (reading the log's end the first time)."""
        if self._cursor is None:
            with self.storage.read() as db:
                self._cursor = queue_rows.last_event_id(db)
        return self._cursor

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Publish from the log's current end on, on a thread of its own."""
        _ = self.cursor
        self._thread = threading.Thread(target=self._run, name="log-feed", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Publish what is committed, then stop."""
        if self._thread is None:
            return
        self._stop.set()
        self.wakeup.close()
        self._thread.join(timeout=10)
        self._thread = None
        self.pump()

    def committed(self) -> None:
        """This process committed events: publish them (at once without a thread, else on the feed's thread)."""
        if self._thread is None:
            self.pump()
        else:
            self.wakeup.notify()

    def pump(self) -> int:
        """Publish every committed event after the cursor; returns how many."""
        total = 0
        with self._pump_lock:
            while True:
                cursor = self.cursor
                with self.storage.read() as db:
                    rows = queue_rows.events_after(db, cursor, BATCH)
                    ids = [r["ticket"] for r in rows if r["ticket"] is not None]
                    tickets = queue_rows.public_tickets(db, ids) if ids else {}
                for row in rows:
                    ticket = tickets.get(row["ticket"]) if row["ticket"] is not None else None
                    self.bus.publish(ev.event_from_log(row, dict(ticket) if ticket else None))
                if rows:
                    with self._published:
                        self._cursor = rows[-1]["id"]
                        self._published.notify_all()
                total += len(rows)
                if len(rows) < BATCH:
                    return total

    def wait_until(self, event_id: int, timeout: float = 10.0) -> bool:
        """Block until the event *event_id* has been published (for tests and benchmarks)."""
        if self._thread is None:
            self.pump()
        with self._published:
            return self._published.wait_for(lambda: (self._cursor or 0) >= event_id, timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.pump()
            except Exception:  # thread boundary: the next wake-up tries again from the same cursor
                logger.exception("the log feed failed; retrying")
            self.wakeup.wait(self.poll_interval)
