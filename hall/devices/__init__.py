"""The hall's devices: printers, the voice, caller and evaluator keypads, LED strips, ID-card readers — no Flask.

Every server process has the ``Voice`` (to serve announcement WAVs) and the ``DeviceStatusStore``.
The one device-owner process also runs ``DeviceOwner``: the printers attached to this server, the
announcer, the serial keypads, the LED strips and ID-card readers, each a listener of its event bus,
and the sweep that gives up print jobs no printer took in time. A device behind an agent on a kiosk
or counter PC is driven by the same classes in the server process the agent is connected to
(``agent_session``), over the network (``remote``).
"""

from __future__ import annotations

import logging
from typing import Any

from drivers.printer import PrinterConfigError, PrinterSettings
from drivers.speech import SpeechConfigError, SpeechSettings

from ..catalogue import Catalogue
from ..commands import Commands
from ..config import AGENT_PRINTER, Config, ConfigError, PrinterSection
from ..domain.events import HallListener
from ..periodic import PeriodicTask
from .announcer import Announcer, ServerPlayback
from .evaluator_keypads import EvaluatorKeypads
from .idcards import AttachedReaders, CardDesk, person_key
from .keypads import KeypadService
from .led_strips import ServerStrips
from .printing import PrintGiveUp, PrintStation, PrintStations, printer_name, ticket_layout
from .sections import led_texts
from .status import DeviceStatusStore
from .voice import Voice

logger = logging.getLogger(__name__)

__all__ = ["DeviceOwner", "DeviceStatusStore", "Voice", "agent_printers", "printer_name", "printer_settings",
           "routed_printers", "speech_settings", "ticket_layout"]


def printer_settings(config: Config, section: PrinterSection | None = None, where: str = "printer") -> PrinterSettings:
    """The [printer] section (or a kiosk's own) as driver settings; ConfigError with the driver's message."""
    mapping = (section or config.printer).as_mapping()
    if mapping.get("path"):
        mapping["path"] = str(config.resolve(mapping["path"]))
    try:
        return PrinterSettings.from_mapping(mapping)
    except PrinterConfigError as exc:
        raise ConfigError(f"[{where}] {exc}") from None


def speech_settings(config: Config) -> tuple[SpeechSettings, ServerPlayback]:
    """The [speech] section as driver settings (its folder under the instance folder) and server playback."""
    mapping = config.speech.as_mapping()
    play_on_server = mapping.pop("play_on_server", False)
    if not isinstance(play_on_server, bool):
        raise ConfigError("[speech] play_on_server must be true or false")
    command = mapping.pop("play_command", list(ServerPlayback.command))
    if not isinstance(command, list) or not command or not all(isinstance(part, str) and part for part in command):
        raise ConfigError('[speech] play_command must be a list of words, e.g. ["aplay", "-q"]')
    mapping["dir"] = str(config.resolve(mapping.get("dir") or "speech"))
    try:
        return SpeechSettings.from_mapping(mapping), ServerPlayback(play_on_server, tuple(command))
    except SpeechConfigError as exc:
        raise ConfigError(f"[speech] {exc}") from None


def own_printers(config: Config) -> dict[str, PrinterSettings]:
    """The printers attached to this server, by device name: "printer" and "printer:<kiosk>"."""
    printers = {"printer": printer_settings(config)}
    for kiosk in config.kiosks:
        if kiosk.printer is not None and kiosk.printer.backend != AGENT_PRINTER:
            printers[f"printer:{kiosk.id}"] = printer_settings(config, kiosk.printer, f"kiosks.{kiosk.id}.printer")
    return printers


def agent_printers(config: Config) -> set[str]:
    """The kiosks' printers that sit on their kiosk PCs' agents, by device name ("printer:<kiosk>")."""
    return {f"printer:{k.id}" for k in config.kiosks if k.printer is not None and k.printer.backend == AGENT_PRINTER}


def routed_printers(config: Config) -> set[str]:
    """Every printer a ticket can be sent to: the server's own and the agents'."""
    return set(own_printers(config)) | agent_printers(config)


class DeviceOwner:
    """The devices of the one device-owner process: printers, the announcer, caller and evaluator keypads."""

    def __init__(self, config: Config, commands: Commands, catalogue: Catalogue, status: DeviceStatusStore,
                 voice: Voice) -> None:
        service = commands.service
        self.status = status
        self.printers = PrintStations([PrintStation(name, settings, service, catalogue, status)
                                       for name, settings in own_printers(config).items()])
        _, playback = speech_settings(config)
        self.announcer = Announcer(voice, playback, status)
        self.keypads = KeypadService(config.keypads, commands, status.set_status) if config.keypads else None
        self.evaluator_keypads = (EvaluatorKeypads(config.evaluator_keypads, commands, status.set_status)
                                  if config.evaluator_keypads else None)
        self.strips = ServerStrips(config.led_displays, led_texts(config.led), service, status.set_status)
        self.readers = (AttachedReaders(config.id_card_readers,
                                        CardDesk(service, person_key(config.instance_path),
                                                 config.id_card.swipe_seconds), status.set_status)
                        if config.id_card_readers else None)
        self.agent_printers = sorted(agent_printers(config))
        self.give_up = PrintGiveUp(service, config.printing.give_up_seconds)
        self._sweeper: PeriodicTask | None = None

    def listeners(self) -> list[HallListener]:
        """Everything here that reacts to hall events, for the process to subscribe."""
        found: list[Any] = [self.printers, self.announcer, self.keypads, self.evaluator_keypads, self.strips]
        return [listener for listener in found if listener is not None]

    def start(self) -> None:
        self.printers.start()
        self.announcer.start()
        for part in (self.keypads, self.evaluator_keypads, self.strips, self.readers):
            if part is not None:
                part.start()
        for name in self.agent_printers:  # until its agent says otherwise
            if self.status.state_of(name) is None:
                self.status.set_status(name, "offline", "waiting for the kiosk PC's agent to connect")
        self._sweeper = PeriodicTask("print-give-up", PrintGiveUp.SWEEP_SECONDS, self.give_up.sweep).start()

    def close(self) -> None:
        """Print and announce what is queued, then close every port."""
        if self._sweeper is not None:
            self._sweeper.close()
        for part in (self.readers, self.strips, self.evaluator_keypads, self.keypads, self.announcer,
                     self.printers):
            if part is None:
                continue
            try:
                part.close()
            except Exception:  # device boundary: close the others anyway
                logger.exception("closing %r failed", part)

