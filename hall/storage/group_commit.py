"""Group commit: the writes of many requests in one durable transaction, the disk waits off the event loop.

With ``synchronous = FULL`` every commit waits for the disk. A request that commits on gevent's one
thread stops every other request for that time. Under gevent, write operations are queued for one
writer greenlet instead: it runs whatever has queued up since its last turn in one ``BEGIN IMMEDIATE``
transaction — each operation in a savepoint of its own, so one that is refused rolls back alone —
commits once, and only then answers every caller. The two steps that wait (for the write lock, which
another process may hold, and for the commit's fsync) run on one native thread; while they wait, the
event loop goes on parsing and answering other requests, and under load one fsync serves many tickets.
Without gevent (tests, command-line tools) an operation simply runs in its own write transaction.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from ..concurrency import gevent_active

logger = logging.getLogger(__name__)

T = TypeVar("T")
#: The most operations one transaction takes: bounds the wait of the first one in a burst.
MAX_BATCH = 64


class GroupWriter:
    """Collects write operations from greenlets and runs them in batches on one native thread."""

    def __init__(self, storage: Any) -> None:
        import gevent
        from gevent.event import Event
        from gevent.threadpool import ThreadPool

        self.storage = storage
        self._pool = ThreadPool(1)
        self._pending: list[tuple[Callable[[], Any], Any]] = []
        self._wake = Event()
        self._greenlet = gevent.spawn(self._loop)
        self.batches = 0
        self.operations = 0

    def submit(self, operation: Callable[[], T]) -> T:
        """Run *operation* in the next batch and return its result (or raise its error) once committed."""
        from gevent.event import AsyncResult

        result: Any = AsyncResult()
        self._pending.append((operation, result))
        self._wake.set()
        return result.get()

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                try:
                    outcomes, callbacks = self.storage.run_batch([op for op, _ in batch], blocking=self._off_loop)
                except BaseException as exc:  # the commit itself failed: every operation of the batch failed
                    logger.exception("a write batch of %d operation(s) failed to commit", len(batch))
                    for _, result in batch:
                        result.set_exception(exc)
                    continue
                self.batches += 1
                self.operations += len(batch)
                for callback in callbacks:  # after the commit, on the event loop: wake the feed, once
                    try:
                        callback()
                    except Exception:  # a listener must not stop the writer
                        logger.exception("after-commit callback failed")
                for (_, result), (ok, value) in zip(batch, outcomes, strict=True):
                    if ok:
                        result.set(value)
                    else:
                        result.set_exception(value)

    def _off_loop(self, step: Callable[[], None]) -> None:
        self._pool.apply(step)

    def close(self) -> None:
        self._greenlet.kill()
        self._pool.kill()


def writes(method: Callable[..., T]) -> Callable[..., T]:
    """Run a write operation of an object with a ``storage`` (or ``service.storage``) in a group commit.

    Nested calls (an operation inside another one's transaction) run inline, in that transaction.
    """
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
        storage = getattr(self, "storage", None) or self.service.storage
        if storage.in_write() or not gevent_active():
            return method(self, *args, **kwargs)
        return storage.transact(lambda: method(self, *args, **kwargs))

    return wrapper
