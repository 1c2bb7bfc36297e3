"""The device sections of a configuration file, shared by the hall's ``hall.toml`` and an agent's ``agent.toml``.

A device is described the same way wherever it is attached: ``[[keypads]]``, ``[[evaluator_keypads]]``,
``[[led_displays]]`` and ``[[id_card_readers]]`` entries name a serial port (a path or a pyserial URL)
and the counter or kiosk the device belongs to. Each parser checks its section and raises
``ConfigError`` with the section's name and the entry's position in the message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from drivers.keypad import KeypadConfigError, KeypadSettings
from drivers.led import LedConfigError, LedSettings
from drivers.led_controller import LedTexts

from ..config import ConfigError

KIOSK_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _entries(raw: Any, section: str, keys: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ConfigError(f"[[{section}]] must be an array of tables with {keys}")
    return [dict(entry) for entry in raw]


def _unknown(entry: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def _counter(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{where}: counter must be a counter number, got {value!r}")
    return value


def kiosk_id(value: Any, where: str) -> str:
    """A kiosk id as in ``[[kiosks]]``: 1-40 letters, digits, - or _."""
    if not isinstance(value, str) or not KIOSK_ID.match(value):
        raise ConfigError(f"{where}: kiosk must be 1-40 letters, digits, - or _, got {value!r}")
    return value


def parse_keypads(raw: Any) -> tuple[dict[str, Any], ...]:
    """[[keypads]]: serial caller keypads, each {port, address, counter}; several may share a port."""
    entries = _entries(raw, "keypads", "port, address and counter")
    try:
        KeypadSettings.from_mapping(entries)
    except KeypadConfigError as exc:
        raise ConfigError(f"[[keypads]] {exc}") from None
    for index, entry in enumerate(entries):
        where = f"[[keypads]] entry {index + 1}"
        _unknown(entry, {"port", "address", "counter"}, where)
        _counter(entry["counter"], where)
    return tuple(entries)


def parse_evaluator_keypads(raw: Any) -> tuple[dict[str, Any], ...]:
    """[[evaluator_keypads]]: port (path or pyserial URL), address 0-255, counter number; one per counter."""
    entries = _entries(raw, "evaluator_keypads", "port, address and counter")
    seen: set[tuple[str, int]] = set()
    for index, entry in enumerate(entries):
        where = f"[[evaluator_keypads]] entry {index + 1}"
        _unknown(entry, {"port", "address", "counter"}, where)
        port, address = entry.get("port"), entry.get("address", 1)
        if not isinstance(port, str) or not port.strip():
            raise ConfigError(f"{where}: port must be a serial port path or URL")
        if not isinstance(address, int) or isinstance(address, bool) or not 0 <= address <= 255:
            raise ConfigError(f"{where}: address must be a whole number 0-255, got {address!r}")
        _counter(entry.get("counter"), where)
        if (port, address) in seen:
            raise ConfigError(f"{where}: address {address} on {port} is used twice")
        seen.add((port, address))
    return tuple(dict(entry, address=entry.get("address", 1)) for entry in entries)


def parse_led_displays(raw: Any) -> tuple[dict[str, Any], ...]:
    """[[led_displays]]: LED window strips, each {port, address, counter[, format, baudrate]} (docs/led-protocol.md)."""
    entries = _entries(raw, "led_displays", "port, address and counter")
    try:
        LedSettings.from_mapping(entries)
    except LedConfigError as exc:
        raise ConfigError(f"[[led_displays]] {exc}") from None
    for index, entry in enumerate(entries):
        _counter(entry["counter"], f"[[led_displays]] entry {index + 1}")
    return tuple(entries)


def parse_led_texts(raw: Any) -> dict[str, Any]:
    """[led]: the strips' idle, pause and call texts and their timings."""
    if not isinstance(raw, dict):
        raise ConfigError("[led] must be a table")
    try:
        LedTexts.from_mapping(raw)
    except (LedConfigError, TypeError) as exc:
        raise ConfigError(f"[led] {exc}") from None
    return dict(raw)


def parse_id_card_readers(raw: Any) -> tuple[dict[str, Any], ...]:
    """[[id_card_readers]]: GA 467 readers, each {port, kiosk[, baudrate]}; one reader per kiosk."""
    entries = _entries(raw, "id_card_readers", "port and kiosk")
    kiosks: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"[[id_card_readers]] entry {index + 1}"
        _unknown(entry, {"port", "kiosk", "baudrate"}, where)
        port = entry.get("port")
        if not isinstance(port, str) or not port.strip():
            raise ConfigError(f"{where}: port must be a serial port path or URL")
        kiosk = kiosk_id(entry.get("kiosk"), where)
        if kiosk in kiosks:
            raise ConfigError(f"{where}: kiosk {kiosk} has a reader already")
        kiosks.add(kiosk)
        baudrate = entry.setdefault("baudrate", 115200)
        if not isinstance(baudrate, int) or isinstance(baudrate, bool) or baudrate <= 0:
            raise ConfigError(f"{where}: baudrate must be a positive whole number, got {baudrate!r}")
    return tuple(entries)


def led_texts(raw: Mapping[str, Any]) -> LedTexts:
    """The [led] section (already checked) as the controller's texts."""
    return LedTexts.from_mapping(raw)
