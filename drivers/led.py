"""LED window strips (窗口条屏) on RS-485: what a board is told, and the byte format that tells it.

A hall's boards speak whatever their vendor chose; OneWindow ships one common format, ``a5``
(docs/led-protocol.md), and keeps it behind ``LedFraming``: a small class with two frames to
build (show text, query) and a parser for the board's answers. A hall with another board writes
such a class and names it as ``format = "package.module:ClassName"`` in the configuration.

Frame of the ``a5`` format: ``A5 ADDR CMD SEQ LEN DATA… CRC_H CRC_L 5A`` with CRC-16/CCITT-FALSE
over ADDR…DATA. The host sends ``0x21`` (show: effect byte + GB2312 text) and ``0x10`` (query);
the board answers ``CMD | 0x80`` with the same SEQ and one status byte.
"""

from __future__ import annotations

import binascii
import enum
import importlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from drivers.framing import MarkedFrameParser
from drivers.safe_text import device_text

logger = logging.getLogger(__name__)


class LedError(Exception):
    """Base of LED driver errors."""


class LedConfigError(LedError, ValueError):
    """The LED configuration is invalid (address, port, format)."""


class Effect(enum.IntEnum):
    """How the board shows a text."""

    STEADY = 0
    FLASH = 1
    SCROLL = 2


@dataclass(frozen=True)
class LedContent:
    """What one display should show."""

    text: str
    effect: Effect = Effect.STEADY


@dataclass(frozen=True)
class LedCapabilities:
    """What a board format can do: text encoding and size, effects, whether boards answer."""

    encoding: str = "gb2312"
    max_text_bytes: int = 128
    effects: frozenset[Effect] = frozenset(Effect)
    answers: bool = True

    def supports(self, effect: Effect) -> bool:
        """Whether the board can show ``effect`` (otherwise the text is shown steady)."""
        return effect in self.effects


@dataclass(frozen=True)
class LedReply:
    """A board's answer: its address, the SEQ it answers (None if the format has none), status 0 = ok."""

    address: int
    seq: int | None
    status: int = 0


class ReplyParser(Protocol):
    """Streaming parser of what boards send back."""

    def feed(self, data: bytes) -> list[LedReply]:
        """Add received bytes; return the answers now complete (noise and echoes dropped)."""

    def flush(self) -> list[LedReply]:
        """The line went quiet: drop a half frame and return what it hid."""


@runtime_checkable
class LedFraming(Protocol):
    """A board's byte format: the one class a hall writes to add its board (docs/led-protocol.md)."""

    capabilities: LedCapabilities

    def show_frame(self, address: int, seq: int, content: LedContent) -> bytes:
        """The frame that makes display ``address`` show ``content``."""

    def query_frame(self, address: int, seq: int) -> bytes:
        """A frame the display answers without changing what it shows (a presence check)."""

    def reply_parser(self) -> ReplyParser:
        """A fresh parser for the answers (one per port opening)."""


def encode_text(text: str, capabilities: LedCapabilities) -> bytes:
    """``text`` as the board's bytes: controls removed, unknown characters as ``?``, cut to fit whole characters."""
    clean = device_text(text)
    encoded = clean.encode(capabilities.encoding, errors="replace")
    if len(encoded) <= capabilities.max_text_bytes:
        return encoded
    clean = clean[: capabilities.max_text_bytes]  # every character is at least one byte
    encoded = clean.encode(capabilities.encoding, errors="replace")
    while len(encoded) > capabilities.max_text_bytes:
        clean = clean[:-1]
        encoded = clean.encode(capabilities.encoding, errors="replace")
    logger.warning("LED text cut to %d bytes: %r", capabilities.max_text_bytes, clean)
    return encoded


# --------------------------------------------------------------------------- the a5 format

A5_START = 0xA5
A5_END = 0x5A
A5_QUERY = 0x10
A5_SHOW = 0x21
A5_REPLY = 0x80
A5_MAX_DATA = 250
A5_OVERHEAD = 8  # A5 ADDR CMD SEQ LEN … CRC CRC 5A
BROADCAST = 0xFF

STATUS_OK = 0x00
STATUS_UNKNOWN_COMMAND = 0x02
STATUS_TEXT_TOO_LONG = 0x03
STATUS_BAD_TEXT = 0x04
STATUS_BUSY = 0x05
STATUS_NAMES = {
    STATUS_OK: "ok", STATUS_UNKNOWN_COMMAND: "unknown command", STATUS_TEXT_TOO_LONG: "text too long",
    STATUS_BAD_TEXT: "unsupported character or effect", STATUS_BUSY: "busy",
}
RETRY_STATUSES = frozenset({STATUS_BUSY})
"""Answers after which the same frame is sent again; any other non-zero status is final."""


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): ``crc16(b"123456789") == 0x29B1``."""
    return binascii.crc_hqx(data, 0xFFFF)


@dataclass(frozen=True)
class A5Frame:
    """One decoded ``a5`` frame, in either direction."""

    address: int
    command: int
    seq: int
    data: bytes = b""


def build_a5(address: int, command: int, seq: int, data: bytes = b"") -> bytes:
    """Encode ``A5 ADDR CMD SEQ LEN DATA… CRC_H CRC_L 5A``."""
    if not all(0 <= value <= 0xFF for value in (address, command, seq)):
        raise ValueError(f"address, command and seq must be bytes, got {address!r}, {command!r}, {seq!r}")
    if len(data) > A5_MAX_DATA:
        raise ValueError(f"at most {A5_MAX_DATA} data bytes, got {len(data)}")
    body = bytes([address, command, seq, len(data)]) + data
    return bytes([A5_START]) + body + crc16(body).to_bytes(2, "big") + bytes([A5_END])


def _a5_length(header: bytes) -> int | None:
    """Whole frame length from ``A5 ADDR CMD SEQ LEN``, None if LEN is beyond the maximum."""
    return header[4] + A5_OVERHEAD if header[4] <= A5_MAX_DATA else None


def _a5_decode(raw: bytes) -> A5Frame | None:
    """A whole candidate frame, or None if its end byte or CRC is wrong."""
    body = raw[1:-3]
    if raw[-1] != A5_END or int.from_bytes(raw[-3:-1], "big") != crc16(body):
        return None
    return A5Frame(body[0], body[1], body[2], body[4:])


class A5Parser(MarkedFrameParser[A5Frame]):
    """Streaming parser of ``a5`` frames in either direction (drivers.framing does the resynchronising)."""

    def __init__(self) -> None:
        super().__init__(bytes([A5_START]), 5, _a5_length, _a5_decode)


class A5ReplyParser:
    """The host's view of the line: board answers only (our own frames echoed by the adapter are skipped)."""

    def __init__(self) -> None:
        self._frames = A5Parser()

    def feed(self, data: bytes) -> list[LedReply]:
        return self._replies(self._frames.feed(data))

    def flush(self) -> list[LedReply]:
        return self._replies(self._frames.flush())

    @staticmethod
    def _replies(frames: list[A5Frame]) -> list[LedReply]:
        return [LedReply(f.address, f.seq, f.data[0] if f.data else STATUS_OK)
                for f in frames if f.command & A5_REPLY]


class A5Framing:
    """The ``a5`` format (docs/led-protocol.md): GB2312 text, steady/flash/scroll, every frame answered."""

    def __init__(self, capabilities: LedCapabilities | None = None) -> None:
        self.capabilities = capabilities or LedCapabilities()

    def show_frame(self, address: int, seq: int, content: LedContent) -> bytes:
        effect = content.effect if self.capabilities.supports(content.effect) else Effect.STEADY
        return build_a5(address, A5_SHOW, seq, bytes([effect]) + encode_text(content.text, self.capabilities))

    def query_frame(self, address: int, seq: int) -> bytes:
        return build_a5(address, A5_QUERY, seq)

    def reply_parser(self) -> ReplyParser:
        return A5ReplyParser()


FORMATS: Mapping[str, type] = {"a5": A5Framing}
"""Built-in board formats by configuration name."""


def load_framing(name: str) -> LedFraming:
    """The format called ``name``: a built-in one (``a5``) or ``"package.module:ClassName"``."""
    if name in FORMATS:
        return FORMATS[name]()
    module_name, _, class_name = name.partition(":")
    if not module_name or not class_name:
        raise LedConfigError(
            f"unknown LED format {name!r}: use one of {', '.join(FORMATS)} or 'package.module:ClassName'")
    try:
        framing = getattr(importlib.import_module(module_name), class_name)()
    except (ImportError, AttributeError, TypeError) as exc:  # TypeError: its class needs arguments
        raise LedConfigError(f"cannot load LED format {name!r}: {exc}") from exc
    if not isinstance(framing, LedFraming):
        raise LedConfigError(
            f"LED format {name!r} must have capabilities, show_frame, query_frame and reply_parser")
    return framing


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class LedPort:
    """One RS-485 line: its port, baud rate, board format and ``{address: counter}``."""

    port: str
    format: str = "a5"
    baudrate: int = 9600
    counters: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LedSettings:
    """Every LED display, grouped by serial line: ``ports[url]``."""

    ports: dict[str, LedPort] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, entries: Iterable[Mapping[str, object]]) -> LedSettings:
        """Validate ``[[led_displays]]`` entries ``{port, address, counter[, format, baudrate]}``."""
        ports: dict[str, LedPort] = {}
        seen_counters: dict[str, str] = {}
        for index, entry in enumerate(entries):
            where = f"LED display entry {index + 1}"
            unknown = sorted(set(entry) - {"port", "address", "counter", "format", "baudrate"})
            if unknown:
                raise LedConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
            port = entry.get("port")
            if not isinstance(port, str) or not port.strip():
                raise LedConfigError(f"{where}: 'port' must be a serial port path or pyserial URL")
            port = port.strip()
            address = entry.get("address")
            if isinstance(address, bool) or not isinstance(address, int) or not 1 <= address <= 0xFE:
                raise LedConfigError(f"{where}: 'address' must be an integer 1..254, got {address!r}")
            counter = entry.get("counter")
            if counter is None or isinstance(counter, bool) or not str(counter).strip():
                raise LedConfigError(f"{where}: 'counter' is missing")
            counter = str(counter).strip()
            if counter in seen_counters:
                raise LedConfigError(f"{where}: counter {counter} already has a display on {seen_counters[counter]}")
            line = ports.get(port) or LedPort(port, *_line_options(entry, where))
            if (line.format, line.baudrate) != _line_options(entry, where, line):
                raise LedConfigError(f"{where}: every display on {port} must use one format and baud rate")
            if address in line.counters:
                raise LedConfigError(
                    f"{where}: address {address} on {port} is already counter {line.counters[address]}")
            line.counters[address] = counter
            ports[port] = line
            seen_counters[counter] = port
        return cls(ports)


def _line_options(entry: Mapping[str, object], where: str, line: LedPort | None = None) -> tuple[str, int]:
    """(format, baudrate) of an entry; absent values take the line's (or the defaults)."""
    fmt = entry.get("format", line.format if line else "a5")
    baudrate = entry.get("baudrate", line.baudrate if line else 9600)
    if not isinstance(fmt, str) or not fmt.strip():
        raise LedConfigError(f"{where}: 'format' must be a name such as 'a5'")
    if fmt not in FORMATS and ":" not in fmt:
        raise LedConfigError(f"{where}: unknown format {fmt!r}; use one of {', '.join(FORMATS)} or 'module:Class'")
    if isinstance(baudrate, bool) or not isinstance(baudrate, int) or baudrate <= 0:
        raise LedConfigError(f"{where}: 'baudrate' must be a positive integer, got {baudrate!r}")
    return fmt.strip(), baudrate
