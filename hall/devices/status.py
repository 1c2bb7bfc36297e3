"""Device status: the last state of every device, kept in the database so that every process sees it.

The device owner (or the server process an agent is connected to) writes a row when a device's state or
message changes, with the agent that reports it; the agent's row in ``agents`` says when it was last heard;
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

    def set_status(self, device: str, state: str, message: str = "", *, agent: int | None = None) -> None:
        """Record *device*'s state; nothing is written when neither the state nor the message changed.

        *agent* is the agent device that reports it (None: this server). A device behind an agent may be
        reported by any server process the agent connects to, so its last state is compared with the row.
        """
        message = message[:300]
        # One change at a time: listeners hear the changes in the order they were written.
        with self._lock:
            if agent is None and self._last.get(device) == (state, message):
                return
            now = self.clock.now()
            with self.storage.write() as db:
                row = db.execute("SELECT state, message, since, agent FROM device_status WHERE device = ?",
                                 [device]).fetchone()
                if agent is not None and row is not None and (row["state"], row["message"], row["agent"]) == (
                        state, message, agent):
                    return
                since = row["since"] if row is not None and row["state"] == state else now
                db.execute("INSERT INTO device_status (device, state, message, since, updated_at, agent) "
                           "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device) DO UPDATE SET state = excluded.state, "
                           "message = excluded.message, since = excluded.since, updated_at = excluded.updated_at, "
                           "agent = excluded.agent", [device, state, message, since, now, agent])
            self._last[device] = (state, message)
            if state != "ok":
                logger.warning("device %s: %s %s", device, state, message)
            entry = {"device": device, "state": state, "message": message, "since": since, "updated_at": now,
                     **self._agent_of(agent)}
            for listener in list(self._listeners):
                try:
                    listener(device, entry)
                except Exception:  # a broken listener must not stop the device that reported
                    logger.exception("device status listener failed")

    def _agent_of(self, agent: int | None) -> dict[str, Any]:
        if agent is None:
            return {"agent": None, "seen_at": None}
        with self.storage.read() as db:
            row = db.execute("SELECT d.name, a.last_seen FROM devices d LEFT JOIN agents a ON a.device = d.id "
                             "WHERE d.id = ?", [agent]).fetchone()
        return {"agent": row["name"] if row else None, "seen_at": row["last_seen"] if row else None}

    def devices_of_agent(self, agent: int) -> list[str]:
        """The devices whose state *agent* reports."""
        with self.storage.read() as db:
            return [r[0] for r in db.execute("SELECT device FROM device_status WHERE agent = ? ORDER BY device",
                                             [agent])]

    def statuses(self) -> list[dict[str, Any]]:
        """Every device's last state, by name, with the agent that reports it and when that agent was last heard."""
        with self.storage.read() as db:
            return [dict(r) for r in db.execute(_SELECT + " ORDER BY s.device")]

    def changed_since(self, at: float) -> list[dict[str, Any]]:
        """The devices whose state was written after *at* (for processes that did not write it)."""
        with self.storage.read() as db:
            return [dict(r) for r in db.execute(_SELECT + " WHERE s.updated_at > ? ORDER BY s.updated_at", [at])]

    def state_of(self, device: str) -> dict[str, Any] | None:
        with self.storage.read() as db:
            row = db.execute(_SELECT + " WHERE s.device = ?", [device]).fetchone()
        return dict(row) if row else None


_SELECT = ("SELECT s.device, s.state, s.message, s.since, s.updated_at, d.name AS agent, a.last_seen AS seen_at "
           "FROM device_status s LEFT JOIN devices d ON d.id = s.agent LEFT JOIN agents a ON a.device = s.agent")
