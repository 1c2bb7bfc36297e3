"""The hall's devices: printers, the voice, caller and evaluator keypads — bus listeners, no Flask.

Every server process has the ``Voice`` (to serve announcement WAVs) and the ``DeviceStatusStore``.
The one device-owner process also runs ``DeviceOwner``: the printers attached to this server, the
announcer and the serial keypads, each a listener of its event bus. A device behind an agent on a
kiosk or counter PC reaches the same print jobs and commands over the network.
"""

from __future__ import annotations

import logging
from typing import Any

from drivers.printer import PrinterConfigError, PrinterSettings
from drivers.speech import SpeechConfigError, SpeechSettings

from ..catalogue import Catalogue
from ..commands import Commands
from ..config import Config, ConfigError, PrinterSection
from ..domain.events import HallListener
from .announcer import Announcer, ServerPlayback
from .evaluator_keypads import EvaluatorKeypads
from .keypads import KeypadService
from .printing import PrintStation, PrintStations, printer_name, ticket_layout
from .status import DeviceStatusStore
from .voice import Voice

logger = logging.getLogger(__name__)

__all__ = ["DeviceOwner", "DeviceStatusStore", "Voice", "printer_name", "printer_settings", "speech_settings",
           "ticket_layout"]


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
        if kiosk.printer is not None:
            printers[f"printer:{kiosk.id}"] = printer_settings(config, kiosk.printer, f"kiosks.{kiosk.id}.printer")
    return printers


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

    def listeners(self) -> list[HallListener]:
        """Everything here that reacts to hall events, for the process to subscribe."""
        found: list[Any] = [self.printers, self.announcer, self.keypads, self.evaluator_keypads]
        return [listener for listener in found if listener is not None]

    def start(self) -> None:
        self.printers.start()
        self.announcer.start()
        for keypads in (self.keypads, self.evaluator_keypads):
            if keypads is not None:
                keypads.start()

    def close(self) -> None:
        """Print and announce what is queued, then close every port."""
        for part in (self.evaluator_keypads, self.keypads, self.announcer, self.printers):
            if part is None:
                continue
            try:
                part.close()
            except Exception:  # device boundary: close the others anyway
                logger.exception("closing %r failed", part)

