"""Sequence numbers of the live channel, per process.

A client checks that each message's ``seq`` follows the last one in its room and that ``epoch`` has
not changed; otherwise it asks for a snapshot. Every process sends its own clients every event of the
log (``hall.feed``), so sequences never need to be shared between processes: a client that reconnects
to another process sees that process's epoch and starts from a snapshot.
"""

from __future__ import annotations

import secrets
import threading


class LocalSequences:
    """Counters in memory, a random epoch per start."""

    def __init__(self) -> None:
        self.epoch = secrets.token_hex(4)
        self._seq: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def next(self, namespace: str, room: str) -> tuple[str, int]:
        with self._lock:
            value = self._seq.get((namespace, room), 0) + 1
            self._seq[(namespace, room)] = value
            return self.epoch, value

    def current(self, namespace: str, room: str) -> tuple[str, int]:
        with self._lock:
            return self.epoch, self._seq.get((namespace, room), 0)

    def drop(self, namespace: str, room: str) -> None:
        """Forget a room nobody is in any more (a phone's ticket room)."""
        with self._lock:
            self._seq.pop((namespace, room), None)
