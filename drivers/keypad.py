"""Caller keypads on a serial/RS-485 line: frame codec, key decoding and the bus driver.

Frame: ``FF 68 L L 68 A F D... CS 16`` with ``L = len(A + F + D)`` and
``CS = (A + F + sum(D)) mod 256``. The host echoes every valid key frame back
as acknowledgement; it sends function 0x02 (six digits) to show a number and
0x03 to beep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Callable, Literal

from drivers.serial_port import ReconnectingSerial, StatusCallback

logger = logging.getLogger(__name__)

START = 0xFF
HEAD = 0x68
END = 0x16
FRAME_OVERHEAD = 7  # FF 68 L L 68 ... CS 16 around A F D
MAX_DATA_LENGTH = 32  # hall keypads send at most a few digits; bounds the parser buffer

FUNC_SHOW = 0x02
FUNC_BEEP = 0x03
FUNC_CONFIRM = 0x0F
HOST_FUNCTIONS = frozenset({FUNC_SHOW, FUNC_BEEP})

BLANK_DIGIT = 0x0A
DISPLAY_WIDTH = 6

Action = Literal[
    "call_next", "recall", "request_rating", "pause_toggle",
    "transfer", "no_show", "hold", "call_held",
]

KEY_ACTIONS: dict[int, Action] = {
    0x0C: "call_next",
    0x0D: "recall",
    0x0B: "request_rating",
    0x12: "pause_toggle",
    0x13: "transfer",
}
"""Function code of a plain key frame → action."""

CONFIRM_ACTIONS: dict[int, Action] = {6: "no_show", 0: "hold", 3: "call_held"}
"""Digit after the confirm key (function 0x0F, D[0]) → action."""


class KeypadError(Exception):
    """Base of keypad driver errors."""


class KeypadConfigError(KeypadError):
    """The keypad configuration is invalid."""


class UnknownKeypad(KeypadError):
    """No keypad is configured for that counter or address on this bus."""


@dataclass(frozen=True)
class Frame:
    """One decoded frame: keypad address, function code and data bytes."""

    address: int
    function: int
    data: bytes = b""


@dataclass(frozen=True)
class FrameError:
    """Bytes the parser dropped and why (noise, bad_length, bad_header, checksum, missing_end, truncated)."""

    reason: str
    raw: bytes


@dataclass(frozen=True)
class KeyPress:
    """A key a counter clerk pressed; ``data`` holds any digits the keypad sent with it."""

    action: Action
    address: int
    data: bytes = b""


def checksum(address: int, function: int, data: bytes = b"") -> int:
    """CS byte: (A + F + sum(D)) mod 256."""
    return (address + function + sum(data)) & 0xFF


def build_frame(address: int, function: int, data: bytes = b"") -> bytes:
    """Encode one frame ``FF 68 L L 68 A F D… CS 16``."""
    if not 0 <= address <= 0xFF or not 0 <= function <= 0xFF:
        raise ValueError(f"address and function must be bytes, got {address!r}, {function!r}")
    if len(data) > MAX_DATA_LENGTH:
        raise ValueError(f"at most {MAX_DATA_LENGTH} data bytes, got {len(data)}")
    length = 2 + len(data)
    return bytes([START, HEAD, length, length, HEAD, address, function, *data,
                  checksum(address, function, data), END])


class FrameParser:
    """Streaming parser: feed it chunks as they arrive, get frames and errors back.

    Noise is skipped up to the next ``FF 68``; after any bad candidate the parser
    drops one byte and rescans, so a good frame hidden inside a bad one is found.
    The buffer never holds more than one maximal frame (``max_data_length``).
    """

    def __init__(self, max_data_length: int = MAX_DATA_LENGTH) -> None:
        self._max_length = 2 + max_data_length
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held back as the start of an incomplete frame."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[Frame | FrameError]:
        """Add received bytes; return the frames and errors now complete."""
        self._buffer += chunk
        return self._parse()

    def flush(self) -> list[Frame | FrameError]:
        """The line went quiet: give up on the incomplete frame and rescan what follows it."""
        if not self._buffer:
            return []
        results: list[Frame | FrameError] = [FrameError("truncated", bytes(self._buffer))]
        while self._buffer:
            del self._buffer[:1]
            # Every byte left was already reported as truncated: keep only the frames.
            results.extend(item for item in self._parse() if isinstance(item, Frame))
        return results

    def _parse(self) -> list[Frame | FrameError]:
        results: list[Frame | FrameError] = []
        buf = self._buffer
        while buf:
            start = buf.find(b"\xff\x68")
            if start < 0:
                # Keep a trailing FF: it may be the first half of a start marker.
                keep = 1 if buf[-1] == START else 0
                noise = bytes(buf[: len(buf) - keep])
                if noise:
                    results.append(FrameError("noise", noise))
                del buf[: len(buf) - keep]
                break
            if start:
                results.append(FrameError("noise", bytes(buf[:start])))
                del buf[:start]
            if len(buf) < 5:
                break
            length = buf[2]
            if buf[3] != length or not 2 <= length <= self._max_length:
                results.append(FrameError("bad_length", bytes(buf[:5])))
                del buf[:1]
                continue
            if buf[4] != HEAD:
                results.append(FrameError("bad_header", bytes(buf[:5])))
                del buf[:1]
                continue
            total = length + FRAME_OVERHEAD
            if len(buf) < total:
                break
            raw = bytes(buf[:total])
            address, function, data = raw[5], raw[6], raw[7 : 5 + length]
            if raw[-1] != END:
                results.append(FrameError("missing_end", raw))
                del buf[:1]
                continue
            if raw[-2] != checksum(address, function, data):
                results.append(FrameError("checksum", raw))
                del buf[:1]
                continue
            results.append(Frame(address, function, data))
            del buf[:total]
        return results


def decode_key(frame: Frame) -> KeyPress | None:
    """The key a keypad frame reports, or None for codes this driver does not know."""
    action = KEY_ACTIONS.get(frame.function)
    if action is not None:
        return KeyPress(action, frame.address, frame.data)
    if frame.function == FUNC_CONFIRM and frame.data:
        action = CONFIRM_ACTIONS.get(frame.data[0])
        if action is not None:
            return KeyPress(action, frame.address, frame.data[1:])
    return None


def key_frame(address: int, action: Action) -> bytes:
    """The frame a keypad sends for ``action`` (used by the simulator and tests)."""
    for function, name in KEY_ACTIONS.items():
        if name == action:
            return build_frame(address, function)
    for digit, name in CONFIRM_ACTIONS.items():
        if name == action:
            return build_frame(address, FUNC_CONFIRM, bytes([digit]))
    raise ValueError(f"unknown keypad action {action!r}")


def display_digits(text: str) -> bytes:
    """Six display bytes for a ticket number or count: its digits right-aligned, blanks before.

    Letters cannot be shown, so ``"A001"`` → ``0A 0A 0A 00 00 01``.
    """
    digits = [int(ch) for ch in text if ch in "0123456789"]
    if len(digits) > DISPLAY_WIDTH:
        raise ValueError(f"{text!r} has more than {DISPLAY_WIDTH} digits")
    return bytes([BLANK_DIGIT] * (DISPLAY_WIDTH - len(digits)) + digits)


def show_frame(address: int, text: str) -> bytes:
    """Host → keypad frame that shows ``text`` (ticket number or waiting count)."""
    return build_frame(address, FUNC_SHOW, display_digits(text))


def beep_frame(address: int) -> bytes:
    """Host → keypad frame that makes the keypad beep."""
    return build_frame(address, FUNC_BEEP)


@dataclass(frozen=True)
class KeypadSettings:
    """Keypads grouped by serial port: ``ports[url][address] = counter``."""

    ports: dict[str, dict[int, str]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, entries: Iterable[Mapping[str, object]]) -> "KeypadSettings":
        """Validate a list of ``{"port", "address", "counter"}`` entries from the config file."""
        ports: dict[str, dict[int, str]] = {}
        for index, entry in enumerate(entries):
            where = f"keypad entry {index + 1}"
            port = entry.get("port")
            if not isinstance(port, str) or not port.strip():
                raise KeypadConfigError(f"{where}: 'port' must be a serial port path or URL")
            address = _parse_address(entry.get("address"), where)
            counter = entry.get("counter")
            if counter is None or isinstance(counter, bool) or not str(counter).strip():
                raise KeypadConfigError(f"{where}: 'counter' is missing")
            on_port = ports.setdefault(port.strip(), {})
            if address in on_port:
                raise KeypadConfigError(
                    f"{where}: address {address} on {port} is already used by counter {on_port[address]}"
                )
            on_port[address] = str(counter).strip()
        return cls(ports)


def _parse_address(value: object, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise KeypadConfigError(f"{where}: 'address' must be an integer 0..255, got {value!r}")
    return value


KeyCallback = Callable[[str, KeyPress], None]
"""Called as ``on_key(counter, key_press)`` on the bus reader thread."""


class KeypadBus:
    """All keypads sharing one serial port: acks and dispatches key frames, shows numbers, beeps."""

    def __init__(
        self,
        url: str,
        counters_by_address: Mapping[int, str],
        on_key: KeyCallback,
        on_status: StatusCallback,
        baudrate: int = 9600,
        reconnect_interval: float = 2.0,
        read_timeout: float = 0.1,
    ) -> None:
        self.url = url
        self._counters = dict(counters_by_address)
        self._on_key = on_key
        self._parser = FrameParser()
        self._serial = ReconnectingSerial(
            url, self, on_status, baudrate=baudrate, read_timeout=read_timeout,
            reconnect_interval=reconnect_interval,
        )

    @property
    def connected(self) -> bool:
        """True while the serial port is open."""
        return self._serial.connected

    def start(self) -> None:
        """Start the reader thread (it opens the port and keeps reopening it)."""
        self._serial.start()

    def close(self) -> None:
        """Stop the reader thread and close the port."""
        self._serial.close()

    def show(self, counter_or_address: str | int, text: str) -> bool:
        """Show a ticket number or waiting count on a counter's keypad; False if dropped."""
        return self._send(counter_or_address, lambda address: show_frame(address, text))

    def beep(self, counter_or_address: str | int) -> bool:
        """Make a counter's keypad beep; False if dropped."""
        return self._send(counter_or_address, beep_frame)

    def _send(self, counter_or_address: str | int, make_frame: Callable[[int], bytes]) -> bool:
        sent = True
        for address in self._addresses(counter_or_address):
            sent = self._serial.write(make_frame(address)) and sent
        return sent

    def _addresses(self, counter_or_address: str | int) -> list[int]:
        if isinstance(counter_or_address, int):
            if counter_or_address not in self._counters:
                raise UnknownKeypad(f"no keypad at address {counter_or_address} on {self.url}")
            return [counter_or_address]
        addresses = [a for a, c in self._counters.items() if c == counter_or_address]
        if not addresses:
            raise UnknownKeypad(f"no keypad for counter {counter_or_address!r} on {self.url}")
        return addresses

    # -- SerialProtocol, called on the reader thread ----------------------

    def connection_made(self, transport: ReconnectingSerial) -> None:
        """Port (re)opened: forget any half frame from before."""
        self._parser = FrameParser()

    def data_received(self, data: bytes) -> None:
        """Parse received bytes and handle each frame."""
        self._handle(self._parser.feed(data))

    def line_idle(self) -> None:
        """Line quiet: drop an incomplete frame so it cannot hold up the next one."""
        if self._parser.pending:
            self._handle(self._parser.flush())

    def connection_lost(self, exc: BaseException | None) -> None:
        """Port gone; the reconnect loop reports the status."""

    def _handle(self, results: list[Frame | FrameError]) -> None:
        for item in results:
            if isinstance(item, FrameError):
                log = logger.debug if item.reason == "noise" else logger.warning
                log("%s dropped %s bytes: %s", self.url, item.reason, item.raw.hex(" "))
            else:
                self._handle_frame(item)

    def _handle_frame(self, frame: Frame) -> None:
        if frame.function in HOST_FUNCTIONS:
            # Our own frame heard back (half-duplex adapter echo): acking it would loop.
            logger.debug("%s ignored host frame %s", self.url, frame)
            return
        self._serial.write(build_frame(frame.address, frame.function, frame.data))
        counter = self._counters.get(frame.address)
        if counter is None:
            logger.warning("%s key frame from unconfigured address %d ignored", self.url, frame.address)
            return
        key_press = decode_key(frame)
        if key_press is None:
            logger.warning("%s unknown key function 0x%02X from address %d", self.url,
                           frame.function, frame.address)
            return
        try:
            self._on_key(counter, key_press)
        except Exception:  # thread boundary: a domain bug must not kill the reader
            logger.exception("%s on_key failed for counter %s %s", self.url, counter, key_press)
