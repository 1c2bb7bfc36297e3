"""Simulated LED window strips on a pseudo-terminal: they record every frame and answer like ``a5`` boards.

The host (``LedBus``) opens ``port_path``; a responder thread reads the frames, keeps what each
display shows and answers each frame addressed to one of its displays. Tests make a display
mute (no answers: it is reported offline), drop a few answers (retries), refuse a text, or
close the pty (the adapter unplugged). Run ``python -m drivers.sim_led --address 1 --address 2``
to watch what a hall sends.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

from drivers.led import (
    A5_QUERY,
    A5_REPLY,
    A5_SHOW,
    BROADCAST,
    STATUS_BAD_TEXT,
    STATUS_OK,
    STATUS_TEXT_TOO_LONG,
    STATUS_UNKNOWN_COMMAND,
    A5Frame,
    A5Parser,
    Effect,
    LedContent,
    build_a5,
)
from drivers.sim_responder import RespondingPty


@dataclass(frozen=True)
class ReceivedFrame:
    """A frame the boards heard, when (monotonic seconds), and the text it carried, if any."""

    frame: A5Frame
    at: float
    content: LedContent | None = None

    @property
    def address(self) -> int:
        return self.frame.address


class SimulatedLedBoards(RespondingPty[A5Frame, ReceivedFrame]):
    """The displays on one RS-485 line, standing on one end of a pty pair; ``heard`` lists every frame."""

    def __init__(self, addresses: Iterable[int] = (1,), *, encoding: str = "gb2312",
                 max_text_bytes: int = 128) -> None:
        self.addresses = frozenset(addresses)
        self.encoding = encoding
        self.max_text_bytes = max_text_bytes
        self.shown: dict[int, LedContent] = {}
        self._muted: set[int] = set()
        self._drop: dict[int, int] = {}
        self._refuse: dict[int, int] = {}
        super().__init__(A5Parser().feed, "sim-led")

    # -- what tests change -------------------------------------------------------------

    def mute(self, address: int, muted: bool = True) -> None:
        """Display ``address`` stops (or resumes) answering; it still records frames."""
        with self._cond:
            (self._muted.add if muted else self._muted.discard)(address)

    def drop_answers(self, address: int, count: int) -> None:
        """Do not answer the next ``count`` frames to ``address`` (a noisy line): the host must retry."""
        with self._cond:
            self._drop[address] = count

    def refuse_next(self, address: int, status: int) -> None:
        """Answer the next frame to ``address`` with ``status`` instead of ok."""
        with self._cond:
            self._refuse[address] = status

    # -- what tests read ---------------------------------------------------------------

    def wait_text(self, address: int, text: str, timeout: float, after: int = 0) -> ReceivedFrame | None:
        """The first show frame to ``address`` with ``text``."""
        return self.wait_for(lambda r: r.address == address and r.content is not None and r.content.text == text,
                             timeout, after)

    def shows(self, address: int) -> list[LedContent]:
        """Every content sent to ``address``, in order."""
        with self._cond:
            return [r.content for r in self.heard if r.address == address and r.content is not None]

    # -- the boards --------------------------------------------------------------------

    def handle(self, frame: A5Frame) -> None:
        if frame.command & A5_REPLY:
            return  # another board's answer
        status, content = self._execute(frame)
        with self._cond:
            if content is not None and status == STATUS_OK:
                for address in (self.addresses if frame.address == BROADCAST else {frame.address}):
                    self.shown[address] = content
            answer = self._answer_allowed(frame.address)
            if answer and frame.address in self._refuse:
                status = self._refuse.pop(frame.address)
        self.record(ReceivedFrame(frame, time.monotonic(), content))
        if answer:
            self.send_raw(build_a5(frame.address, frame.command | A5_REPLY, frame.seq, bytes([status])))

    def _execute(self, frame: A5Frame) -> tuple[int, LedContent | None]:
        if frame.command == A5_QUERY:
            return STATUS_OK, None
        if frame.command != A5_SHOW or not frame.data:
            return STATUS_UNKNOWN_COMMAND, None
        try:
            effect = Effect(frame.data[0])
        except ValueError:
            return STATUS_BAD_TEXT, None
        text = frame.data[1:]
        content = LedContent(text.decode(self.encoding, errors="replace"), effect)
        return (STATUS_TEXT_TOO_LONG if len(text) > self.max_text_bytes else STATUS_OK), content

    def _answer_allowed(self, address: int) -> bool:
        """Caller holds the lock."""
        if address not in self.addresses or address in self._muted:
            return False
        if self._drop.get(address, 0) > 0:
            self._drop[address] -= 1
            return False
        return True


def main(argv: list[str] | None = None) -> int:
    """Interactive demo: print every text the host shows; Ctrl-C to stop."""
    parser = argparse.ArgumentParser(description="Simulated LED window strips on a pty.")
    parser.add_argument("--address", type=int, action="append", help="display address (repeatable; default 1)")
    args = parser.parse_args(argv)
    with SimulatedLedBoards(args.address or [1]) as boards:
        sys.stdout.write(f"simulated LED displays {sorted(boards.addresses)} on {boards.port_path}\n")
        sys.stdout.flush()
        seen = 0
        try:
            while True:
                received = boards.wait_for(lambda r: r.content is not None, 3600.0, after=seen)
                if received is None or received.content is None:
                    continue
                seen = boards.heard.index(received, seen) + 1
                sys.stdout.write(f"display {received.address}: {received.content.effect.name.lower():6} "
                                 f"{received.content.text}\n")
                sys.stdout.flush()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
