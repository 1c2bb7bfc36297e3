"""The LED strip above each counter (窗口条屏), driven by hall events: the call flashes, pause and idle texts.

``LedStrips`` is a bus listener over an ``LedController`` (drivers.led_controller): a call or recall
shows "请A001号到3号窗口" flashing for 3 s then steady (a repeat within 5 s is merged by the
controller), a pause or a closed counter shows 暂停服务, a finished, missed, held or transferred
ticket and a counter opening or resuming show 热情为您服务. At start every strip is shown its
counter's state as it is now. The controller's sinks are the driver's ``LedBus`` for strips attached
to the server (``[[led_displays]]`` in hall.toml, and the strips managers set on counters in the
console), or ``RemoteLedLine`` for strips on an agent's serial line: the same listener either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from drivers.led import LedConfigError, LedSettings
from drivers.led_bus import LedStatus
from drivers.led_controller import LedController, LedDisplays, LedTexts

from ..domain import events as ev
from ..domain.states import IN_HAND, CounterState
from ..periodic import JobThread
from ..service import HallService
from ..storage import repo

logger = logging.getLogger(__name__)

StatusSetter = Callable[[str, str, str], None]
_IDLE_AFTER = (ev.CaseFinished, ev.TicketMissed, ev.TicketTransferred, ev.TicketHeld, ev.TicketCancelled,
               ev.TicketExpired, ev.CounterResumed, ev.CounterOpened)


def strip_name(counter: int | str) -> str:
    """A counter's strip on the managers' console."""
    return f"led counter {counter}"


def strip_entries(config_entries: Iterable[Mapping[str, Any]], console: Iterable[Mapping[str, Any]]
                  ) -> list[dict[str, Any]]:
    """The strips attached to this server: ``[[led_displays]]`` first, then the console's for other counters."""
    entries = [dict(entry) for entry in config_entries]
    configured = {int(entry["counter"]) for entry in entries}
    for strip in console:
        if int(strip["counter"]) not in configured and strip.get("port"):
            entries.append({"port": strip["port"], "address": strip["address"], "counter": int(strip["counter"])})
    return entries


def led_settings(entries: list[dict[str, Any]]) -> LedSettings:
    """Settings of the strips that can run; an entry the driver refuses (say address 0) is left out and logged."""
    usable: list[dict[str, Any]] = []
    for entry in entries:
        try:
            LedSettings.from_mapping([*usable, entry])
        except LedConfigError as exc:
            logger.error("LED strip of counter %s left out: %s", entry.get("counter"), exc)
            continue
        usable.append(entry)
    return LedSettings.from_mapping(usable)


class LedStrips:
    """Hall events → each counter's strip; ``on_event`` returns at once, the strips are driven on a worker."""

    def __init__(self, controller: LedController, service: HallService) -> None:
        self.controller = controller
        self.service = service
        self._counters = {int(counter) for counter in controller.counters}
        self._jobs = JobThread("led-strips", join_timeout=5)

    @property
    def counters(self) -> list[int]:
        return sorted(self._counters)

    def start(self) -> None:
        """Show every strip its counter's state now, then follow the events."""
        self._jobs.start()
        self.controller.start(show_idle=False)
        self._jobs.put(self.show_current)

    def close(self) -> None:
        self._jobs.close()
        self.controller.close()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every event received so far has reached the controller (tests)."""
        return self._jobs.wait_idle(timeout)

    def show_current(self) -> None:
        """Each strip shows its counter as it is: the ticket called there, the pause text, or the idle text."""
        with self.service.storage.read() as db:
            for number in self.counters:
                counter = repo.counter(db, number)
                if counter is None:
                    continue
                ticket = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
                if counter.state is not CounterState.OPEN:
                    self.controller.pause(str(number))
                elif ticket is not None and ticket.state in IN_HAND:
                    self.controller.call(str(number), ticket.number)
                else:
                    self.controller.idle(str(number))

    def on_event(self, event: ev.HallEvent) -> None:
        counter = event.counter
        if counter is None or counter not in self._counters:
            return
        if isinstance(event, (ev.TicketCalled, ev.TicketRecalled)):
            number = str((event.ticket or {}).get("number") or event.data.get("number") or "")
            if number:
                self._jobs.put(lambda: self.controller.call(str(counter), number))
        elif isinstance(event, (ev.CounterPaused, ev.CounterClosed)):
            self._jobs.put(lambda: self.controller.pause(str(counter)))
        elif isinstance(event, _IDLE_AFTER):
            self._jobs.put(lambda: self.controller.idle(str(counter)))


class AttachedStrips:
    """The strips on this server's own serial lines: their displays (buses and controller) and the listener."""

    def __init__(self, entries: list[dict[str, Any]], texts: LedTexts, service: HallService,
                 set_status: StatusSetter) -> None:
        settings = led_settings(entries)
        self._names = {(url, address): strip_name(counter)
                       for url, line in settings.ports.items() for address, counter in line.counters.items()}
        self._set_status = set_status
        self.displays = LedDisplays(settings, self._status, texts)
        self.strips = LedStrips(self.displays.controller, service)

    def _status(self, status: LedStatus) -> None:
        name = self._names.get((status.url, status.address), f"led {status.url}#{status.address}")
        self._set_status(name, status.state, status.message)

    def on_event(self, event: ev.HallEvent) -> None:
        self.strips.on_event(event)

    def start(self) -> None:
        for bus in self.displays.buses:
            bus.start()
        self.strips.start()

    def close(self) -> None:
        self.strips.close()
        for bus in self.displays.buses:
            bus.close()


class ServerStrips:
    """The strips attached to this server, rebuilt when managers change a counter's strip in the console."""

    def __init__(self, config_entries: Iterable[Mapping[str, Any]], texts: LedTexts, service: HallService,
                 set_status: StatusSetter) -> None:
        self._config_entries = [dict(entry) for entry in config_entries]
        self.texts = texts
        self.service = service
        self._set_status = set_status
        self.attached: AttachedStrips | None = None
        self._entries: list[dict[str, Any]] = []
        self._jobs = JobThread("led-strips-config", join_timeout=10)

    def _wanted(self) -> list[dict[str, Any]]:
        with self.service.storage.read() as db:
            return strip_entries(self._config_entries, repo.led_strips(db))

    def start(self) -> None:
        self._jobs.start()
        self._reload()

    def _reload(self) -> None:
        wanted = self._wanted()
        if wanted == self._entries and (self.attached is not None or not wanted):
            return
        if self.attached is not None:
            self.attached.close()
            self.attached = None
        self._entries = wanted
        if wanted:
            self.attached = AttachedStrips(wanted, self.texts, self.service, self._set_status)
            self.attached.start()
            logger.info("LED strips of counters %s attached to this server",
                        ", ".join(str(c) for c in self.attached.strips.counters))

    def on_event(self, event: ev.HallEvent) -> None:
        if isinstance(event, ev.CounterConfigured):
            self._jobs.put(self._reload)
        attached = self.attached
        if attached is not None:
            attached.on_event(event)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until configuration changes and events received so far have reached the strips (tests)."""
        if not self._jobs.wait_idle(timeout):
            return False
        attached = self.attached
        return attached is None or attached.strips.wait_idle(timeout)

    def close(self) -> None:
        self._jobs.close()
        if self.attached is not None:
            self.attached.close()
            self.attached = None
