"""Caller keypads wired to the hall: key presses become counter actions, keypads show the calls.

``[[keypads]]`` tables map each address on a serial port to a counter; keypads
sharing a port share one ``drivers.keypad.KeypadBus`` (one reader thread per
port, reconnecting after an unplug). Key presses and display updates run on one
``keypad-worker`` thread, so a reader thread never waits for the database and a
request never waits for a serial port.

A keypad acts for its own counter, on behalf of the clerk signed in there (through
``hall.commands``, like the panel); with nobody signed in it beeps. The keypad has no
Start key: "call next" and "request rating" finish the ticket in hand first (starting
it if it was only called). "Transfer" sends the ticket
back to its own category's queue, keeping its place. "Confirm 3" calls back the
oldest held ticket this counter may serve, or the one whose digits follow the 3.

Demo: ``python -m drivers.sim_keypad --address 1`` prints a pty path; put it in
the config as ``[[keypads]] port = "/dev/pts/N"``, ``address = 1``, ``counter = 4``
and run ``onewindow serve --demo --config hall.toml``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from drivers.keypad import KeyCallback, KeypadBus, KeypadSettings, KeyPress
from drivers.serial_port import StatusCallback

from ..commands import Actor, Commands
from ..domain import events as ev
from ..domain.errors import N_, HallError, IllegalTransition
from ..periodic import JobThread
from ..snapshots import counter_brief

logger = logging.getLogger(__name__)

DeviceStatus = Callable[[str, str, str], None]
"""Called as ``set_status(device, state, message)`` (DeviceStatusStore.set_status)."""


class KeypadLine(Protocol):
    """What the keypad service needs of a bus: KeypadBus, or a recording fake."""

    url: str

    def start(self) -> None: ...

    def close(self) -> None: ...

    def show(self, counter_or_address: str | int, text: str) -> bool: ...

    def beep(self, counter_or_address: str | int) -> bool: ...


BusFactory = Callable[[str, Mapping[int, str], KeyCallback, StatusCallback], KeypadLine]


def _serial_bus(url: str, counters: Mapping[int, str], on_key: KeyCallback, on_status: StatusCallback) -> KeypadLine:
    return KeypadBus(url, counters, on_key, on_status)


def device_name(url: str) -> str:
    """The name a keypad line has on the managers' console."""
    return f"keypad {url}"


class KeypadService:
    """Runs the hall's keypad lines and turns their keys into hall actions for their counters."""

    def __init__(self, entries: Iterable[Mapping[str, object]], commands: Commands, set_status: DeviceStatus,
                 *, bus_factory: BusFactory = _serial_bus) -> None:
        self.settings = KeypadSettings.from_mapping(entries)
        self.commands = commands
        self.service = commands.service
        self._set_status = set_status
        self._bus_factory = bus_factory
        self._buses: dict[int, KeypadLine] = {}
        self._lines: list[KeypadLine] = []
        self._shown: dict[int, str] = {}
        self._jobs = JobThread("keypad-worker", join_timeout=10)

    @property
    def counters(self) -> list[int]:
        """The counters that have a keypad."""
        return sorted(self._buses)

    # ---- life cycle ------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker and open every port (the device owner subscribes ``on_event`` to the bus)."""
        self._jobs.start()
        for url, counters in self.settings.ports.items():
            self._set_status(device_name(url), "disconnected", "opening the port")
            line = self._bus_factory(url, counters, self.on_key, self._port_status)
            self._lines.append(line)
            for counter in counters.values():
                self._buses[int(counter)] = line
            line.start()

    def close(self) -> None:
        """Stop the worker, close every port."""
        self._jobs.close()
        for line in self._lines:
            try:
                line.close()
            except Exception:  # device boundary
                logger.exception("closing keypad line %s failed", line.url)
        self._lines.clear()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued key and display update is done (for tests and demos)."""
        return self._jobs.wait_idle(timeout)


    # ---- inputs (reader threads, the event bus) --------------------------------------------

    def on_key(self, counter: str, key: KeyPress) -> None:
        """A key was pressed on a counter's keypad (called on the port's reader thread)."""
        self._jobs.put(lambda: self._press(int(counter), key))

    def on_event(self, event: ev.HallEvent) -> None:
        """Something changed in the hall: bring the keypads' displays up to date."""
        called = event.counter if isinstance(event, (ev.TicketCalled, ev.TicketRecalled)) else None
        self._jobs.put(lambda: self._refresh_all(beep=called))

    def _port_status(self, url: str, state: str, message: str) -> None:
        self._set_status(device_name(url), state, message)
        if state == "ok":
            # A replugged keypad shows nothing: send every counter on the line its state again.
            counters = [int(c) for c in self.settings.ports.get(url, {}).values()]
            self._jobs.put(lambda: self._refresh(counters, force=True))

    # ---- on the worker ----------------------------------------------------------------------

    def _snapshot(self, counter: int) -> dict[str, Any]:
        return counter_brief(self.service, counter)

    def _refresh_all(self, beep: int | None = None) -> None:
        self._refresh(self.counters)
        if beep is not None and beep in self._buses:
            self._buses[beep].beep(str(beep))

    def _refresh(self, counters: Iterable[int], force: bool = False) -> None:
        """Show each counter its ticket in hand, or how many wait for it."""
        for counter in counters:
            try:
                snapshot = self._snapshot(counter)
            except HallError as exc:  # e.g. a keypad configured for a counter the hall does not have
                logger.warning("keypad of counter %d: %s", counter, exc.message)
                continue
            ticket = snapshot["ticket"]
            text = ticket["number"] if ticket else str(min(snapshot["waiting"], 999999))
            if force or self._shown.get(counter) != text:
                if self._buses[counter].show(str(counter), text):
                    self._shown[counter] = text
                else:
                    self._shown.pop(counter, None)

    def _press(self, counter: int, key: KeyPress) -> None:
        snapshot = self._snapshot(counter)
        ticket = snapshot["ticket"]
        actor = Actor("device", None, counter=counter, device_kind="keypad")

        def run(action: str, **params: Any) -> Any:
            return self.commands.counter_action(actor, counter, action, params)

        logger.info("keypad of counter %d: %s", counter, key.action)
        try:
            if key.action in ("call_next", "request_rating") and ticket is not None:
                if ticket["state"] == "called":
                    run("start")
                run("finish")
            if key.action == "call_next":
                if run("call-next").ticket is None:
                    self._buses[counter].beep(str(counter))
            elif key.action == "request_rating" and ticket is None:
                run("request-rating")  # ask again for the case finished last
            elif key.action == "recall":
                run("recall")
            elif key.action == "pause_toggle":
                run("resume" if snapshot["counter"]["state"] == "paused" else "pause", reason="away")
            elif key.action == "transfer":
                if ticket is None:
                    raise IllegalTransition(N_("counter {counter} has no ticket in hand"), counter=counter)
                run("transfer", to_category=ticket["category"], note="keypad")
            elif key.action == "no_show":
                run("no-show")
            elif key.action == "hold":
                run("hold")
            elif key.action == "call_held":
                run("call-held", number=self._held_number(counter, key.data))
        except HallError as exc:
            logger.info("keypad of counter %d: %s refused: %s", counter, key.action, exc.message)
            self._buses[counter].beep(str(counter))

    def _held_number(self, counter: int, digits: bytes) -> str | None:
        """The held ticket whose digits the clerk typed after "confirm 3", or None for the oldest."""
        wanted = "".join(str(d) for d in digits if d <= 9)
        if not wanted:
            return None
        for ticket in self.service.held_tickets(counter):
            if "".join(ch for ch in ticket.number if ch.isdigit()).lstrip("0") == wanted.lstrip("0"):
                return ticket.number
        return wanted
