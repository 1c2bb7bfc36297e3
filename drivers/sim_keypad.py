"""A simulated caller keypad on a pseudo-terminal pair, for tests and demos.

The host (``KeypadBus``) opens ``port_path``; the simulator writes key frames to
the pty master and records what the host sends back (acks, show, beep).
Run ``python -m drivers.sim_keypad`` to press keys by hand.
"""

from __future__ import annotations

import argparse
import sys

from drivers.keypad import Action, Frame, FrameParser, key_frame
from drivers.pty_device import PtyDevice

KEYS: dict[str, Action] = {
    "c": "call_next", "r": "recall", "e": "request_rating", "p": "pause_toggle",
    "t": "transfer", "n": "no_show", "h": "hold", "b": "call_held",
}
"""Demo keyboard letters → keypad actions."""


class SimulatedKeypad(PtyDevice[Frame]):
    """One end of a pty pair standing in for the keypads on a serial line."""

    def __init__(self) -> None:
        parser = FrameParser()
        super().__init__(lambda chunk: [item for item in parser.feed(chunk) if isinstance(item, Frame)])

    def press(self, address: int, action: Action) -> None:
        """Send the frame keypad ``address`` sends when ``action`` is pressed."""
        self.send_raw(key_frame(address, action))


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
