"""Sequence numbers of the live channel: per process, or shared by every process behind one Redis.

A client checks that each message's ``seq`` follows the last one in its room and that
``epoch`` has not changed; otherwise it asks for a snapshot. With several server
processes behind a message queue, a lobby on process B also receives what process A
emits, so both processes must draw from one counter per (namespace, room) and share one
epoch: Redis ``INCR`` gives exactly that in one round trip.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import defaultdict
from typing import Protocol

logger = logging.getLogger(__name__)

KEY_PREFIX = "onewindow:live"


class Sequences(Protocol):
    """Hands out (epoch, seq) for a message and tells the current position for a snapshot."""

    def next(self, namespace: str, room: str) -> tuple[str, int]: ...

    def current(self, namespace: str, room: str) -> tuple[str, int]: ...

    def close(self) -> None: ...


class LocalSequences:
    """One process: counters in memory, a random epoch per start."""

    def __init__(self) -> None:
        self.epoch = secrets.token_hex(4)
        self._seq: dict[tuple[str, str], int] = defaultdict(int)
        self._lock = threading.Lock()

    def next(self, namespace: str, room: str) -> tuple[str, int]:
        with self._lock:
            self._seq[(namespace, room)] += 1
            return self.epoch, self._seq[(namespace, room)]

    def current(self, namespace: str, room: str) -> tuple[str, int]:
        with self._lock:
            return self.epoch, self._seq[(namespace, room)]

    def close(self) -> None:
        """Nothing to release."""


class RedisSequences:
    """Several processes: one Redis counter per (namespace, room) and one epoch key shared by all.

    The epoch is set only if missing (SET NX) and read back in the same pipeline, so a
    Redis that lost its keys yields a new epoch for everyone and every client resyncs.
    """

    def __init__(self, url: str, *, prefix: str = KEY_PREFIX) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = prefix

    def _pipeline(self, namespace: str, room: str, command: str) -> tuple[str, int]:
        epoch_key = f"{self.prefix}:epoch"
        pipe = self.client.pipeline(transaction=True)
        pipe.set(epoch_key, secrets.token_hex(4), nx=True)
        pipe.get(epoch_key)
        getattr(pipe, command)(f"{self.prefix}:seq:{namespace}:{room}")
        _, epoch, seq = pipe.execute()
        return epoch.decode("ascii"), int(seq or 0)

    def next(self, namespace: str, room: str) -> tuple[str, int]:
        return self._pipeline(namespace, room, "incr")

    def current(self, namespace: str, room: str) -> tuple[str, int]:
        return self._pipeline(namespace, room, "get")

    def close(self) -> None:
        self.client.close()


def make_sequences(message_queue: str | None) -> Sequences:
    """Shared sequences when a Redis message queue is configured, in-process ones otherwise."""
    if message_queue and message_queue.startswith(("redis://", "rediss://", "unix://")):
        return RedisSequences(message_queue)
    return LocalSequences()
