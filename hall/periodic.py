"""Background work that repeats: one thread per task, stopped and joined on close."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class PeriodicTask:
    """Runs *action* every *interval* seconds on its own thread; a failing run is logged and the next one runs."""

    def __init__(self, name: str, interval: float, action: Callable[[], object], *, run_at_start: bool = False,
                 join_timeout: float = 10.0) -> None:
        if interval <= 0:
            raise ValueError(f"{name}: the interval must be positive")
        self.name = name
        self.interval = interval
        self.action = action
        self.run_at_start = run_at_start
        self.join_timeout = join_timeout
        self.runs = 0
        self._ran = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "PeriodicTask":
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.join_timeout)
            self._thread = None

    def wait_runs(self, count: int, timeout: float) -> bool:
        """Block until the task has run *count* times (for tests)."""
        with self._ran:
            return self._ran.wait_for(lambda: self.runs >= count, timeout=timeout)

    def _loop(self) -> None:
        if not self.run_at_start and self._stop.wait(self.interval):
            return
        while True:
            try:
                self.action()
            except Exception:  # thread boundary: the next run must still happen
                logger.exception("%s failed", self.name)
            with self._ran:
                self.runs += 1
                self._ran.notify_all()
            if self._stop.wait(self.interval):
                return


class JobThread:
    """Runs queued jobs one after another on its own thread; a failing job is logged and the next one runs.

    For device writers that must never block the thread that asks (a keypad reader, the event bus).
    """

    def __init__(self, name: str, join_timeout: float = 10.0) -> None:
        self.name = name
        self.join_timeout = join_timeout
        self._jobs: queue.Queue[Callable[[], object] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> "JobThread":
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def put(self, job: Callable[[], object]) -> None:
        """Queue *job*; returns at once."""
        self._jobs.put(job)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every job queued so far has run (for tests and demos)."""
        done = threading.Event()
        self._jobs.put(done.set)
        return done.wait(timeout)

    def close(self) -> None:
        """Run what is queued, then stop the thread."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=self.join_timeout)
            self._thread = None

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # thread boundary: one failing job must not stop the device
                logger.exception("%s job failed", self.name)
