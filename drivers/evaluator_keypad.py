"""Five-key serial evaluators (评价器): frame codec, streaming parser, the bus reader and a pty simulator.

Frame (docs/evaluator-protocol.md): ``02 A C L D… X 03`` with A the evaluator
address, C the command, L = len(D) and X = A ^ C ^ L ^ D… (XOR). The evaluator
sends ``K`` with one byte 1–5 when a key is pressed; the host answers every key
with ``A`` (accepted) or ``N`` (refused, with a reason byte), and sends ``P``
(prompt: window seconds + ticket number), ``T`` (thank you) and ``I`` (idle).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable

from drivers.pty_device import PtyDevice
from drivers.serial_port import ReconnectingSerial, StatusCallback

logger = logging.getLogger(__name__)

STX = 0x02
ETX = 0x03
MAX_DATA = 16

CMD_KEY = ord("K")       # evaluator → host: a key, D = score 1..5
CMD_HELLO = ord("H")     # evaluator → host: powered on; the host answers with its current state
CMD_ACCEPT = ord("A")    # host → evaluator: rating recorded, D = score
CMD_REFUSE = ord("N")    # host → evaluator: key refused, D = reason code
CMD_PROMPT = ord("P")    # host → evaluator: light the keys, D = window seconds (1 byte) + ticket number (ASCII)
CMD_THANKS = ord("T")    # host → evaluator: show thank-you
CMD_IDLE = ord("I")      # host → evaluator: keys dark

EVALUATOR_COMMANDS = frozenset({CMD_KEY, CMD_HELLO})
HOST_COMMANDS = frozenset({CMD_ACCEPT, CMD_REFUSE, CMD_PROMPT, CMD_THANKS, CMD_IDLE})

REFUSE_NOTHING_PENDING = 1
REFUSE_ALREADY_RATED = 2
REFUSE_WINDOW_CLOSED = 3
REFUSE_BAD_KEY = 4
REFUSE_ERROR = 9


@dataclass(frozen=True)
class EvalFrame:
    """One decoded frame."""

    address: int
    command: int
    data: bytes = b""


def bcc(address: int, command: int, data: bytes) -> int:
    """The block check: XOR of address, command, length and data."""
    value = address ^ command ^ len(data)
    for byte in data:
        value ^= byte
    return value


def encode(address: int, command: int, data: bytes = b"") -> bytes:
    """``02 A C L D… X 03``."""
    if not 0 <= address <= 0xFF or not 0 <= command <= 0xFF:
        raise ValueError("address and command must be bytes")
    if len(data) > MAX_DATA:
        raise ValueError(f"at most {MAX_DATA} data bytes")
    return bytes([STX, address, command, len(data), *data, bcc(address, command, data), ETX])


def key_frame(address: int, score: int) -> bytes:
    """What the evaluator sends when the key for *score* (1–5) is pressed."""
    if not 1 <= score <= 5:
        raise ValueError("an evaluator has keys 1 to 5")
    return encode(address, CMD_KEY, bytes([score]))


def prompt_frame(address: int, number: str, window_seconds: float) -> bytes:
    """Ask for a rating of ticket *number*; the keys light for *window_seconds* (at most 255)."""
    seconds = max(0, min(255, int(window_seconds)))
    return encode(address, CMD_PROMPT, bytes([seconds]) + number.encode("ascii", "replace")[: MAX_DATA - 1])


class EvalFrameParser:
    """Streaming parser: skips noise to the next STX, drops bad candidates byte by byte."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[EvalFrame]:
        """Add bytes; return the frames now complete (noise and bad frames are counted in ``dropped``)."""
        self._buffer += chunk
        frames: list[EvalFrame] = []
        buf = self._buffer
        while buf:
            start = buf.find(bytes([STX]))
            if start < 0:
                self.dropped += len(buf)
                buf.clear()
                break
            if start:
                self.dropped += start
                del buf[:start]
            if len(buf) < 4:
                break
            length = buf[3]
            if length > MAX_DATA:
                self.dropped += 1
                del buf[:1]
                continue
            total = length + 6
            if len(buf) < total:
                break
            address, command, data = buf[1], buf[2], bytes(buf[4:4 + length])
            if buf[total - 1] != ETX or buf[total - 2] != bcc(address, command, data):
                self.dropped += 1
                del buf[:1]
                continue
            frames.append(EvalFrame(address, command, data))
            del buf[:total]
        return frames

    def flush(self) -> list[EvalFrame]:
        """The line went quiet: drop the half frame's start and rescan what came after it.

        A noise byte that looks like STX with a plausible length would otherwise hold back the
        real frames behind it until enough bytes arrive to fail its check.
        """
        frames: list[EvalFrame] = []
        while self._buffer:
            self.dropped += 1
            del self._buffer[:1]
            frames += self.feed(b"")
        return frames

    def reset(self) -> None:
        """Forget everything buffered (the port was reopened)."""
        self.dropped += len(self._buffer)
        self._buffer.clear()


RatingCallback = Callable[[int, int], "tuple[int, int] | None"]
"""Called as ``on_key(counter, score)`` on the reader thread; returns (command, data byte) to answer with,
or None when the host answers later through ``EvaluatorKeypadBus.answer``."""


class EvaluatorKeypadBus:
    """All evaluators on one serial port: answers their keys through ``on_key`` and lights them on request."""

    def __init__(self, url: str, counters_by_address: Mapping[int, int], on_key: RatingCallback,
                 on_status: StatusCallback, *, on_hello: Callable[[int], None] | None = None,
                 baudrate: int = 9600, reconnect_interval: float = 2.0, read_timeout: float = 0.1) -> None:
        self.url = url
        self._counters = dict(counters_by_address)
        self._addresses = {counter: address for address, counter in self._counters.items()}
        self._on_key = on_key
        self._on_hello = on_hello
        self._parser = EvalFrameParser()
        self._serial = ReconnectingSerial(url, self, on_status, baudrate=baudrate, read_timeout=read_timeout,
                                          reconnect_interval=reconnect_interval)

    @property
    def counters(self) -> list[int]:
        return sorted(self._addresses)

    @property
    def connected(self) -> bool:
        return self._serial.connected

    def start(self) -> None:
        self._serial.start()

    def close(self) -> None:
        self._serial.close()

    def prompt(self, counter: int, number: str, window_seconds: float) -> bool:
        """Light the counter's keys for a rating of ticket *number*; False if dropped."""
        address = self._addresses.get(counter)
        return address is not None and self._serial.write(prompt_frame(address, number, window_seconds))

    def thanks(self, counter: int) -> bool:
        address = self._addresses.get(counter)
        return address is not None and self._serial.write(encode(address, CMD_THANKS))

    def idle(self, counter: int) -> bool:
        address = self._addresses.get(counter)
        return address is not None and self._serial.write(encode(address, CMD_IDLE))

    # -- SerialProtocol, on the reader thread --------------------------------------------

    def connection_made(self, transport: ReconnectingSerial) -> None:
        self._parser = EvalFrameParser()

    def data_received(self, data: bytes) -> None:
        for frame in self._parser.feed(data):
            self._handle(frame)

    def line_idle(self) -> None:
        for frame in self._parser.flush():
            self._handle(frame)

    def connection_lost(self, exc: BaseException | None) -> None:
        """The reconnect loop reports the status."""

    def _handle(self, frame: EvalFrame) -> None:
        if frame.command in HOST_COMMANDS:
            return  # our own frame echoed by a half-duplex adapter
        counter = self._counters.get(frame.address)
        if counter is None:
            logger.warning("%s frame from unconfigured evaluator address %d ignored", self.url, frame.address)
            return
        if frame.command == CMD_HELLO:
            if self._on_hello is not None:
                self._on_hello(counter)
            return
        if frame.command != CMD_KEY or len(frame.data) != 1 or not 1 <= frame.data[0] <= 5:
            self._serial.write(encode(frame.address, CMD_REFUSE, bytes([REFUSE_BAD_KEY])))
            return
        try:
            answer = self._on_key(counter, frame.data[0])
        except Exception:  # device boundary: a domain bug must not kill the reader
            logger.exception("%s rating from counter %d failed", self.url, counter)
            answer = (CMD_REFUSE, REFUSE_ERROR)
        if answer is not None:  # None: the host answers later, through answer()
            self._serial.write(encode(frame.address, answer[0], bytes([answer[1]])))

    def answer(self, counter: int, command: int, value: int) -> bool:
        """Answer a key of *counter*'s evaluator (accept or refuse) after the host has decided; False if dropped."""
        address = self._addresses.get(counter)
        return address is not None and self._serial.write(encode(address, command, bytes([value])))


class SimulatedEvaluator(PtyDevice[EvalFrame]):
    """A five-key evaluator on a pty pair: presses keys and records what the host sends."""

    def __init__(self, address: int = 1) -> None:
        super().__init__(EvalFrameParser().feed)
        self.address = address

    def press(self, score: int) -> None:
        """Press the key for *score*."""
        self.send_raw(key_frame(self.address, score))

    def hello(self) -> None:
        self.send_raw(encode(self.address, CMD_HELLO))

    def wait_for(self, command: int, timeout: float) -> EvalFrame | None:
        """The next frame with *command*, skipping others, within *timeout* seconds."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            for frame in self.read_frames(remaining):
                if frame.command == command:
                    return frame
        return None


def main(argv: list[str] | None = None) -> int:
    """Interactive demo: type 1–5 and Enter to press that key; prints what the host answers."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Simulated five-key evaluator on a pty.")
    parser.add_argument("--address", type=int, default=1, help="evaluator address (default 1)")
    args = parser.parse_args(argv)
    names = {CMD_ACCEPT: "accepted", CMD_REFUSE: "refused", CMD_PROMPT: "prompt", CMD_THANKS: "thanks",
             CMD_IDLE: "idle"}
    with SimulatedEvaluator(args.address) as evaluator:
        sys.stdout.write(f"simulated evaluator {args.address} on {evaluator.port_path}\n"
                         "put it in [[evaluator_keypads]] port = ...; type 1-5 to press a key, q to quit\n")
        sys.stdout.flush()
        evaluator.hello()
        for line in sys.stdin:
            key = line.strip()
            if key == "q":
                break
            if key in {"1", "2", "3", "4", "5"}:
                evaluator.press(int(key))
            for frame in evaluator.read_frames(0.5, count=10):
                sys.stdout.write(f"host → evaluator {frame.address}: {names.get(frame.command, hex(frame.command))} "
                                 f"{frame.data.hex(' ')}\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
