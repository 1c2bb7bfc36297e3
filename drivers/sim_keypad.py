"""A simulated caller keypad on a pseudo-terminal pair, for tests and demos.

The host (``KeypadBus``) opens ``port_path``; the simulator writes key frames to
the pty master and records what the host sends back (acks, show, beep).
Run ``python -m drivers.sim_keypad`` to press keys by hand.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
import time
import tty

from drivers.keypad import Action, Frame, FrameParser, key_frame

KEYS: dict[str, Action] = {
    "c": "call_next", "r": "recall", "e": "request_rating", "p": "pause_toggle",
    "t": "transfer", "n": "no_show", "h": "hold", "b": "call_held",
}
"""Demo keyboard letters → keypad actions."""


class SimulatedKeypad:
    """One end of a pty pair standing in for the keypads on a serial line."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        # Raw mode so the line discipline neither echoes nor rewrites the binary frames.
        tty.setraw(self._slave)
        self.port_path: str = os.ttyname(self._slave)
        self._parser = FrameParser()
        self._received: list[Frame] = []
        self.sent: list[bytes] = []

    def press(self, address: int, action: Action) -> None:
        """Send the frame keypad ``address`` sends when ``action`` is pressed."""
        self.send_raw(key_frame(address, action))

    def send_raw(self, data: bytes) -> None:
        """Put arbitrary bytes on the line (bad frames, noise)."""
        self.sent.append(data)
        os.write(self._master, data)

    def read_frames(self, timeout: float, count: int = 1) -> list[Frame]:
        """Wait up to ``timeout`` seconds for ``count`` frames from the host; return what came."""
        deadline = time.monotonic() + timeout
        while len(self._received) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            readable, _, _ = select.select([self._master], [], [], remaining)
            if not readable:
                break
            try:
                chunk = os.read(self._master, 4096)
            except OSError:  # EIO while the host has no fd open on the slave
                break
            self._received.extend(
                item for item in self._parser.feed(chunk) if isinstance(item, Frame)
            )
        frames, self._received = self._received[:count], self._received[count:]
        return frames

    def close(self) -> None:
        """Close both ends: to the host this looks like the adapter being unplugged."""
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self._master = self._slave = -1

    def __enter__(self) -> "SimulatedKeypad":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    """Interactive demo: type a letter and Enter to press that key on the keypad."""
    parser = argparse.ArgumentParser(description="Simulated caller keypad on a pty.")
    parser.add_argument("--address", type=int, default=1, help="keypad address (default 1)")
    args = parser.parse_args(argv)
    with SimulatedKeypad() as keypad:
        print(f"simulated keypad {args.address} on {keypad.port_path}")
        print("keys: " + ", ".join(f"{k}={a}" for k, a in KEYS.items()) + ", q=quit")
        for line in sys.stdin:
            letter = line.strip().lower()
            if letter == "q":
                break
            if letter in KEYS:
                keypad.press(args.address, KEYS[letter])
            for frame in keypad.read_frames(0.5, count=10):
                print(f"host → keypad {frame.address}: function 0x{frame.function:02X} "
                      f"data {frame.data.hex(' ')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
