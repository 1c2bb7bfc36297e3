"""LED displays on one line through a real pty: bytes on the wire, answers, retries, offline, unplug and replug."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.led import (
    A5_QUERY,
    A5_SHOW,
    STATUS_BUSY,
    STATUS_TEXT_TOO_LONG,
    A5Framing,
    Effect,
    LedContent,
    build_a5,
    load_framing,
)
from drivers.led_bus import LedBus, LedStatus
from drivers.pty_device import PtyDevice
from drivers.sim_led import ReceivedFrame, SimulatedLedBoards

WAIT = 5.0  # an upper bound for events, never a sleep
CALL = LedContent("请A001号到3号窗口", Effect.FLASH)


class Statuses:
    """The bus's status reports, in a queue the test waits on."""

    def __init__(self) -> None:
        self.reports: queue.Queue[LedStatus] = queue.Queue()
        self.seen: list[LedStatus] = []

    def __call__(self, status: LedStatus) -> None:
        self.reports.put(status)

    def wait(self, address: int, state: str) -> LedStatus:
        while True:
            status = self.reports.get(timeout=WAIT)
            self.seen.append(status)
            if (status.address, status.state) == (address, state):
                return status


@pytest.fixture
def statuses() -> Statuses:
    return Statuses()


@pytest.fixture
def boards() -> Iterator[SimulatedLedBoards]:
    sim = SimulatedLedBoards([1, 2])
    yield sim
    sim.close()


def make_bus(url: str, statuses: Statuses, addresses: tuple[int, ...] = (1, 2), **options: float) -> LedBus:
    timings: dict[str, float] = {"answer_timeout": 0.2, "retries": 2, "probe_interval": 0.1,
                                 "reconnect_interval": 0.05, "read_timeout": 0.02, **options}
    return LedBus(url, addresses, statuses, **timings)  # type: ignore[arg-type]


@pytest.fixture
def bus(boards: SimulatedLedBoards, statuses: Statuses) -> Iterator[LedBus]:
    led_bus = make_bus(boards.port_path, statuses)
    led_bus.start()
    statuses.wait(1, "ok")
    statuses.wait(2, "ok")
    yield led_bus
    led_bus.close()


def frames_to(boards: SimulatedLedBoards, address: int, start: int = 0) -> list[ReceivedFrame]:
    return [r for r in boards.heard[start:] if r.address == address]


def test_each_display_is_asked_at_start_and_shows_its_text(boards: SimulatedLedBoards, bus: LedBus) -> None:
    assert [r.frame.command for r in frames_to(boards, 1)] == [A5_QUERY]
    bus.show(1, CALL)
    bus.show(2, LedContent("暂停服务"))
    one = boards.wait_text(1, CALL.text, WAIT)
    two = boards.wait_text(2, "暂停服务", WAIT)
    assert one is not None and two is not None
    # The bytes on the wire are the documented frame.
    assert build_a5(1, A5_SHOW, one.frame.seq, one.frame.data) == A5Framing().show_frame(1, one.frame.seq, CALL)
    assert one.frame.data[0] == Effect.FLASH and two.frame.data[0] == Effect.STEADY
    assert boards.shown == {1: CALL, 2: LedContent("暂停服务")}
    assert bus.content(1) == CALL and bus.state(1) == "ok"


def test_lost_answers_are_retried_with_the_same_frame(boards: SimulatedLedBoards, statuses: Statuses,
                                                      bus: LedBus) -> None:
    start = len(boards.heard)
    boards.drop_answers(1, 2)  # two answers lost; retries = 2, so the third try is answered
    bus.show(1, CALL)
    assert boards.wait_for(lambda r: r.address == 1 and len(frames_to(boards, 1, start)) == 3, WAIT)
    tries = frames_to(boards, 1, start)
    assert len({(r.frame.seq, r.frame.data) for r in tries}) == 1  # the same frame, the same seq
    bus.show(2, LedContent("热情为您服务"))  # the bus goes on
    assert boards.wait_text(2, "热情为您服务", WAIT)
    assert bus.state(1) == "ok"
    assert all(s.state == "ok" for s in statuses.seen)


def test_no_answer_after_every_retry_is_offline_then_the_text_comes_back(
    boards: SimulatedLedBoards, statuses: Statuses, bus: LedBus,
) -> None:
    start = len(boards.heard)
    boards.mute(1)
    bus.show(1, CALL)
    offline = statuses.wait(1, "offline")
    assert "did not answer 3 frame(s)" in offline.message
    assert [r.frame.data for r in frames_to(boards, 1, start)][:3] == [frames_to(boards, 1, start)[0].frame.data] * 3
    bus.show(1, LedContent("请A002号到3号窗口", Effect.FLASH))  # while offline: recorded, one try
    boards.mute(1, muted=False)
    statuses.wait(1, "ok")
    assert boards.shown[1].text == "请A002号到3号窗口"


def test_a_silent_display_never_holds_up_one_that_answers(boards: SimulatedLedBoards, statuses: Statuses) -> None:
    # Display 3 is not on the line; its tries would each wait 30 s for an answer.
    led_bus = make_bus(boards.port_path, statuses, addresses=(1, 3), answer_timeout=30.0)
    led_bus.start()
    try:
        statuses.wait(1, "ok")
        assert boards.wait_for(lambda r: r.address == 3, WAIT)  # the first try of display 3 is on the line
        led_bus.show(1, CALL)
        assert boards.wait_text(1, CALL.text, WAIT)  # sent at once, not after 30 s
    finally:
        led_bus.close()


def test_busy_is_retried_and_a_refused_text_is_an_error(boards: SimulatedLedBoards, statuses: Statuses,
                                                        bus: LedBus) -> None:
    start = len(boards.heard)
    boards.refuse_next(2, STATUS_BUSY)
    bus.show(2, LedContent("暂停服务"))
    assert boards.wait_for(lambda r: len(frames_to(boards, 2, start)) == 2, WAIT)
    boards.refuse_next(1, STATUS_TEXT_TOO_LONG)
    bus.show(1, CALL)
    error = statuses.wait(1, "error")
    assert "text too long" in error.message
    assert len(frames_to(boards, 1, start)) == 1  # a refusal is final: not sent again
    bus.show(1, LedContent("请A002号到3号窗口"))
    statuses.wait(1, "ok")


def test_only_the_latest_text_is_sent_when_the_line_is_busy(boards: SimulatedLedBoards, statuses: Statuses) -> None:
    led_bus = make_bus(boards.port_path, statuses, answer_timeout=1.0)
    led_bus.start()
    try:
        statuses.wait(1, "ok")
        statuses.wait(2, "ok")
        boards.drop_answers(1, 1)
        led_bus.show(1, CALL)  # the line now waits up to 1 s for display 1's answer
        assert boards.wait_text(1, CALL.text, WAIT)
        for number in ("A001", "A002", "A003"):
            led_bus.show(2, LedContent(f"请{number}号到4号窗口"))
        assert boards.wait_text(2, "请A003号到4号窗口", WAIT)
        assert [c.text for c in boards.shows(2)] == ["请A003号到4号窗口"]
    finally:
        led_bus.close()


def test_a_dead_board_is_noticed_without_any_call(boards: SimulatedLedBoards, statuses: Statuses) -> None:
    led_bus = make_bus(boards.port_path, statuses, heartbeat_interval=0.05)
    led_bus.start()
    try:
        statuses.wait(2, "ok")
        boards.mute(2)
        statuses.wait(2, "offline")
    finally:
        led_bus.close()


def test_unplug_is_offline_and_replug_resends_the_current_texts(tmp_path: Path, statuses: Statuses) -> None:
    link = str(tmp_path / "led-line")
    first, second = SimulatedLedBoards([1, 2]), SimulatedLedBoards([1, 2])
    os.symlink(first.port_path, link)
    led_bus = make_bus(link, statuses)
    led_bus.start()
    try:
        statuses.wait(1, "ok")
        led_bus.show(1, CALL)
        led_bus.show(2, LedContent("暂停服务"))
        assert first.wait_text(2, "暂停服务", WAIT)
        first.close()  # the USB-RS485 adapter is pulled out
        statuses.wait(1, "offline")
        statuses.wait(2, "offline")
        led_bus.show(1, LedContent("请A002号到3号窗口", Effect.STEADY))  # while unplugged
        os.symlink(second.port_path, link + ".new")
        os.replace(link + ".new", link)  # plugged back, at a new tty
        statuses.wait(1, "ok")
        statuses.wait(2, "ok")
        assert second.wait_text(1, "请A002号到3号窗口", WAIT)
        assert second.wait_text(2, "暂停服务", WAIT)
        assert second.shown == {1: LedContent("请A002号到3号窗口"), 2: LedContent("暂停服务")}
    finally:
        led_bus.close()
        second.close()


def test_a_board_format_without_answers(statuses: Statuses) -> None:
    """A hall's own format (tests.drivers.test_led_frames.PlainFraming) driving its board over a pty."""
    framing = load_framing("tests.drivers.test_led_frames:PlainFraming")
    with PtyDevice(lambda chunk: [line for line in chunk.split(b"\r") if line]) as board:
        led_bus = LedBus(board.port_path, [7], statuses, framing=framing, reconnect_interval=0.05)
        led_bus.start()
        try:
            statuses.wait(7, "ok")
            led_bus.show(7, LedContent("请A001号\x1b到7号窗口", Effect.FLASH))
            assert board.read_frames(WAIT) == ["#7:请A001号到7号窗口".encode("gb18030")]
        finally:
            led_bus.close()


def test_unknown_address_is_refused(bus: LedBus) -> None:
    with pytest.raises(KeyError, match="no LED display at address 9"):
        bus.show(9, CALL)
