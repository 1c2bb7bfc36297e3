"""Ask-and-answer over a reconnecting serial line: write a frame, wait for the device's answer.

LED boards and ID-card readers answer each frame the host sends. ``AnsweringLine`` owns the
``ReconnectingSerial`` (reader thread, reopen after unplug), parses what arrives into answers
and hands them to the one thread that asked (``ask``). It tracks whether the port is open so
the asking thread can wait for it instead of writing into the void.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from drivers.serial_port import STATE_OK, ReconnectingSerial, StatusCallback

logger = logging.getLogger(__name__)

AnswerT = TypeVar("AnswerT")
AnswerT_co = TypeVar("AnswerT_co", covariant=True)

MAX_UNCLAIMED = 32
"""Answers kept for the asking thread; older ones (nobody waited for them) are dropped."""


class StreamParser(Protocol[AnswerT_co]):
    """A streaming parser: bytes in, complete answers out."""

    def feed(self, data: bytes) -> list[AnswerT_co]:
        """Add received bytes; return the answers now complete."""

    def flush(self) -> list[AnswerT_co]:
        """The line went quiet: give up on a half frame; return what it hid."""


class PortDown(Exception):
    """The port closed (or was never open) while asking."""


class AnsweringLine(Generic[AnswerT]):
    """A serial line whose device answers frames; one thread asks at a time."""

    def __init__(
        self,
        url: str,
        make_parser: Callable[[], StreamParser[AnswerT]],
        on_port_status: StatusCallback,
        *,
        baudrate: int,
        read_timeout: float,
        reconnect_interval: float,
    ) -> None:
        self.url = url
        self._make_parser = make_parser
        self._parser = make_parser()
        self._on_port_status = on_port_status
        self._cond = threading.Condition()
        self._answers: deque[AnswerT] = deque(maxlen=MAX_UNCLAIMED)
        self._port_up = False
        self._openings = 0
        self._serial = ReconnectingSerial(url, self, self._port_status, baudrate=baudrate,
                                          read_timeout=read_timeout, reconnect_interval=reconnect_interval)

    @property
    def port_up(self) -> bool:
        """True while the port is open."""
        with self._cond:
            return self._port_up

    @property
    def openings(self) -> int:
        """How many times the port has been opened: a change means the device may have been replugged."""
        with self._cond:
            return self._openings

    def start(self) -> None:
        """Start the reader thread (it opens the port and keeps reopening it)."""
        self._serial.start()

    def close(self) -> None:
        """Stop the reader thread, close the port and wake any thread waiting on this line."""
        self._serial.close()
        with self._cond:
            self._port_up = False
            self._cond.notify_all()

    def wake(self) -> None:
        """Make ``ask`` and ``wait`` re-check their ``interrupt`` and ``until`` conditions now."""
        with self._cond:
            self._cond.notify_all()

    def wait(self, until: Callable[[], bool], timeout: float | None) -> bool:
        """Wait until ``until()`` (checked whenever the line changes or ``wake`` is called); False on timeout."""
        with self._cond:
            return self._cond.wait_for(until, timeout)

    def send(self, frame: bytes) -> None:
        """Write ``frame`` to a device that does not answer; raise ``PortDown`` if it cannot be written."""
        if not self.port_up or not self._serial.write(frame):
            raise PortDown(self.url)

    def ask(
        self,
        frame: bytes,
        match: Callable[[AnswerT], bool],
        timeout: float,
        interrupt: Callable[[], bool] | None = None,
    ) -> AnswerT | None:
        """Write ``frame``, return the first answer that ``match``es within ``timeout`` s, None if none came.

        Returns None early if ``interrupt()`` becomes true (checked on ``wake``). Raises ``PortDown``
        if the port is not open or closes meanwhile.
        """
        with self._cond:
            if not self._port_up:
                raise PortDown(self.url)
            self._answers.clear()  # answers nobody asked for (late, or to someone else) must not match
        self.send(frame)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                while self._answers:
                    answer = self._answers.popleft()
                    if match(answer):
                        return answer
                if not self._port_up:
                    raise PortDown(self.url)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (interrupt is not None and interrupt()):
                    return None
                self._cond.wait(remaining)

    # -- SerialProtocol, on the reader thread ------------------------------------------

    def connection_made(self, transport: ReconnectingSerial) -> None:
        """Port (re)opened: a fresh parser, no answers from before."""
        self._parser = self._make_parser()
        with self._cond:
            self._answers.clear()

    def data_received(self, data: bytes) -> None:
        """Parse what arrived and hand the answers to the asking thread."""
        self._deliver(self._parser.feed(data))

    def line_idle(self) -> None:
        """Line quiet: a half frame cannot hold up the answers behind it."""
        self._deliver(self._parser.flush())

    def connection_lost(self, exc: BaseException | None) -> None:
        """Port gone: the status callback reports it and wakes the asking thread."""

    def _deliver(self, answers: list[AnswerT]) -> None:
        if answers:
            with self._cond:
                self._answers.extend(answers)
                self._cond.notify_all()

    def _port_status(self, url: str, state: str, message: str) -> None:
        with self._cond:
            up = state == STATE_OK
            if up and not self._port_up:
                self._openings += 1
            self._port_up = up
            self._cond.notify_all()
        self._on_port_status(url, state, message)


class LineWorker(Generic[AnswerT]):
    """The one thread that talks to the devices on a line: ``start`` opens the port and runs ``run``."""

    def __init__(self, line: AnsweringLine[AnswerT], name: str) -> None:
        self._line = line
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the port (and keep reopening it) and start the worker thread."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} already started")
        self._line.start()
        self._thread = threading.Thread(target=self.run, name=self._name, daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker and close the port (a thread waiting for an answer gets ``PortDown``)."""
        self._stop.set()
        self._line.close()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.error("%s did not stop within %.1fs", self._name, timeout)

    def run(self) -> None:
        """The worker loop; it ends when ``_stop`` is set."""
        raise NotImplementedError

    def wait_port(self) -> bool:
        """Wait until the port is open; False if the worker is stopping instead."""
        self._line.wait(lambda: self._stop.is_set() or self._line.port_up, None)
        return not self._stop.is_set()
