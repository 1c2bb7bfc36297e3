"""One connected device agent, on the server: the hall's device classes driving the agent's drivers.

When an agent says hello with the devices it owns, the session checks each against the agent's
registration (``onewindow device add agent --kiosk K`` / ``--counter N``; neither: any) and the hall's
configuration, then builds for the accepted ones exactly what the device owner builds for devices
attached to the server — a ``PrintStation`` per kiosk printer, a ``KeypadService``, ``EvaluatorKeypads``,
``LedStrips`` — on remote lines (``hall.devices.remote``). The session is a bus listener of the process
the agent is connected to; what the agent reports (keys, ratings, cards, device states) comes in
through its methods. Closing it gives back the jobs in flight (they are delivered again, once) and
marks the agent's devices offline.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.keypad import KeyPress
from drivers.led_controller import LedController

from ..catalogue import Catalogue
from ..commands import Commands
from ..config import AGENT_PRINTER, Config
from ..domain import events as ev
from ..storage import repo
from .evaluator_keypads import EvaluatorKeypads
from .idcards import CardDesk, reader_name
from .keypads import KeypadService
from .led_strips import LedStrips, strip_name
from .printing import PrintStation, PrintStations
from .remote import AgentLink, RemoteEvaluatorLine, RemoteKeypadLine, RemoteLedLine, RemotePrinter
from .sections import led_texts
from .status import DeviceStatusStore
from .wire import CardHolder, DeviceDeclaration

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentIdentity:
    """A registered agent: its device id and name, and the kiosk or counter it was registered for."""

    device: int
    name: str
    kiosk: str | None = None
    counter: int | None = None

    def may_serve(self, declaration: DeviceDeclaration) -> bool:
        """Whether the registration lets this agent own *declaration* (no kiosk and no counter: anything)."""
        if self.kiosk is None and self.counter is None:
            return True
        if declaration.kiosk is not None:
            return declaration.kiosk == self.kiosk
        return declaration.counter is not None and declaration.counter == self.counter


@dataclass
class AgentHall:
    """What a session needs of the server process it runs in."""

    config: Config
    commands: Commands
    catalogue: Catalogue
    status: DeviceStatusStore
    desk: CardDesk


class _AgentStatus:
    """A status sink that records which agent reports a device.

    With *pc*, a device named after its port ("keypad /dev/ttyUSB0") is named after the agent's PC as well
    ("keypad counter-pc-3:/dev/ttyUSB0"): two PCs may well both have a /dev/ttyUSB0.
    """

    def __init__(self, store: DeviceStatusStore, agent: int, pc: str | None = None) -> None:
        self.store = store
        self.agent = agent
        self.pc = pc

    def set_status(self, device: str, state: str, message: str = "") -> None:
        if self.pc is not None:
            kind, _, port = device.partition(" ")
            device = f"{kind} {self.pc}:{port}"
        self.store.set_status(device, state, message, agent=self.agent)


@dataclass
class _Refusal:
    device: str
    reason: str


@dataclass
class AgentSession:
    """The devices of one connected agent, as the hall drives them."""

    agent: AgentIdentity
    link: AgentLink
    hall: AgentHall
    printers: dict[str, RemotePrinter] = field(default_factory=dict)
    keypad_lines: dict[str, RemoteKeypadLine] = field(default_factory=dict)
    evaluator_lines: dict[str, RemoteEvaluatorLine] = field(default_factory=dict)
    strip_names: dict[tuple[str, int], str] = field(default_factory=dict)
    readers: set[str] = field(default_factory=set)
    refused: list[_Refusal] = field(default_factory=list)
    stations: PrintStations | None = None
    keypads: KeypadService | None = None
    evaluators: EvaluatorKeypads | None = None
    strips: LedStrips | None = None

    @property
    def label(self) -> str:
        return f"agent {self.agent.name}"

    def _status(self, pc: str | None = None) -> _AgentStatus:
        return _AgentStatus(self.hall.status, self.agent.device, pc)

    # ---- the hello: which devices the hall takes -------------------------------------------------

    def accept(self, declarations: list[DeviceDeclaration]) -> list[dict[str, str]]:
        """Build the device classes for the devices the agent may own; the refused ones, with the reason."""
        kiosks = {kiosk.id: kiosk for kiosk in self.hall.config.kiosks}
        with self.hall.commands.service.storage.read() as db:
            counters = {counter.number for counter in repo.counters(db)}
        by_kind: dict[str, list[DeviceDeclaration]] = defaultdict(list)
        for device in declarations:
            reason = self._refusal(device, kiosks, counters)
            if reason:
                self.refused.append(_Refusal(device.key, reason))
                logger.warning("%s: %s refused: %s", self.label, device.key, reason)
            else:
                by_kind[device.kind].append(device)
        self._printers(by_kind["printer"])
        self._keypads(by_kind["keypad"])
        self._evaluators(by_kind["evaluator_keypad"])
        self._strips(by_kind["led_display"])
        self.readers = {device.kiosk for device in by_kind["id_card_reader"] if device.kiosk}
        return [{"device": r.device, "reason": r.reason} for r in self.refused]

    def _refusal(self, device: DeviceDeclaration, kiosks: dict[str, Any], counters: set[int]) -> str | None:
        if not self.agent.may_serve(device):
            where = f"kiosk {self.agent.kiosk}" if self.agent.kiosk else f"counter {self.agent.counter}"
            return f"this agent is registered for {where} only"
        if device.kind == "printer":
            kiosk = kiosks.get(device.kiosk or "")
            if kiosk is None or kiosk.printer is None or kiosk.printer.backend != AGENT_PRINTER:
                return (f"the hall's configuration does not put kiosk {device.kiosk}'s printer on an agent "
                        f'([[kiosks]] id = "{device.kiosk}", printer = {{ backend = "agent" }})')
        elif device.counter is not None and device.counter not in counters:
            return f"the hall has no counter {device.counter}"
        return None

    def _printers(self, devices: list[DeviceDeclaration]) -> None:
        if not devices:
            return
        svc, catalogue = self.hall.commands.service, self.hall.catalogue
        stations = []
        for device in devices:
            name = device.key
            stations.append(PrintStation(name, None, svc, catalogue, self._status(), printer=self._printer(name),
                                         description=f"printer on {self.label}"))
        self.stations = PrintStations(stations)

    def _printer(self, name: str) -> Callable[..., RemotePrinter]:
        def make(on_status: Any, on_result: Any) -> RemotePrinter:
            self.printers[name] = RemotePrinter(self.link, name, on_status, on_result)
            return self.printers[name]

        return make

    def _keypads(self, devices: list[DeviceDeclaration]) -> None:
        if not devices:
            return

        def line(url: str, counters: Any, on_key: Any, on_status: Any) -> RemoteKeypadLine:
            self.keypad_lines[url] = RemoteKeypadLine(self.link, url, counters, on_key, on_status)
            return self.keypad_lines[url]

        entries = [{"port": d.port, "address": d.address, "counter": d.counter} for d in devices]
        self.keypads = KeypadService(entries, self.hall.commands, self._status(self.agent.name).set_status,
                                     bus_factory=line)

    def _evaluators(self, devices: list[DeviceDeclaration]) -> None:
        if not devices:
            return

        def line(port: str, counters: Any, on_key: Any, on_status: Any, on_hello: Any) -> RemoteEvaluatorLine:
            self.evaluator_lines[port] = RemoteEvaluatorLine(self.link, port, counters, on_key, on_status,
                                                             on_hello=on_hello)
            return self.evaluator_lines[port]

        entries = [{"port": d.port, "address": d.address, "counter": d.counter} for d in devices]
        self.evaluators = EvaluatorKeypads(entries, self.hall.commands,
                                           self._status(self.agent.name).set_status, line_factory=line)

    def _strips(self, devices: list[DeviceDeclaration]) -> None:
        if not devices:
            return
        lines = {port: RemoteLedLine(self.link, port) for port in {d.port for d in devices if d.port}}
        windows = {str(d.counter): (lines[d.port], int(d.address)) for d in devices if d.port and d.address}
        self.strip_names = {(d.port, int(d.address)): strip_name(d.counter or 0) for d in devices
                            if d.port and d.address}
        controller = LedController(windows, led_texts(self.hall.config.led))
        self.strips = LedStrips(controller, self.hall.commands.service)

    # ---- running ---------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start what was accepted; the agent's own state is ``ok`` (its devices report theirs next)."""
        self.hall.status.set_status(self.label, "ok", "connected", agent=self.agent.device)
        if self.stations is not None:
            for station in self.stations.stations.values():
                station.start(announce=False)
        for part in (self.keypads, self.evaluators, self.strips):
            if part is not None:
                part.start()

    def on_event(self, event: ev.HallEvent) -> None:
        """A hall event of this process's bus."""
        for part in (self.stations, self.keypads, self.evaluators, self.strips):
            if part is not None:
                part.on_event(event)

    def close(self, *, offline: str | None) -> None:
        """Stop the device classes (jobs in flight go back to the queue); with *offline*, mark the devices so."""
        if self.stations is not None:
            for station in self.stations.stations.values():
                station.close(drain=False)
        for part in (self.evaluators, self.keypads, self.strips):
            if part is not None:
                try:
                    part.close()
                except Exception:  # stopping: close the others anyway
                    logger.exception("%s: closing %r failed", self.label, part)
        if offline is not None:
            store = self.hall.status
            for device in store.devices_of_agent(self.agent.device):
                store.set_status(device, "offline", offline, agent=self.agent.device)

    # ---- what the agent reports -------------------------------------------------------------------

    def status(self, kind: str, *, port: str | None, address: int | None, kiosk: str | None, state: str,
               message: str) -> bool:
        """A device of the agent changed state; False for a device this session does not drive."""
        if kind == "printer":
            printer = self.printers.get(f"printer:{kiosk}")
            if printer is None:
                return False
            printer.report(state, message)
        elif kind == "keypad" and port in self.keypad_lines:
            self.keypad_lines[port].report(state, message)
        elif kind == "evaluator_keypad" and port in self.evaluator_lines:
            self.evaluator_lines[port].report(state, message)
        elif kind == "led_display" and (port, address) in self.strip_names:
            self._status().set_status(self.strip_names[(port or "", address or 0)], state, message)
        elif kind == "id_card_reader" and kiosk in self.readers:
            self._status().set_status(reader_name(kiosk or ""), state, message)
        else:
            return False
        return True

    def key(self, port: str, counter: str, key: KeyPress) -> bool:
        line = self.keypad_lines.get(port)
        if line is None:
            return False
        line.key(counter, key)
        return True

    def rating_key(self, port: str, counter: int, score: int) -> bool:
        line = self.evaluator_lines.get(port)
        if line is None:
            return False
        line.key(counter, score)
        return True

    def evaluator_hello(self, port: str, counter: int) -> bool:
        line = self.evaluator_lines.get(port)
        if line is None:
            return False
        line.hello(counter)
        return True

    def card(self, kiosk: str, holder: CardHolder) -> bool:
        """A card read on the agent's reader of *kiosk*."""
        if kiosk not in self.readers:
            return False
        self.hall.desk.on_card(kiosk, holder)
        return True

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until key presses and display updates queued so far are done (tests)."""
        parts = [self.keypads, self.evaluators, self.strips]
        return all(part.wait_idle(timeout) for part in parts if part is not None)
