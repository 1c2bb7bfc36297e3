"""Tests for the caller keypad frames, parser, settings and the bus over a real pty."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.keypad import (
    Frame,
    FrameError,
    FrameParser,
    KeypadBus,
    KeypadConfigError,
    KeypadSettings,
    KeyPress,
    UnknownKeypad,
    beep_frame,
    build_frame,
    checksum,
    decode_key,
    display_digits,
    key_frame,
    show_frame,
)
from drivers.sim_keypad import SimulatedKeypad

WAIT = 5.0


# -- frames ---------------------------------------------------------------

def test_hand_computed_frame() -> None:
    # Keypad 1 presses confirm (0x0F) then 6: CS = 1 + 0x0F + 6 = 0x16.
    assert checksum(0x01, 0x0F, b"\x06") == 0x16
    assert build_frame(0x01, 0x0F, b"\x06") == bytes.fromhex("FF 68 03 03 68 01 0F 06 16 16")
    assert checksum(0xFE, 0x0C) == 0x0A  # wraps mod 256
    assert build_frame(0xFE, 0x0C) == bytes.fromhex("FF 68 02 02 68 FE 0C 0A 16")


def test_round_trip() -> None:
    frame = build_frame(7, 0x02, bytes([0x0A, 0x0A, 0x0A, 0, 0, 1]))
    assert FrameParser().feed(frame) == [Frame(7, 0x02, bytes([0x0A, 0x0A, 0x0A, 0, 0, 1]))]


def test_display_digits_and_host_frames() -> None:
    assert display_digits("A001") == bytes.fromhex("0A 0A 0A 00 00 01")
    assert display_digits("12") == bytes.fromhex("0A 0A 0A 0A 01 02")
    assert display_digits("") == bytes([0x0A] * 6)
    with pytest.raises(ValueError):
        display_digits("1234567")
    assert FrameParser().feed(show_frame(3, "B123")) == [Frame(3, 0x02, bytes.fromhex("0A0A0A010203"))]
    assert FrameParser().feed(beep_frame(3)) == [Frame(3, 0x03)]


@pytest.mark.parametrize(
    ("function", "data", "action"),
    [(0x0C, b"", "call_next"), (0x0D, b"", "recall"), (0x0B, b"", "request_rating"),
     (0x12, b"", "pause_toggle"), (0x13, b"", "transfer"), (0x0F, b"\x06", "no_show"),
     (0x0F, b"\x00", "hold"), (0x0F, b"\x03", "call_held")],
)
def test_decode_each_key(function: int, data: bytes, action: str) -> None:
    assert decode_key(Frame(9, function, data)) == KeyPress(action, 9)  # type: ignore[arg-type]
    [frame] = FrameParser().feed(key_frame(9, action))  # type: ignore[arg-type]
    assert frame == Frame(9, function, data)


@pytest.mark.parametrize(("function", "data"), [(0x0F, b""), (0x0F, b"\x09"), (0x55, b""), (0x02, b"")])
def test_decode_unknown_is_none(function: int, data: bytes) -> None:
    assert decode_key(Frame(1, function, data)) is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(bytes.fromhex("FF 68 02 02 68 01 0C 0E 16"), "checksum"),
     (bytes.fromhex("FF 68 02 03 68 01 0C 0D 16"), "bad_length"),
     (bytes.fromhex("FF 68 02 02 69 01 0C 0D 16"), "bad_header"),
     (bytes.fromhex("FF 68 02 02 68 01 0C 0D 17"), "missing_end")],
)
def test_bad_frames_reported_and_next_frame_recovered(raw: bytes, reason: str) -> None:
    results = FrameParser().feed(raw + build_frame(2, 0x0D))
    assert reason in [r.reason for r in results if isinstance(r, FrameError)]
    assert [r for r in results if isinstance(r, Frame)] == [Frame(2, 0x0D)]


def test_incomplete_frame_waits_for_rest_then_flush_drops_it() -> None:
    parser = FrameParser()
    frame = build_frame(1, 0x0C)
    assert parser.feed(frame[:4]) == []
    assert parser.feed(frame[4:]) == [Frame(1, 0x0C)]
    assert parser.feed(frame[:6]) == []
    assert parser.pending == 6
    assert [r.reason for r in parser.flush() if isinstance(r, FrameError)] == ["truncated"]
    assert parser.pending == 0


def test_flush_finds_frame_swallowed_by_a_long_false_header() -> None:
    parser = FrameParser()
    # A noise header claiming 30 bytes holds up the real frame until the line goes idle.
    assert parser.feed(bytes.fromhex("FF 68 1E 1E 68") + build_frame(4, 0x0C)) == []
    assert [r for r in parser.flush() if isinstance(r, Frame)] == [Frame(4, 0x0C)]


frames_st = st.builds(
    lambda a, f, d: (a, f, d),
    st.integers(0, 255), st.integers(0, 255), st.binary(max_size=8),
)


@given(st.binary(max_size=600), st.lists(st.integers(1, 64), max_size=20))
def test_noise_never_raises_nor_yields_bad_frames(noise: bytes, cuts: list[int]) -> None:
    parser = FrameParser()
    results: list[Frame | FrameError] = []
    position = 0
    for size in cuts + [len(noise)]:
        results += parser.feed(noise[position : position + size])
        position += size
        assert parser.pending <= 2 + 32 + 7
    results += parser.flush()
    for item in results:
        if isinstance(item, Frame):
            encoded = build_frame(item.address, item.function, item.data)
            assert encoded in noise  # only bytes that really were a well-formed frame
            assert encoded[-2] == checksum(item.address, item.function, item.data)


noise_st = st.binary(max_size=40).map(lambda b: b.replace(b"\xff", b""))


@given(st.lists(st.tuples(noise_st, frames_st), max_size=8), noise_st, st.integers(1, 17))
def test_frames_in_noise_are_all_recovered(
    chunks: list[tuple[bytes, tuple[int, int, bytes]]], tail: bytes, chunk_size: int
) -> None:
    stream = b"".join(noise + build_frame(*frame) for noise, frame in chunks) + tail
    parser = FrameParser()
    results: list[Frame | FrameError] = []
    for i in range(0, len(stream), chunk_size):
        results += parser.feed(stream[i : i + chunk_size])
    results += parser.flush()
    assert [r for r in results if isinstance(r, Frame)] == [Frame(*f) for _, f in chunks]


@given(frames_st, st.data())
def test_truncated_frame_gives_no_frame(frame: tuple[int, int, bytes], data: st.DataObject) -> None:
    raw = build_frame(*frame)
    cut = data.draw(st.integers(0, len(raw) - 1))
    parser = FrameParser()
    results = parser.feed(raw[:cut]) + parser.flush()
    assert not [r for r in results if isinstance(r, Frame)]


# -- settings -------------------------------------------------------------

def test_settings_group_by_port() -> None:
    config = KeypadSettings.from_mapping([
        {"port": "/dev/ttyUSB0", "address": 1, "counter": "4"},
        {"port": "/dev/ttyUSB0", "address": 2, "counter": 5},
        {"port": "loop://", "address": "1", "counter": "9"},
    ])
    assert config.ports == {"/dev/ttyUSB0": {1: "4", 2: "5"}, "loop://": {1: "9"}}


@pytest.mark.parametrize(
    ("entries", "message"),
    [([{"port": "p", "address": 256, "counter": "1"}], "0..255"),
     ([{"port": "p", "address": True, "counter": "1"}], "0..255"),
     ([{"port": "p", "address": 1}], "counter"),
     ([{"address": 1, "counter": "1"}], "port"),
     ([{"port": "p", "address": 1, "counter": "1"}, {"port": "p", "address": 1, "counter": "2"}],
      "already used by counter 1")],
)
def test_settings_errors(entries: list[dict[str, object]], message: str) -> None:
    with pytest.raises(KeypadConfigError, match=message):
        KeypadSettings.from_mapping(entries)


# -- bus over a real pty ----------------------------------------------------

class Recorder:
    """Collects bus callbacks into queues the test waits on."""

    def __init__(self) -> None:
        self.keys: queue.Queue[tuple[str, KeyPress]] = queue.Queue()
        self.status: queue.Queue[tuple[str, str, str]] = queue.Queue()

    def on_key(self, counter: str, key_press: KeyPress) -> None:
        self.keys.put((counter, key_press))

    def on_status(self, url: str, state: str, message: str) -> None:
        self.status.put((url, state, message))

    def wait_state(self, state: str) -> None:
        while True:
            _, got, _ = self.status.get(timeout=WAIT)
            if got == state:
                return


@pytest.fixture
def keypad() -> Iterator[SimulatedKeypad]:
    sim = SimulatedKeypad()
    yield sim
    sim.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def make_bus(url: str, recorder: Recorder) -> KeypadBus:
    return KeypadBus(url, {1: "4", 2: "5"}, recorder.on_key, recorder.on_status,
                     reconnect_interval=0.05, read_timeout=0.05)


@pytest.fixture
def bus(keypad: SimulatedKeypad, recorder: Recorder) -> Iterator[KeypadBus]:
    bus = make_bus(keypad.port_path, recorder)
    bus.start()
    recorder.wait_state("ok")
    yield bus
    bus.close()


def test_key_press_dispatched_and_acked(keypad: SimulatedKeypad, recorder: Recorder, bus: KeypadBus) -> None:
    keypad.press(1, "call_next")
    assert recorder.keys.get(timeout=WAIT) == ("4", KeyPress("call_next", 1))
    assert keypad.read_frames(WAIT) == [Frame(1, 0x0C)]
    keypad.press(2, "no_show")
    assert recorder.keys.get(timeout=WAIT) == ("5", KeyPress("no_show", 2))
    assert keypad.read_frames(WAIT) == [Frame(2, 0x0F, b"\x06")]


def test_show_and_beep_reach_keypad(keypad: SimulatedKeypad, bus: KeypadBus) -> None:
    assert bus.show("4", "A001")
    assert bus.beep(2)
    assert keypad.read_frames(WAIT, count=2) == [
        Frame(1, 0x02, bytes.fromhex("0A 0A 0A 00 00 01")), Frame(2, 0x03)]
    with pytest.raises(UnknownKeypad):
        bus.show("99", "12")


def test_bad_frame_then_good_one(keypad: SimulatedKeypad, recorder: Recorder, bus: KeypadBus) -> None:
    bad = bytearray(key_frame(1, "recall"))
    bad[-2] ^= 0xFF
    keypad.send_raw(bytes(bad) + b"\x00\x13" + key_frame(1, "recall"))
    assert recorder.keys.get(timeout=WAIT) == ("4", KeyPress("recall", 1))
    assert keypad.read_frames(WAIT) == [Frame(1, 0x0D)]  # only the good frame is acked
    assert keypad.read_frames(0.05) == []


def test_unknown_address_and_failing_listener_do_not_stop_reader(
    keypad: SimulatedKeypad, recorder: Recorder,
) -> None:
    calls: list[KeyPress] = []

    def on_key(counter: str, key_press: KeyPress) -> None:
        calls.append(key_press)
        if len(calls) == 1:
            raise RuntimeError("domain bug")
        recorder.on_key(counter, key_press)

    bus = KeypadBus(keypad.port_path, {1: "4"}, on_key, recorder.on_status, read_timeout=0.05)
    bus.start()
    try:
        recorder.wait_state("ok")
        keypad.press(7, "call_next")  # no counter at address 7
        keypad.press(1, "hold")  # listener raises
        keypad.press(1, "call_held")
        assert recorder.keys.get(timeout=WAIT) == ("4", KeyPress("call_held", 1))
        assert calls == [KeyPress("hold", 1), KeyPress("call_held", 1)]
    finally:
        bus.close()


def test_unplug_and_replug_through_symlink(tmp_path: os.PathLike[str], recorder: Recorder) -> None:
    link = os.path.join(tmp_path, "keypad-port")
    first, second = SimulatedKeypad(), SimulatedKeypad()
    os.symlink(first.port_path, link)
    bus = make_bus(link, recorder)
    bus.start()
    try:
        recorder.wait_state("ok")
        first.close()  # adapter unplugged
        recorder.wait_state("disconnected")
        assert not bus.show("4", "12")  # dropped, not raised
        os.symlink(second.port_path, link + ".new")
        os.replace(link + ".new", link)  # adapter back, at a new tty
        recorder.wait_state("ok")
        second.press(2, "transfer")
        assert recorder.keys.get(timeout=WAIT) == ("5", KeyPress("transfer", 2))
        assert second.read_frames(WAIT) == [Frame(2, 0x13)]
    finally:
        bus.close()
        second.close()


def test_port_missing_at_start_then_appears(tmp_path: os.PathLike[str], keypad: SimulatedKeypad,
                                             recorder: Recorder) -> None:
    link = os.path.join(tmp_path, "late-port")
    bus = make_bus(link, recorder)
    bus.start()
    try:
        recorder.wait_state("disconnected")
        os.symlink(keypad.port_path, link)
        recorder.wait_state("ok")
        assert bus.connected
    finally:
        bus.close()
    assert not bus.connected


def test_loop_url_opens() -> None:
    recorder = Recorder()
    bus = make_bus("loop://", recorder)
    bus.start()
    try:
        recorder.wait_state("ok")
        # loop:// hands our show frame straight back; host functions are never acked.
        assert bus.show(1, "7")
    finally:
        bus.close()
    assert recorder.keys.empty()


def test_protocol_handler_ignores_own_host_frames(recorder: Recorder) -> None:
    # Driven as a pyserial-style protocol without a port: acks are dropped, keys still dispatched.
    bus = make_bus("loop://", recorder)
    bus.data_received(show_frame(1, "7") + beep_frame(2))
    assert recorder.keys.empty()
    bus.data_received(key_frame(2, "request_rating")[:5])
    bus.line_idle()  # the rest never came: dropped
    bus.data_received(key_frame(2, "request_rating")[5:] + key_frame(2, "pause_toggle"))
    assert recorder.keys.get_nowait() == ("5", KeyPress("pause_toggle", 2))
    assert recorder.keys.empty()
