"""Device status: the last state of every device, kept in the database so that every process sees it.

The device owner (or an agent, through it) writes a row when a device's state or message changes;
the console of any server process reads the table. Listeners in the writing process hear of the
change at once; other processes notice it when they read (``changed_since``), which the live
channel does every second while managers are watching.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ..domain.clock import Clock
from ..storage import Storage

logger = logging.getLogger(__name__)

StatusListener = Callable[[str, dict[str, Any]], None]


class DeviceStatusStore:
    """``set_status(device, state, message)`` records; ``statuses()`` reads every device's last state."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock
        self._listeners: list[StatusListener] = []
        self._last: dict[str, tuple[str, str]] = {}
        self._lock = threading.RLock()

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def set_status(self, device: str, state: str, message: str = "") -> None:
        """Record *device*'s state; nothing is written when neither the state nor the message changed."""
        message = message[:300]
        # One change at a time: listeners hear the changes in the order they were written.
        with self._lock:
            if self._last.get(device) == (state, message):
                return
            self._last[device] = (state, message)
            now = self.clock.now()
            with self.storage.write() as db:
                row = db.execute("SELECT state, since FROM device_status WHERE device = ?", [device]).fetchone()
                since = row["since"] if row is not None and row["state"] == state else now
                db.execute("INSERT INTO device_status (device, state, message, since, updated_at) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (device) DO UPDATE SET state = excluded.state, "
                           "message = excluded.message, since = excluded.since, updated_at = excluded.updated_at",
                           [device, state, message, since, now])
            if state != "ok":
                logger.warning("device %s: %s %s", device, state, message)
            entry = {"device": device, "state": state, "message": message, "since": since, "updated_at": now}
            for listener in list(self._listeners):
                try:
                    listener(device, entry)
                except Exception:  # a broken listener must not stop the device that reported
                    logger.exception("device status listener failed")

    def statuses(self) -> list[dict[str, Any]]:
        """Every device's last state, by name."""
        with self.storage.read() as db:
            return [dict(r) for r in db.execute("SELECT device, state, message, since, updated_at "
                                                "FROM device_status ORDER BY device")]

    def changed_since(self, at: float) -> list[dict[str, Any]]:
        """The devices whose state was written after *at* (for processes that did not write it)."""
        with self.storage.read() as db:
            return [dict(r) for r in db.execute("SELECT device, state, message, since, updated_at FROM device_status "
                                                "WHERE updated_at > ? ORDER BY updated_at", [at])]

    def state_of(self, device: str) -> dict[str, Any] | None:
        with self.storage.read() as db:
            row = db.execute("SELECT device, state, message, since, updated_at FROM device_status WHERE device = ?",
                             [device]).fetchone()
        return dict(row) if row else None
