"""What the strips show on call, pause and idle, with a clock the test moves; then once through a real pty."""

from __future__ import annotations

import queue

import pytest

from drivers.led import Effect, LedConfigError, LedContent, LedSettings
from drivers.led_bus import LedBus, LedStatus
from drivers.led_controller import LedController, LedDisplays, LedTexts
from drivers.sim_led import SimulatedLedBoards
from hall.domain.clock import FixedClock

WAIT = 5.0


class Sink:
    """Records what the controller shows, as an LED bus would receive it."""

    def __init__(self) -> None:
        self.shown: list[tuple[int, LedContent]] = []

    def show(self, address: int, content: LedContent) -> None:
        self.shown.append((address, content))

    def take(self) -> list[tuple[int, LedContent]]:
        shown, self.shown = self.shown, []
        return shown


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(1000.0)


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def controller(sink: Sink, clock: FixedClock) -> LedController:
    return LedController({"3": (sink, 3), "4": (sink, 4)}, clock=clock)


def test_call_flashes_for_three_seconds_then_stays_steady(controller: LedController, sink: Sink,
                                                          clock: FixedClock) -> None:
    assert controller.call("3", "A001")
    assert sink.take() == [(3, LedContent("请A001号到3号窗口", Effect.FLASH))]
    clock.advance(2.9)
    assert controller.tick() == pytest.approx(0.1)
    assert sink.take() == []
    clock.advance(0.1)
    assert controller.tick() is None
    assert sink.take() == [(3, LedContent("请A001号到3号窗口", Effect.STEADY))]
    assert controller.content("3") == LedContent("请A001号到3号窗口", Effect.STEADY)


def test_repeated_call_within_five_seconds_is_merged(controller: LedController, sink: Sink,
                                                     clock: FixedClock) -> None:
    controller.call("3", "A001")
    clock.advance(3.0)
    controller.tick()
    sink.take()
    clock.advance(1.9)  # 4.9 s after the call shown
    assert controller.call("3", "A001") is False
    assert sink.take() == []
    clock.advance(0.1)  # 5 s: a recall now is a new call
    assert controller.call("3", "A001")
    assert sink.take() == [(3, LedContent("请A001号到3号窗口", Effect.FLASH))]


def test_a_different_number_or_window_is_never_merged(controller: LedController, sink: Sink,
                                                      clock: FixedClock) -> None:
    controller.call("3", "A001")
    assert controller.call("4", "A001")
    clock.advance(1.0)
    assert controller.call("3", "A002")
    assert sink.take() == [
        (3, LedContent("请A001号到3号窗口", Effect.FLASH)),
        (4, LedContent("请A001号到4号窗口", Effect.FLASH)),
        (3, LedContent("请A002号到3号窗口", Effect.FLASH)),
    ]
    clock.advance(2.0)  # A001 at 3 would have ended now; A002 flashes until 3 s after its own call
    controller.tick()
    assert sink.take() == [(4, LedContent("请A001号到4号窗口", Effect.STEADY))]
    clock.advance(1.0)
    controller.tick()
    assert sink.take() == [(3, LedContent("请A002号到3号窗口", Effect.STEADY))]


def test_pause_and_idle_texts(controller: LedController, sink: Sink, clock: FixedClock) -> None:
    controller.call("3", "A001")
    controller.pause("3")  # paused while flashing: the flash ends with it
    clock.advance(3.0)
    assert controller.tick() is None
    assert sink.take() == [(3, LedContent("请A001号到3号窗口", Effect.FLASH)), (3, LedContent("暂停服务"))]
    controller.idle("3")
    assert controller.call("3", "A001")  # not merged: the strip showed something else since
    assert sink.take() == [(3, LedContent("热情为您服务")), (3, LedContent("请A001号到3号窗口", Effect.FLASH))]


def test_same_text_twice_is_sent_once(controller: LedController, sink: Sink) -> None:
    controller.pause("4")
    controller.pause("4")
    assert sink.take() == [(4, LedContent("暂停服务"))]


def test_texts_are_configurable(sink: Sink, clock: FixedClock) -> None:
    texts = LedTexts.from_mapping({"idle": "欢迎光临", "pause": "休息中", "call": "{number}请到{counter}号",
                                   "flash_seconds": 0, "merge_seconds": 10})
    controller = LedController({"8": (sink, 1)}, texts, clock)
    controller.start()
    try:
        controller.pause("8")
        controller.call("8", "B007")
        clock.advance(9.0)
        assert controller.call("8", "B007") is False
    finally:
        controller.close()
    assert sink.take() == [(1, LedContent("欢迎光临")), (1, LedContent("休息中")), (1, LedContent("B007请到8号"))]


@pytest.mark.parametrize(("mapping", "message"), [
    ({"call": "请{ticket}号"}, "unknown placeholder"),
    ({"call": "请{number号"}, "malformed"),
    ({"flash_seconds": -1}, "flash_seconds"),
    ({"merge_seconds": "5"}, "merge_seconds"),
    ({"idle": 3}, "led.idle must be a text"),
    ({"colour": "red"}, "unknown led setting"),
])
def test_bad_texts_are_refused(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(LedConfigError, match=message):
        LedTexts.from_mapping(mapping)


def test_counter_without_display(controller: LedController) -> None:
    with pytest.raises(LedConfigError, match="counter 9 has no LED display"):
        controller.call("9", "A001")


def test_call_through_the_bus_flashes_then_turns_steady_on_the_board() -> None:
    statuses: queue.Queue[LedStatus] = queue.Queue()
    with SimulatedLedBoards([3]) as boards:
        bus = LedBus(boards.port_path, [3], statuses.put, reconnect_interval=0.05, read_timeout=0.02)
        controller = LedController({"3": (bus, 3)}, LedTexts(flash_seconds=0.2))
        bus.start()
        controller.start()
        try:
            assert boards.wait_text(3, "热情为您服务", WAIT)
            controller.call("3", "A001")
            flash = boards.wait_text(3, "请A001号到3号窗口", WAIT)
            assert flash is not None and flash.content is not None and flash.content.effect is Effect.FLASH
            steady = boards.wait_for(lambda r: r.content == LedContent("请A001号到3号窗口", Effect.STEADY), WAIT)
            assert steady is not None and steady.at > flash.at  # the exact 3 s are tested with a FixedClock
            assert boards.shown[3] == LedContent("请A001号到3号窗口")
        finally:
            controller.close()
            bus.close()


def test_displays_from_settings_on_two_lines() -> None:
    statuses: queue.Queue[LedStatus] = queue.Queue()
    with SimulatedLedBoards([1, 2]) as first_line, SimulatedLedBoards([5]) as second_line:
        settings = LedSettings.from_mapping([
            {"port": first_line.port_path, "address": 1, "counter": 1},
            {"port": first_line.port_path, "address": 2, "counter": 2},
            {"port": second_line.port_path, "address": 5, "counter": 3, "format": "a5"},
        ])
        displays = LedDisplays(settings, statuses.put, LedTexts(idle="欢迎"))
        displays.start()
        try:
            for line, address in ((first_line, 1), (first_line, 2), (second_line, 5)):
                assert line.wait_text(address, "欢迎", WAIT)
            displays.controller.call("3", "C010")
            assert second_line.wait_text(5, "请C010号到3号窗口", WAIT)
            displays.controller.pause("2")
            assert first_line.wait_text(2, "暂停服务", WAIT)
        finally:
            displays.close()
