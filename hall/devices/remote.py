"""Devices behind an agent, as the hall's device classes see them: the same interfaces as the drivers'.

A ``PrintStation`` prints on a ``RemotePrinter`` as it does on a ``PrinterWorker``; a ``KeypadService``
drives a ``RemoteKeypadLine`` as a ``KeypadBus``, ``EvaluatorKeypads`` a ``RemoteEvaluatorLine`` as an
``EvaluatorKeypadBus``, and an LED controller writes to a ``RemoteLedLine`` as to an ``LedBus``. Each
sends the driver call to the agent through an ``AgentLink``; what the agent's drivers report (keys,
port states, print results) comes back through the session (``hall.devices.agent_session``) into the
same callbacks the drivers would call. No Flask here: the link is the socket namespace's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from drivers.keypad import KeyCallback, KeyPress
from drivers.led import LedContent
from drivers.printer import PrinterStatus, PrintJob, ResultCallback, StatusCallback
from drivers.serial_port import StatusCallback as PortStatusCallback

from .printing import UNDELIVERED
from .wire import WireError, layout_to_wire, led_to_wire, print_result_from_wire

logger = logging.getLogger(__name__)

#: How long a printer behind an agent may take to answer a job before it counts as never delivered.
PRINT_ANSWER_SECONDS = 45.0


class AgentLink(Protocol):
    """One agent's connection: ``send`` returns False when the agent is gone (nothing was sent)."""

    name: str

    def send(self, event: str, payload: dict[str, Any],
             callback: Callable[..., None] | None = None) -> bool: ...


class RemotePrinter:
    """A kiosk's printer on its agent, for a ``PrintStation``: a job goes out, its result comes back once."""

    def __init__(self, link: AgentLink, printer: str, on_status: StatusCallback, on_result: ResultCallback,
                 answer_seconds: float = PRINT_ANSWER_SECONDS) -> None:
        self.link = link
        self.printer = printer
        self._on_status = on_status
        self._on_result = on_result
        self._answer_seconds = answer_seconds
        self._pending: dict[str, threading.Timer] = {}
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: PrintJob) -> bool:
        """Send *job* to the agent; its result (or ``UNDELIVERED``) reaches ``on_result`` later, once."""
        timer = threading.Timer(self._answer_seconds, self._resolve, [job.job_id, False, UNDELIVERED])
        timer.daemon = True
        with self._lock:
            closed = self._closed
            if not closed:
                self._pending[job.job_id] = timer
        if closed:  # the agent went away while the station took the job: it goes back to the queue
            self._on_result(job.job_id, False, UNDELIVERED)
            return True
        timer.start()
        payload = {"printer": self.printer, "job": int(job.job_id), "layout": layout_to_wire(job.layout)}
        if not self.link.send("print", payload, callback=lambda answer=None: self._answered(job.job_id, answer)):
            self._resolve(job.job_id, False, UNDELIVERED)
        return True

    def _answered(self, job_id: str, answer: Any) -> None:
        try:
            ok, error = print_result_from_wire(answer)
        except WireError as exc:
            logger.warning("agent %s answered job %s with %s", self.link.name, job_id, exc)
            ok, error = False, "the agent's answer was not understood"
        self._resolve(job_id, ok, error)

    def _resolve(self, job_id: str, ok: bool, error: str | None) -> None:
        with self._lock:
            timer = self._pending.pop(job_id, None)
        if timer is None:
            return  # answered already (a late answer after the timeout, or the other way round)
        timer.cancel()
        self._on_result(job_id, ok, error)

    def report(self, state: str, message: str) -> None:
        """The agent's printer changed state."""
        self._on_status(PrinterStatus(state, message))

    def close(self, timeout: float | None = 30.0) -> None:
        """The agent went away: every job in flight comes back ``UNDELIVERED`` (and is queued again)."""
        with self._lock:
            self._closed = True
            pending = list(self._pending)
        for job_id in pending:
            self._resolve(job_id, False, UNDELIVERED)


class RemoteKeypadLine:
    """The caller keypads on one of an agent's serial ports, as a ``KeypadLine`` of the keypad service."""

    def __init__(self, link: AgentLink, port: str, counters: Mapping[int, str], on_key: KeyCallback,
                 on_status: PortStatusCallback) -> None:
        self.link = link
        self.port = port
        self.url = port  # the keypad service knows the line by its port; the agent's name is in the status
        self.counters = dict(counters)
        self._on_key = on_key
        self._on_status = on_status

    def start(self) -> None:
        """The port is the agent's: it opened it already."""

    def close(self) -> None:
        """The agent keeps its port."""

    def show(self, counter_or_address: str | int, text: str) -> bool:
        return self.link.send("keypad", {"port": self.port, "op": "show", "counter": str(counter_or_address),
                                         "text": text[:16]})

    def beep(self, counter_or_address: str | int) -> bool:
        return self.link.send("keypad", {"port": self.port, "op": "beep", "counter": str(counter_or_address)})

    def key(self, counter: str, key: KeyPress) -> None:
        """A key pressed on the agent's keypad."""
        if counter in self.counters.values():
            self._on_key(counter, key)

    def report(self, state: str, message: str) -> None:
        self._on_status(self.url, state, message)


class RemoteEvaluatorLine:
    """The evaluators on one of an agent's serial ports, as an ``EvaluatorKeypadBus`` of ``EvaluatorKeypads``."""

    def __init__(self, link: AgentLink, port: str, counters_by_address: Mapping[int, int],
                 on_key: Callable[[int, int], tuple[int, int] | None], on_status: PortStatusCallback, *,
                 on_hello: Callable[[int], None] | None = None) -> None:
        self.link = link
        self.port = port
        self.url = port
        self._counters = sorted(set(counters_by_address.values()))
        self._on_key = on_key
        self._on_status = on_status
        self._on_hello = on_hello

    @property
    def counters(self) -> list[int]:
        return self._counters

    def start(self) -> None:
        """The port is the agent's."""

    def close(self) -> None:
        """The agent keeps its port."""

    def _send(self, counter: int, op: str, **values: Any) -> bool:
        return counter in self._counters and self.link.send(
            "evaluator", {"port": self.port, "op": op, "counter": counter, **values})

    def prompt(self, counter: int, number: str, window_seconds: float) -> bool:
        return self._send(counter, "prompt", number=number[:8], window=int(max(0, min(window_seconds, 255))))

    def thanks(self, counter: int) -> bool:
        return self._send(counter, "thanks")

    def idle(self, counter: int) -> bool:
        return self._send(counter, "idle")

    def answer(self, counter: int, command: int, value: int) -> bool:
        return self._send(counter, "answer", command=command, value=value)

    def key(self, counter: int, score: int) -> None:
        """A rating key pressed on the agent's evaluator."""
        if counter not in self._counters:
            return
        answer = self._on_key(counter, score)
        if answer is not None:
            self.answer(counter, answer[0], answer[1])

    def hello(self, counter: int) -> None:
        if counter in self._counters and self._on_hello is not None:
            self._on_hello(counter)

    def report(self, state: str, message: str) -> None:
        self._on_status(self.url, state, message)


class RemoteLedLine:
    """The LED strips on one of an agent's serial lines, as the ``LedSink`` of an LED controller."""

    def __init__(self, link: AgentLink, port: str) -> None:
        self.link = link
        self.port = port

    def show(self, address: int, content: LedContent) -> None:
        self.link.send("led", led_to_wire(self.port, address, content))
