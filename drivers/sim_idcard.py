"""A simulated GA 467 ID-card reader on a pty: place a card on it, take it away, watch the kiosk read it.

It answers SAM status, find card, select card and read base text as a reader does, serving the
card's UCS-2 text block and a dummy photo. ``keeps_finding=False`` models readers whose find
card stays unanswered (``80``) for a card already read until it is taken away and placed again.
Tests can also make it silent, corrupt its next answers or put noise on the line.
Run ``python -m drivers.sim_idcard`` and press Enter to place or remove a sample card.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date

from drivers.idcard import (
    FIND_CARD,
    READ_BASE_TEXT,
    RESET_SAM,
    SAM_STATUS,
    SELECT_CARD,
    SW_FOUND,
    SW_NO_CARD,
    SW_OK,
    SW_READ_FAILED,
    SW_SELECT_FAILED,
    Command,
    IdCard,
    answer_frame,
    command_parser,
    id_check_character,
    read_answer_data,
)
from drivers.sim_responder import RespondingPty

UNKNOWN_COMMAND = 0x21


def sample_card(**changes: object) -> IdCard:
    """A made-up card with a valid check character (GB 11643); keyword arguments override fields."""
    first17 = str(changes.pop("first17", "53230119900307123"))
    card = IdCard(
        name="张三", sex_code="1", nation_code="01", birth_date=date(1990, 3, 7),
        address="云南省楚雄彝族自治州楚雄市鹿城镇某某路1号", id_number=first17 + id_check_character(first17),
        issuer="楚雄市公安局", valid_from=date(2016, 5, 1), valid_until=date(2036, 5, 1),
    )
    return replace(card, **changes)  # type: ignore[arg-type]


class SimulatedIdCardReader(RespondingPty[Command, Command]):
    """One reader on one end of a pty pair; ``heard`` lists the host's commands."""

    def __init__(self, *, keeps_finding: bool = True, sam_status: int = SW_OK) -> None:
        self.keeps_finding = keeps_finding
        self.sam_status = sam_status
        self.card: IdCard | None = None
        self.silent = False
        self._selected = False
        self._halted = False  # read, and not yet taken away (for keeps_finding=False)
        self._corrupt = 0
        self._noise = b""
        self._noisy = 0
        super().__init__(command_parser().feed, "sim-idcard")

    def place(self, card: IdCard) -> None:
        """Lay ``card`` on the reader."""
        with self._cond:
            self.card, self._selected, self._halted = card, False, False

    def remove(self) -> None:
        """Take the card away."""
        with self._cond:
            self.card, self._selected, self._halted = None, False, False

    def corrupt_next(self, count: int) -> None:
        """Send the next ``count`` answers with a wrong checksum."""
        with self._cond:
            self._corrupt = count

    def noise_before_next(self, noise: bytes, count: int = 1) -> None:
        """Put ``noise`` on the line just before each of the next ``count`` answers (false starts, garbage)."""
        with self._cond:
            self._noise, self._noisy = noise, count

    def handle(self, frame: Command) -> None:
        self.record(frame)
        with self._cond:
            if self.silent:
                return
            answer = self._answer(frame)
            if self._corrupt > 0:
                self._corrupt -= 1
                answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
            if self._noisy > 0:
                self._noisy -= 1
                answer = self._noise + answer
        self.send_raw(answer)

    def _answer(self, command: Command) -> bytes:
        """Caller holds the lock."""
        card = self.card
        if command.code in (SAM_STATUS, RESET_SAM):
            return answer_frame(self.sam_status)
        if command.code == FIND_CARD:
            if card is None or self._halted:
                return answer_frame(SW_NO_CARD)
            return answer_frame(SW_FOUND, bytes(4))
        if command.code == SELECT_CARD:
            if card is None or self._halted:
                return answer_frame(SW_SELECT_FAILED)
            self._selected = True
            return answer_frame(SW_OK, bytes(8))
        if command.code == READ_BASE_TEXT:
            if card is None or not self._selected:
                return answer_frame(SW_READ_FAILED)
            self._selected = False
            self._halted = not self.keeps_finding
            return answer_frame(SW_OK, read_answer_data(card))
        return answer_frame(UNKNOWN_COMMAND)


def main(argv: list[str] | None = None) -> int:
    """Interactive demo: Enter places the sample card, Enter again removes it; q quits."""
    parser = argparse.ArgumentParser(description="Simulated GA 467 ID-card reader on a pty.")
    parser.parse_args(argv)
    with SimulatedIdCardReader() as reader:
        sys.stdout.write(f"simulated ID-card reader on {reader.port_path} (115200 baud)\n"
                         "Enter: place or remove the sample card; q: quit\n")
        sys.stdout.flush()
        for line in sys.stdin:
            if line.strip().lower() == "q":
                break
            if reader.card is None:
                reader.place(sample_card())
                sys.stdout.write(f"placed {reader.card!r}\n")
            else:
                reader.remove()
                sys.stdout.write("removed\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
