"""Blocking work in a server that may run on gevent.

The production server runs each worker process on gevent (one OS thread, many greenlets): fine for
sockets and short queries, but a C call that runs long — espeak-ng rendering a sentence, a report over a
year of tickets, a backup — would stop every greenlet while it runs. Such work goes through
``run_blocking`` (a call on a real OS thread from gevent's pool) or ``native_thread`` (a long-lived one).
Without gevent (tests, command-line tools) both are the plain thing.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Joinable(Protocol):
    def join(self, timeout: float | None = None) -> None: ...


def gevent_active() -> bool:
    """True when gevent has patched the threading module (a gunicorn gevent worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey is not None and monkey.is_module_patched("threading"))


def run_blocking(function: Callable[..., T], *args: object) -> T:
    """Run *function* on a real OS thread under gevent (other greenlets keep running), else right here."""
    if not gevent_active():
        return function(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(function, args)


class _PoolThread:
    def __init__(self, target: Callable[[], object], name: str) -> None:
        from gevent.threadpool import ThreadPool

        self.name = name
        self._pool = ThreadPool(1)
        self._result = self._pool.spawn(target)

    def join(self, timeout: float | None = None) -> None:
        self._result.wait(timeout)
        self._pool.kill()


def native_thread(target: Callable[[], object], name: str) -> Joinable:
    """Start *target* on an OS thread of its own (under gevent too); returns something to join."""
    if gevent_active():
        return _PoolThread(target, name)
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
