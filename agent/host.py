"""The drivers of the devices on this PC, and what passes between them and the hall server.

Each device is opened through the same driver the server uses for a device attached to it:
``PrinterWorker``, ``KeypadBus``, ``EvaluatorKeypadBus``, ``LedBus``, ``IdCardReader``. What a driver
reports (a key, a rating key, a card, a state) is sent to the server with ``send``; what the server
asks (print a job, show a number, light the evaluator, show a strip's text) is done here. The last
state of every device is kept and sent again after each reconnection. Printers are checked every
``probe_seconds`` while idle, so an unplugged or refilled printer shows before the next ticket.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from drivers import evaluator_keypad as evaluator_proto
from drivers.evaluator_keypad import EvaluatorKeypadBus
from drivers.idcard import IdCard
from drivers.idcard_reader import IdCardReader
from drivers.keypad import KeypadBus, KeyPress
from drivers.led import LedSettings, load_framing
from drivers.led_bus import LedBus, LedStatus
from drivers.printer import PrinterStatus, PrinterWorker, PrintJob
from hall.devices.wire import (
    WireError,
    card_to_wire,
    key_to_wire,
    layout_from_wire,
    led_from_wire,
    number,
    text,
)

from .config import AgentConfig
from .journal import PrintJournal

logger = logging.getLogger(__name__)

Send = Callable[[str, dict[str, Any]], bool]
"""Sends one message to the server; False when the agent is not connected (the message is dropped)."""
#: How long a job may take on this PC's printer before the server hears it failed.
PRINT_SECONDS = 40.0


#: What the agent answers for a job it was sending when it stopped: a reprint is offered, no second paper risked.
INTERRUPTED = ("the agent stopped while this ticket was printing: check the printer's tray and reprint it if no "
               "ticket came out")


class _Printer:
    """One kiosk's printer: the driver's worker, the jobs in hand, the journal's say."""

    def __init__(self, kiosk: str, worker_factory: Callable[["_Printer"], PrinterWorker],
                 journal: PrintJournal) -> None:
        self.kiosk = kiosk
        self.name = f"printer:{kiosk}"
        self.journal = journal
        self._results: dict[int, tuple[bool, str | None]] = {}
        self._in_hand: dict[int, threading.Event] = {}
        self._lock = threading.Lock()
        self.worker = worker_factory(self)

    def starting(self, job_id: str) -> None:
        """The printer passed its check: the bytes go out next (on the worker's thread)."""
        self.journal.begin(int(job_id), self.name)

    def result(self, job_id: str, ok: bool, error: str | None) -> None:
        with self._lock:
            self._results[int(job_id)] = (ok, error)
            done = self._in_hand.get(int(job_id))
        if done is not None:
            done.set()

    def print(self, job: int, layout: Any) -> dict[str, Any]:
        """Print *job* once: a job sent before is answered from the journal; one in hand is waited for."""
        with self._lock:
            done = self._in_hand.get(job)
            first = done is None
            if first:
                state = self.journal.state(job)
                if state is not None:
                    return self._again(job, state)
                done = self._in_hand[job] = threading.Event()
        assert done is not None
        if first and not self.worker.submit(PrintJob(str(job), layout)):
            return {"ok": False, "error": "the agent is stopping"}
        if not done.wait(PRINT_SECONDS):
            return {"ok": False, "error": f"the printer did not answer within {PRINT_SECONDS:.0f} s"}
        with self._lock:
            ok, error = self._results.get(job, (False, "no result"))
            if first:
                self._in_hand.pop(job, None)
                self._results.pop(job, None)
        if first:
            if ok:
                self.journal.printed(job, self.name)
            else:
                self.journal.forget(job)
        return {"ok": ok, "error": error}

    def _again(self, job: int, state: str) -> dict[str, Any]:
        if state == "printed":
            logger.info("%s: job %d was printed before; not again", self.name, job)
            return {"ok": True, "error": None, "again": True}
        logger.warning("%s: job %d was being printed when the agent stopped; not printed again", self.name, job)
        return {"ok": False, "error": INTERRUPTED}

    @property
    def idle(self) -> bool:
        with self._lock:
            return not self._in_hand


class DeviceHost:
    """Every device of this agent: started once, kept running through the server's comings and goings."""

    def __init__(self, config: AgentConfig, send: Send, journal: PrintJournal) -> None:
        self.config = config
        self.journal = journal
        self._send = send
        self._statuses: dict[tuple[str, ...], dict[str, Any]] = {}
        self._status_lock = threading.Lock()
        self._stop = threading.Event()
        self._probe: threading.Thread | None = None
        self.printers = {kiosk: _Printer(kiosk, self._worker_factory(settings), journal)
                         for kiosk, settings in config.printers.items()}
        self.keypads = self._keypad_buses()
        self.evaluators = self._evaluator_buses()
        self.strips = self._led_buses()
        self.readers = {str(entry["kiosk"]): self._reader(entry) for entry in config.id_card_readers}

    # ---- building the drivers -------------------------------------------------------------------

    def _worker_factory(self, settings: Any) -> Callable[[_Printer], PrinterWorker]:
        def make(printer: _Printer) -> PrinterWorker:
            return PrinterWorker(settings, name=printer.name, on_result=printer.result, on_start=printer.starting,
                                 on_status=lambda status: self._printer_status(printer.kiosk, status))

        return make

    def _keypad_buses(self) -> dict[str, KeypadBus]:
        ports: dict[str, dict[int, str]] = defaultdict(dict)
        for entry in self.config.keypads:
            ports[str(entry["port"])][int(entry["address"])] = str(entry["counter"])
        return {port: KeypadBus(port, counters, self._key(port),
                                lambda url, state, message: self.report(("keypad", url), state, message))
                for port, counters in ports.items()}

    def _evaluator_buses(self) -> dict[str, EvaluatorKeypadBus]:
        ports: dict[str, dict[int, int]] = defaultdict(dict)
        for entry in self.config.evaluator_keypads:
            ports[str(entry["port"])][int(entry.get("address", 1))] = int(entry["counter"])
        return {port: EvaluatorKeypadBus(port, counters, self._rating_key(port),
                                         lambda url, state, message: self.report(("evaluator_keypad", url), state,
                                                                                 message),
                                         on_hello=self._evaluator_hello(port))
                for port, counters in ports.items()}

    def _led_buses(self) -> dict[str, LedBus]:
        settings = LedSettings.from_mapping(self.config.led_displays)
        return {url: LedBus(url, line.counters, self._led_status, framing=load_framing(line.format),
                            baudrate=line.baudrate) for url, line in settings.ports.items()}

    def _reader(self, entry: dict[str, Any]) -> IdCardReader:
        kiosk = str(entry["kiosk"])
        return IdCardReader(str(entry["port"]), self._card(kiosk),
                            lambda url, state, message: self.report(("id_card_reader", kiosk), state, message),
                            baudrate=int(entry.get("baudrate", 115200)))

    # ---- life ---------------------------------------------------------------------------------------

    def _lines(self) -> list[KeypadBus | EvaluatorKeypadBus | LedBus | IdCardReader]:
        return [*self.keypads.values(), *self.evaluators.values(), *self.strips.values(), *self.readers.values()]

    def start(self) -> None:
        for part in self._lines():
            part.start()
        for printer in self.printers.values():
            printer.worker.check()
        self._probe = threading.Thread(target=self._probe_printers, name="printer-checks", daemon=True)
        self._probe.start()

    def close(self) -> None:
        self._stop.set()
        for printer in self.printers.values():
            printer.worker.close(10.0)
        for part in reversed(self._lines()):
            try:
                part.close()
            except Exception:  # stopping: close the others anyway
                logger.exception("closing %r failed", part)
        if self._probe is not None:
            self._probe.join(5.0)

    def _probe_printers(self) -> None:
        while not self._stop.wait(self.config.probe_seconds):
            for printer in self.printers.values():
                if printer.idle:
                    printer.worker.check()

    # ---- states -------------------------------------------------------------------------------------

    def report(self, key: tuple[str, ...], state: str, message: str) -> None:
        """A device's state changed: keep it, tell the server if connected."""
        kind, where = key[0], key[1]
        payload: dict[str, Any] = {"kind": kind, "state": state, "message": message[:300]}
        if kind in ("printer", "id_card_reader"):
            payload["kiosk"] = where
        else:
            payload["port"] = where
            if len(key) > 2:
                payload["address"] = int(key[2])
        with self._status_lock:
            self._statuses[key] = payload
        self._send("status", payload)

    def report_all(self) -> None:
        """Send every device's last state (after a reconnection)."""
        with self._status_lock:
            statuses = list(self._statuses.values())
        for payload in statuses:
            self._send("status", payload)

    def _printer_status(self, kiosk: str, status: PrinterStatus) -> None:
        self.report(("printer", kiosk), status.state, status.message)

    def _led_status(self, status: LedStatus) -> None:
        self.report(("led_display", status.url, str(status.address)), status.state, status.message)

    # ---- what the drivers report ----------------------------------------------------------------------

    def _key(self, port: str) -> Callable[[str, KeyPress], None]:
        def on_key(counter: str, key: KeyPress) -> None:
            if not self._send("key", key_to_wire(port, counter, key)):
                self.keypads[port].beep(counter)  # the hall cannot be reached: the key does nothing

        return on_key

    def _rating_key(self, port: str) -> Callable[[int, int], tuple[int, int] | None]:
        def on_key(counter: int, score: int) -> tuple[int, int] | None:
            if self._send("rating_key", {"port": port, "counter": counter, "score": score}):
                return None  # the hall answers when the rating is recorded
            return evaluator_proto.CMD_REFUSE, evaluator_proto.REFUSE_ERROR

        return on_key

    def _evaluator_hello(self, port: str) -> Callable[[int], None]:
        def on_hello(counter: int) -> None:
            self._send("evaluator_hello", {"port": port, "counter": counter})

        return on_hello

    def _card(self, kiosk: str) -> Callable[[IdCard], None]:
        def on_card(card: IdCard) -> None:
            if not self._send("card", card_to_wire(kiosk, card)):
                logger.warning("kiosk %s: a card was read while the hall server cannot be reached", kiosk)

        return on_card

    # ---- what the server asks -------------------------------------------------------------------------

    def print_job(self, data: Any) -> dict[str, Any]:
        """Print one job (blocking until the printer answered); the answer goes back as the message's ack."""
        try:
            printer_name = text(data, "printer", limit=50) or ""
            job = number(data, "job", low=1) or 0
            layout = layout_from_wire(data.get("layout"))
        except WireError as exc:
            return {"ok": False, "error": f"the job was not understood: {exc}"}
        printer = self.printers.get(printer_name.removeprefix("printer:"))
        if printer is None:
            return {"ok": False, "error": f"this agent has no {printer_name}"}
        return printer.print(job, layout)

    def keypad(self, data: Any) -> None:
        try:
            bus = self.keypads[text(data, "port") or ""]
            counter = text(data, "counter", limit=10) or ""
            if data.get("op") == "show":
                bus.show(counter, text(data, "text", limit=16) or "")
            elif data.get("op") == "beep":
                bus.beep(counter)
        except (WireError, KeyError, ValueError) as exc:
            logger.warning("keypad message ignored: %s", exc)

    def evaluator(self, data: Any) -> None:
        try:
            bus = self.evaluators[text(data, "port") or ""]
            counter = number(data, "counter", low=1) or 0
            op = data.get("op")
            if op == "prompt":
                bus.prompt(counter, text(data, "number", limit=8) or "", number(data, "window", high=255) or 0)
            elif op == "idle":
                bus.idle(counter)
            elif op == "thanks":
                bus.thanks(counter)
            elif op == "answer":
                bus.answer(counter, number(data, "command", high=255) or 0, number(data, "value", high=255) or 0)
        except (WireError, KeyError) as exc:
            logger.warning("evaluator message ignored: %s", exc)

    def led(self, data: Any) -> None:
        try:
            port, address, content = led_from_wire(data)
            self.strips[port].show(address, content)
        except (WireError, KeyError) as exc:
            logger.warning("LED message ignored: %s", exc)
