"""The hall's devices as seen by the server: printer and speech workers, and their status.

Hardware never runs inside a request: views hand jobs to the workers here and
return; the workers report back as device status and print results.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.announce_text import announcement_text
from drivers.printer import (
    PrinterConfigError,
    PrinterSettings,
    PrinterStatus,
    PrinterWorker,
    PrintJob,
)
from drivers.speech import LocalPlayer, SpeechConfigError, SpeechSettings, SpeechWorker
from drivers.ticket import TicketLayout

from ..admin import saved_announcement_template
from ..catalogue import Catalogue
from ..config import Config, ConfigError, PrinterSection
from ..domain.models import Ticket
from ..periodic import JobThread
from ..service import HallService

logger = logging.getLogger(__name__)

StatusListener = Callable[[str, dict[str, Any]], None]
_PRINT_STATES_KEPT = 2000


def printer_settings(config: Config, section: PrinterSection | None = None, where: str = "printer") -> PrinterSettings:
    """The [printer] section (or a kiosk's own) as driver settings; ConfigError with the driver's message."""
    mapping = (section or config.printer).as_mapping()
    if mapping.get("path") and not Path(mapping["path"]).is_absolute():
        mapping["path"] = str(config.instance_path / mapping["path"])
    try:
        return PrinterSettings.from_mapping(mapping)
    except PrinterConfigError as exc:
        raise ConfigError(f"[{where}] {exc}") from None


@dataclass(frozen=True)
class ServerPlayback:
    """[speech] play_on_server and play_command: whether and how the server plays calls on its own speakers."""

    enabled: bool = False
    command: tuple[str, ...] = ("aplay", "-q")


def speech_settings(config: Config) -> tuple[SpeechSettings, ServerPlayback]:
    """The [speech] section as driver settings, and whether (and with what) the server plays calls itself."""
    mapping = config.speech.as_mapping()
    play_on_server = mapping.pop("play_on_server", False)
    if not isinstance(play_on_server, bool):
        raise ConfigError("[speech] play_on_server must be true or false")
    command = mapping.pop("play_command", list(ServerPlayback.command))
    if not isinstance(command, list) or not command or not all(isinstance(part, str) and part for part in command):
        raise ConfigError('[speech] play_command must be a list of words, e.g. ["aplay", "-q"]')
    mapping.setdefault("dir", str(config.instance_path / "speech"))
    try:
        return SpeechSettings.from_mapping(mapping), ServerPlayback(play_on_server, tuple(command))
    except SpeechConfigError as exc:
        raise ConfigError(f"[speech] {exc}") from None


def printer_device(kiosk_id: str) -> str:
    """The device-status name of a kiosk's own printer."""
    return f"printer:{kiosk_id}"


class DeviceHub:
    """Owns the printer and speech workers and keeps every device's last status."""

    def __init__(self, config: Config, service: HallService, catalogue: Catalogue) -> None:
        self.config = config
        self.service = service
        self.catalogue = catalogue
        self.printer_settings = printer_settings(config)
        #: Kiosks with a printer of their own ([[kiosks]] with a printer table); the others use [printer].
        self.kiosk_printer_settings = {k.id: printer_settings(config, k.printer, f"kiosks.{k.id}.printer")
                                       for k in config.kiosks if k.printer is not None}
        self.kiosk_printers: dict[str, PrinterWorker] = {}
        self.speech_settings, self.playback = speech_settings(config)
        self.printer: PrinterWorker | None = None
        self.speech: SpeechWorker | None = None
        self.player: LocalPlayer | None = None
        self.keypads: Any = None  # hall.web.keypads.KeypadService once started
        self.evaluator_keypads: Any = None  # evaluator.keypads.EvaluatorKeypads once started
        self._status: dict[str, dict[str, Any]] = {}
        self._listeners: list[StatusListener] = []
        self._print_state: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._printed = threading.Condition(self._lock)
        self._announcer = JobThread("speech-announcer")

    # ---- life cycle ----------------------------------------------------------------

    def start(self) -> None:
        self.printer = PrinterWorker(self.printer_settings, on_status=self._printer_status, on_result=self._print_result)
        self.set_status("printer", "ok", f"{self.printer_settings.backend} printer ready")
        for kiosk_id, settings in self.kiosk_printer_settings.items():
            device = printer_device(kiosk_id)
            self.kiosk_printers[kiosk_id] = PrinterWorker(
                settings, name=device, on_result=self._print_result,
                on_status=lambda status, device=device: self.set_status(device, status.state, status.message))
            self.set_status(device, "ok", f"{settings.backend} printer ready")
        if self.speech_settings.backend != "none":
            self.speech = SpeechWorker(self.speech_settings, on_status=lambda s, m: self.set_status("speech", s, m))
            self.speech.start()
            self.set_status("speech", "ok", "speech ready")
            if self.playback.enabled:
                self.player = LocalPlayer(self.playback.command,
                                          on_status=lambda s, m: self.set_status("speaker", s, m))
                self.player.start()
                self._announcer.start()
        self.start_keypads()
        self.start_evaluator_keypads()

    def start_evaluator_keypads(self) -> None:
        """Open the [[evaluator_keypads]] lines; each port's state shows as "evaluator <port>"."""
        from evaluator.keypads import EvaluatorKeypads

        if self.config.evaluator_keypads and self.evaluator_keypads is None:
            self.evaluator_keypads = EvaluatorKeypads(self.config.evaluator_keypads, self.service, self.set_status)
            self.evaluator_keypads.start()

    def start_keypads(self) -> None:
        """Open the [[keypads]] lines; each port's state shows on the console as "keypad <port>"."""
        from .keypads import KeypadService

        if self.config.keypads and self.keypads is None:
            self.keypads = KeypadService(self.config.keypads, self.service, self.set_status,
                                         lang=self.config.hall.language)
            self.keypads.start()

    def close(self) -> None:
        if self.evaluator_keypads is not None:
            self.evaluator_keypads.close()
            self.evaluator_keypads = None
        if self.keypads is not None:
            self.keypads.close()
            self.keypads = None
        self._announcer.close()
        for worker in (self.player, self.speech, self.printer, *self.kiosk_printers.values()):
            if worker is not None:
                try:
                    worker.close()
                except Exception:
                    logger.exception("closing %r failed", worker)

    # ---- status ---------------------------------------------------------------------

    def subscribe(self, listener: StatusListener) -> None:
        self._listeners.append(listener)

    def set_status(self, device: str, state: str, message: str = "") -> None:
        with self._lock:
            previous = self._status.get(device)
            if previous and previous["state"] == state and previous["message"] == message:
                return
            entry = {"device": device, "state": state, "message": message, "since": time.time()}
            self._status[device] = entry
        if state != "ok":
            logger.warning("device %s: %s %s", device, state, message)
        for listener in list(self._listeners):
            try:
                listener(device, entry)
            except Exception:
                logger.exception("device status listener failed")

    def statuses(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(v) for v in self._status.values()]

    # ---- printing ---------------------------------------------------------------------

    def printer_for(self, kiosk: str | None) -> PrinterWorker | None:
        """The printer of *kiosk*: its own from [[kiosks]], else the hall's default [printer]."""
        return self.kiosk_printers.get(kiosk or "", self.printer)

    def ticket_layout(self, ticket: Ticket, status_url: str, lang: str) -> TicketLayout:
        """The one description of a ticket, for the printer and for the on-screen preview alike."""
        hall = self.service.hall  # the settings in force, including what managers saved
        service_name = self.catalogue.service_name(item=ticket.item, bundle=ticket.bundle, lang=lang)
        if ticket.appointment:
            service_name += " · " + ("Appointment" if lang == "en" else "预约")
        return TicketLayout(
            hall_name=hall.name if lang == "zh" else hall.name_en,
            number=ticket.number,
            service_name=service_name,
            people_ahead=ticket.people_ahead,
            estimated_wait_minutes=ticket.estimated_wait_minutes,
            issued_at=datetime.fromtimestamp(ticket.issued_at, hall.tz),
            status_url=status_url,
            notices=tuple(self.notices(lang)),
            # An appointment is ordered like a priority ticket but is not the 绿色通道.
            priority=ticket.priority and not ticket.appointment,
            lang=lang,
        )

    def print_ticket(self, ticket: Ticket, status_url: str, lang: str) -> None:
        """Queue the ticket for its kiosk's printer; returns at once. The ticket is already committed."""
        printer = self.printer_for(ticket.kiosk)
        if printer is None:
            return
        layout = self.ticket_layout(ticket, status_url, lang)
        with self._lock:
            self._print_state[ticket.id] = {"state": "pending", "error": None, "printer": printer.name}
            while len(self._print_state) > _PRINT_STATES_KEPT:
                self._print_state.popitem(last=False)
        printer.submit(PrintJob(job_id=f"{ticket.id}:{time.monotonic_ns()}", layout=layout))

    def notices(self, lang: str) -> list[str]:
        from ..storage import repo

        with self.service.storage.read() as db:
            notices = repo.get_setting(db, "notices", {})
        return list(notices.get(lang) or notices.get("zh") or [])

    def wait_print(self, ticket_id: int, timeout: float = 10.0) -> dict[str, Any] | None:
        """Block until the ticket's latest print job has a result (or *timeout*); returns its print state."""
        def settled() -> bool:
            return (self._print_state.get(ticket_id) or {}).get("state") != "pending"

        with self._printed:
            self._printed.wait_for(settled, timeout)
            state = self._print_state.get(ticket_id)
            return dict(state) if state else None

    def print_state(self, ticket_id: int) -> dict[str, Any] | None:
        with self._lock:
            state = self._print_state.get(ticket_id)
            return dict(state) if state else None

    def _print_result(self, job_id: str, ok: bool, error: str | None) -> None:
        ticket_id = int(job_id.split(":", 1)[0])
        with self._lock:
            printer = (self._print_state.get(ticket_id) or {}).get("printer")
            self._print_state[ticket_id] = {"state": "printed" if ok else "failed", "error": error, "printer": printer}
            self._printed.notify_all()
        self.service.note(ticket_id, "printed" if ok else "print_failed", {"error": error} if error else {})

    def _printer_status(self, status: PrinterStatus) -> None:
        self.set_status("printer", status.state, status.message)

    # ---- speech -------------------------------------------------------------------------

    def announce(self, number: str, counter: int) -> str | None:
        """Queue the call's announcement; returns the WAV's cache key (or None without speech)."""
        if self.speech is None:
            return None
        settings = self.speech_settings
        with self.service.storage.read() as db:
            template = saved_announcement_template(db, settings.lang) or settings.template
        try:
            text = announcement_text(number, counter, lang=settings.lang, template=template)
        except ValueError:
            logger.exception("announcement template failed for %s", number)
            return None
        key = self.speech.request(text)
        if self.player is not None:
            self._announcer.put(lambda: self._play(key))
        return key

    def speech_file(self, key: str, timeout: float = 10.0) -> Path | None:
        if self.speech is None or not key.isalnum():
            return None
        return self.speech.wait_ready(key, timeout)

    def wait_played(self, timeout: float) -> bool:
        """Block until every queued announcement has been played on the server's speakers (for tests)."""
        return self._announcer.wait_idle(timeout) and (self.player is None or self.player.wait_idle(timeout))

    def _play(self, key: str) -> None:
        """On the announcer thread: wait for the WAV, then hand it to the speaker; never overlapping."""
        path = self.speech.wait_ready(key, 30.0) if self.speech else None
        if path is not None and self.player is not None:
            self.player.play(path)

