"""The ID-card reader through a real pty: a card placed on the simulated reader comes out parsed, once."""

from __future__ import annotations

import logging
import os
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.idcard import FIND_CARD, READ_BASE_TEXT, SAM_STATUS, SELECT_CARD, SW_SAM_SELF_TEST_FAILED, IdCard
from drivers.idcard_reader import IdCardReader
from drivers.sim_idcard import SimulatedIdCardReader, sample_card

WAIT = 5.0  # an upper bound for events, never a sleep
CARD = sample_card()


class Kiosk:
    """What the kiosk gets from the reader: cards and status changes, in queues the test waits on."""

    def __init__(self) -> None:
        self.cards: queue.Queue[IdCard] = queue.Queue()
        self.statuses: queue.Queue[tuple[str, str]] = queue.Queue()

    def on_card(self, card: IdCard) -> None:
        self.cards.put(card)

    def on_status(self, url: str, state: str, message: str) -> None:
        self.statuses.put((state, message))

    def card(self) -> IdCard:
        return self.cards.get(timeout=WAIT)

    def wait_state(self, state: str) -> str:
        while True:
            got, message = self.statuses.get(timeout=WAIT)
            if got == state:
                return message


@pytest.fixture
def kiosk() -> Kiosk:
    return Kiosk()


def make_reader(url: str, kiosk: Kiosk) -> IdCardReader:
    return IdCardReader(url, kiosk.on_card, kiosk.on_status, poll_interval=0.02, answer_timeout=0.2,
                        reconnect_interval=0.05, line_read_timeout=0.02)


@pytest.fixture(params=[True, False], ids=["finds-again", "halts-after-read"])
def sim(request: pytest.FixtureRequest) -> Iterator[SimulatedIdCardReader]:
    device = SimulatedIdCardReader(keeps_finding=request.param)
    yield device
    device.close()


@pytest.fixture
def reader(sim: SimulatedIdCardReader, kiosk: Kiosk) -> Iterator[IdCardReader]:
    card_reader = make_reader(sim.port_path, kiosk)
    card_reader.start()
    kiosk.wait_state("ok")
    yield card_reader
    card_reader.close()


def finds_heard(sim: SimulatedIdCardReader) -> int:
    return sum(1 for command in sim.heard if command.code == FIND_CARD)


def wait_for_polls(sim: SimulatedIdCardReader, count: int) -> None:
    """Wait until the host has sent ``count`` more find-card commands."""
    target = finds_heard(sim) + count
    assert sim.wait_for(lambda _command: finds_heard(sim) >= target, WAIT)


def test_card_placed_comes_out_parsed(sim: SimulatedIdCardReader, kiosk: Kiosk, reader: IdCardReader) -> None:
    assert sim.heard[0].code == SAM_STATUS
    wait_for_polls(sim, 2)
    assert kiosk.cards.empty()
    sim.place(CARD)
    card = kiosk.card()
    assert card == CARD
    assert (card.name, card.id_number, card.sex, card.nation) == ("张三", "532301199003071234", "男", "汉")
    codes = [command.code for command in sim.heard]
    read_at = codes.index(READ_BASE_TEXT)
    assert codes[read_at - 2:read_at + 1] == [FIND_CARD, SELECT_CARD, READ_BASE_TEXT]


def test_once_per_placement(sim: SimulatedIdCardReader, kiosk: Kiosk, reader: IdCardReader) -> None:
    sim.place(CARD)
    assert kiosk.card() == CARD
    wait_for_polls(sim, 5)  # the card stays on the reader
    assert kiosk.cards.empty()
    sim.remove()
    wait_for_polls(sim, 3)
    sim.place(CARD)  # the same person lays the card down again: a new placement
    assert kiosk.card() == CARD
    other = sample_card(name="李四", first17="53230119851111002")
    sim.remove()
    wait_for_polls(sim, 3)
    sim.place(other)
    assert kiosk.card() == other
    wait_for_polls(sim, 3)
    assert kiosk.cards.empty()


def test_answers_with_bad_checksums_count_as_no_answer(sim: SimulatedIdCardReader, kiosk: Kiosk,
                                                      reader: IdCardReader) -> None:
    sim.corrupt_next(3)  # as many as make the reader offline
    kiosk.wait_state("offline")
    kiosk.wait_state("ok")
    sim.place(CARD)
    assert kiosk.card() == CARD


def test_false_starts_and_garbage_before_answers_are_skipped(sim: SimulatedIdCardReader, kiosk: Kiosk,
                                                             reader: IdCardReader) -> None:
    # Before each of the next 6 answers: a preamble claiming 64 bytes, then garbage. Were any of these
    # answers lost, 3 in a row would make the reader offline.
    sim.noise_before_next(bytes.fromhex("AA AA AA 96 69 00 40 00 13 AA AA"), count=6)
    sim.place(CARD)
    assert kiosk.card() == CARD
    wait_for_polls(sim, 3)
    assert kiosk.statuses.empty() and reader.state == "ok"


def test_a_silent_reader_is_offline_until_it_answers(sim: SimulatedIdCardReader, kiosk: Kiosk,
                                                     reader: IdCardReader) -> None:
    sim.silent = True
    assert "did not answer 3 command(s)" in kiosk.wait_state("offline")
    sim.silent = False
    kiosk.wait_state("ok")
    sim.place(CARD)
    assert kiosk.card() == CARD


def test_sam_fault_is_an_error(kiosk: Kiosk) -> None:
    with SimulatedIdCardReader(sam_status=SW_SAM_SELF_TEST_FAILED) as sim:
        card_reader = make_reader(sim.port_path, kiosk)
        card_reader.start()
        try:
            assert "SAM self-test failed" in kiosk.wait_state("error")
            sim.sam_status = 0x90
            kiosk.wait_state("ok")
        finally:
            card_reader.close()


def test_unplug_and_replug(tmp_path: Path, kiosk: Kiosk) -> None:
    link = str(tmp_path / "idcard")
    first, second = SimulatedIdCardReader(), SimulatedIdCardReader()
    os.symlink(first.port_path, link)
    card_reader = make_reader(link, kiosk)
    card_reader.start()
    try:
        kiosk.wait_state("ok")
        first.place(CARD)
        assert kiosk.card() == CARD
        first.close()  # USB cable pulled
        kiosk.wait_state("offline")
        os.symlink(second.port_path, link + ".new")
        os.replace(link + ".new", link)
        kiosk.wait_state("ok")
        second.place(CARD)  # the card is read again: after a replug nothing is remembered
        assert kiosk.card() == CARD
    finally:
        card_reader.close()
        second.close()


def test_nothing_of_the_card_is_logged(sim: SimulatedIdCardReader, kiosk: Kiosk,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def failing_listener(card: IdCard) -> None:
        kiosk.on_card(card)
        raise RuntimeError(f"kiosk bug while handling {card.name} {card.id_number}")

    card_reader = IdCardReader(sim.port_path, failing_listener, kiosk.on_status, poll_interval=0.02,
                               answer_timeout=0.2, line_read_timeout=0.02)
    card_reader.start()
    try:
        sim.corrupt_next(1)
        sim.place(CARD)
        assert kiosk.card() == CARD
        wait_for_polls(sim, 2)
    finally:
        card_reader.close()
    assert "on_card failed with RuntimeError" in caplog.text
    secrets = [CARD.name, CARD.id_number, CARD.address, CARD.id_number.encode("utf-16-le").hex(),
               CARD.id_number.encode("utf-16-le").hex(" "), CARD.name.encode("utf-16-le").hex(" ")]
    for secret in secrets:
        assert secret.lower() not in caplog.text.lower()
