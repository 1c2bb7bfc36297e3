"""All LED displays on one RS-485 line: one worker thread sends each display what it should show.

``show`` only records what a display should show and returns; the worker sends it, waits for
the board's answer and sends the same frame again when none comes (``retries`` times), then
reports the display offline and tries it again every ``probe_interval`` seconds. Only the latest
text of a display is sent, so a burst of changes costs one frame. When the port comes back
(adapter replugged) every display is sent its current text again. Online displays are asked
for a sign of life every ``heartbeat_interval`` seconds, so a dead board shows before the next call.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drivers.exchange import AnsweringLine, LineWorker, PortDown
from drivers.led import RETRY_STATUSES, STATUS_NAMES, STATUS_OK, A5Framing, LedContent, LedFraming, LedReply

logger = logging.getLogger(__name__)

STATE_OK = "ok"
STATE_OFFLINE = "offline"
STATE_ERROR = "error"


@dataclass(frozen=True)
class LedStatus:
    """A display's condition: ``ok``, ``offline`` (port gone or no answer) or ``error`` (text refused)."""

    url: str
    address: int
    state: str
    message: str


LedStatusCallback = Callable[[LedStatus], None]
"""Called on the bus's threads whenever a display's state changes."""


@dataclass
class _Display:
    """What the worker knows about one display (guarded by the bus lock)."""

    address: int
    content: LedContent | None = None
    version: int = 0  # bumped by every show()
    delivered: int = -1  # the version the board answered; -1: nothing since the port opened
    online: bool = False  # answered since the port opened
    fresh: bool = True  # not tried since the port opened: the first try gets every retry
    next_try: float = 0.0  # monotonic time of the next try while offline
    last_answer: float = 0.0
    state: str | None = None  # last reported

    @property
    def changed(self) -> bool:
        return self.version > self.delivered


@dataclass(frozen=True)
class _Job:
    display: _Display
    content: LedContent | None
    version: int
    attempts: int
    interruptible: bool  # to a display not (yet) answering: gives way to one that answers


class LedBus(LineWorker[LedReply]):
    """The displays on one serial line, by address; implements ``show(address, content)`` for the controller."""

    def __init__(
        self,
        url: str,
        addresses: Iterable[int],
        on_status: LedStatusCallback,
        *,
        framing: LedFraming | None = None,
        baudrate: int = 9600,
        answer_timeout: float = 0.3,
        retries: int = 2,
        probe_interval: float = 5.0,
        heartbeat_interval: float = 30.0,
        reconnect_interval: float = 2.0,
        read_timeout: float = 0.05,
    ) -> None:
        if retries < 0 or answer_timeout <= 0 or probe_interval <= 0 or heartbeat_interval <= 0:
            raise ValueError("retries must be >= 0 and the timeouts and intervals > 0")
        self.url = url
        self.framing: LedFraming = framing or A5Framing()
        self._on_status = on_status
        self._answer_timeout = answer_timeout
        self._retries = retries
        self._probe_interval = probe_interval
        self._heartbeat_interval = heartbeat_interval
        self._lock = threading.Lock()
        self._displays = {address: _Display(address) for address in addresses}
        if not self._displays:
            raise ValueError(f"no LED display addresses for {url}")
        self._seq = itertools.cycle(range(256))
        super().__init__(AnsweringLine(url, self.framing.reply_parser, self._port_status, baudrate=baudrate,
                                       read_timeout=read_timeout, reconnect_interval=reconnect_interval),
                         f"LED bus {url}")

    @property
    def addresses(self) -> list[int]:
        """The display addresses on this line."""
        return sorted(self._displays)

    def show(self, address: int, content: LedContent) -> None:
        """Make display ``address`` show ``content`` as soon as the line allows; never blocks on I/O."""
        with self._lock:
            display = self._display(address)
            display.content = content
            display.version += 1
            display.next_try = 0.0  # an offline display gets one try at once
        self._line.wake()

    def content(self, address: int) -> LedContent | None:
        """What display ``address`` should show (sent, or about to be)."""
        with self._lock:
            return self._display(address).content

    def state(self, address: int) -> str | None:
        """The display's last reported state, None before the first answer or failure."""
        with self._lock:
            return self._display(address).state

    def _display(self, address: int) -> _Display:
        try:
            return self._displays[address]
        except KeyError:
            raise KeyError(f"no LED display at address {address} on {self.url}") from None

    # -- worker -------------------------------------------------------------------------

    def run(self) -> None:
        """The worker: send each display what changed, probe the silent ones, heartbeat the others."""
        openings = 0
        while self.wait_port():
            if self._line.openings != openings:
                openings = self._line.openings
                self._port_opened()
            job = self._next_job(time.monotonic())
            if job is None:
                self._line.wait(
                    lambda openings=openings: (
                        self._stop.is_set() or not self._line.port_up or self._line.openings != openings
                        or self._next_job(time.monotonic()) is not None),
                    self._until_next_try(time.monotonic()))
                continue
            try:
                self._do(job)
            except PortDown:
                continue  # the port status has marked every display offline
            except Exception:  # thread boundary: a framing bug must not stop the other displays
                logger.exception("LED bus %s: sending to display %d failed", self.url, job.display.address)
                with self._lock:
                    job.display.delivered = job.version
                self._report(job.display, STATE_ERROR, "driver error, see the log")

    def _port_opened(self) -> None:
        """The port is (again) open: every display gets its current text, or a query, with every retry."""
        with self._lock:
            for display in self._displays.values():
                display.delivered, display.online, display.fresh, display.next_try = -1, False, True, 0.0
        if not self.framing.capabilities.answers:
            for display in self._displays.values():
                self._report(display, STATE_OK, f"{self.url} open (this board format never answers)")

    def _next_job(self, now: float) -> _Job | None:
        """The most urgent frame: a changed online display, then a fresh or due offline one, then a heartbeat."""
        with self._lock:
            displays = self._displays.values()
            for display in displays:
                if display.online and display.changed:
                    return self._job(display)
            for display in displays:
                if not display.online and (display.fresh or display.next_try <= now):
                    return self._job(display)
            for display in displays if self.framing.capabilities.answers else ():
                if display.online and now - display.last_answer >= self._heartbeat_interval:
                    return _Job(display, None, display.version, 1 + self._retries, interruptible=False)
        return None

    def _job(self, display: _Display) -> _Job:
        """Caller holds the lock. A display just opened gets every retry; one known silent, a single try."""
        # A display coming back may have lost its text (power cut): it gets the current one, not a query.
        content = display.content if display.changed or not display.online else None
        attempts = 1 + self._retries if display.online or display.fresh else 1
        return _Job(display, content, display.version, attempts, interruptible=not display.online)

    def _until_next_try(self, now: float) -> float | None:
        with self._lock:
            times = [d.next_try for d in self._displays.values() if not d.online]
            if self.framing.capabilities.answers:
                times += [d.last_answer + self._heartbeat_interval for d in self._displays.values() if d.online]
        return max(0.0, min(times) - now) if times else None

    def _urgent(self) -> bool:
        """A display that answers has something new to show: a probe of a silent one must give way."""
        with self._lock:
            return any(d.online and d.changed for d in self._displays.values())

    def _do(self, job: _Job) -> None:
        display = job.display
        seq = next(self._seq)
        if job.content is not None:
            frame = self.framing.show_frame(display.address, seq, job.content)
        else:
            frame = self.framing.query_frame(display.address, seq)
        if not self.framing.capabilities.answers:
            self._line.send(frame)
            with self._lock:
                display.delivered, display.online, display.fresh = job.version, True, False
                display.last_answer = time.monotonic()
            return
        reply = None
        for _attempt in range(job.attempts):
            reply = self._line.ask(
                frame, lambda r: r.address == display.address and r.seq in (seq, None),
                self._answer_timeout, self._urgent if job.interruptible else None)
            if reply is not None and reply.status not in RETRY_STATUSES:
                break
            if reply is None and job.interruptible and self._urgent():
                with self._lock:
                    display.next_try = 0.0  # interrupted, not failed: try again after the urgent frame
                return
        self._outcome(job, reply)

    def _outcome(self, job: _Job, reply: LedReply | None) -> None:
        display = job.display
        now = time.monotonic()
        with self._lock:
            display.fresh = False
            if reply is None:
                display.online = False
                display.next_try = now + self._probe_interval
            else:
                display.online, display.last_answer = True, now
                display.delivered = max(display.delivered, job.version)
        if reply is None:
            self._report(display, STATE_OFFLINE, f"display {display.address} did not answer {job.attempts} frame(s)")
        elif reply.status == STATUS_OK:
            self._report(display, STATE_OK, f"display {display.address} answered")
        else:
            name = STATUS_NAMES.get(reply.status, "unknown status")
            logger.warning("LED %s display %d refused a frame: 0x%02X %s", self.url, display.address,
                           reply.status, name)
            self._report(display, STATE_ERROR, f"display {display.address} refused the text: {name}")

    def _port_status(self, url: str, state: str, message: str) -> None:
        if state == STATE_OK:
            return  # displays report ok when they answer
        with self._lock:
            for display in self._displays.values():
                display.online = False
        for display in list(self._displays.values()):
            self._report(display, STATE_OFFLINE, message)

    def _report(self, display: _Display, state: str, message: str) -> None:
        with self._lock:
            if display.state == state:
                return
            display.state = state
        log = logger.info if state == STATE_OK else logger.warning
        log("LED %s display %d is now %s: %s", self.url, display.address, state, message)
        try:
            self._on_status(LedStatus(self.url, display.address, state, message))
        except Exception:  # thread boundary: a listener bug must not stop the bus
            logger.exception("LED %s status listener failed", self.url)
