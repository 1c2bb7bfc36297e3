"""The LED ``a5`` frames as bytes, their parser, text encoding, formats by name and the settings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.led import (
    A5_MAX_DATA,
    A5Frame,
    A5Framing,
    A5Parser,
    A5ReplyParser,
    Effect,
    LedCapabilities,
    LedConfigError,
    LedContent,
    LedReply,
    LedSettings,
    build_a5,
    crc16,
    encode_text,
    load_framing,
)

CALL_FRAME = bytes.fromhex("a5 03 21 08 12 01 c7 eb 41 30 30 31 ba c5 b5 bd 33 ba c5 b4 b0 bf da e3 b6 5a")
"""Display 3, seq 8: show 请A001号到3号窗口 flashing (docs/led-protocol.md)."""


def test_crc_is_ccitt_false() -> None:
    assert crc16(b"123456789") == 0x29B1  # the catalogue check value of CRC-16/CCITT-FALSE


def test_frames_as_documented() -> None:
    assert build_a5(3, 0x10, 7) == bytes.fromhex("a5 03 10 07 00 c5 e8 5a")
    assert A5Framing().query_frame(3, 7) == bytes.fromhex("a5 03 10 07 00 c5 e8 5a")
    assert A5Framing().show_frame(3, 8, LedContent("请A001号到3号窗口", Effect.FLASH)) == CALL_FRAME
    assert build_a5(3, 0x90, 7, b"\x00") == bytes.fromhex("a5 03 90 07 01 00 8f e0 5a")
    assert build_a5(3, 0xA1, 8, b"\x00") == bytes.fromhex("a5 03 a1 08 01 00 f9 8c 5a")
    idle = A5Framing().show_frame(3, 9, LedContent("热情为您服务"))
    assert idle[5] == Effect.STEADY and idle[6:-3].decode("gb2312") == "热情为您服务"


def test_build_refuses_what_does_not_fit() -> None:
    with pytest.raises(ValueError):
        build_a5(256, 0x10, 0)
    with pytest.raises(ValueError):
        build_a5(1, 0x21, 0, bytes(A5_MAX_DATA + 1))


def test_round_trip_and_reply_parser_skips_echo() -> None:
    assert A5Parser().feed(CALL_FRAME) == [A5Frame(3, 0x21, 8, CALL_FRAME[5:-3])]
    # A half-duplex adapter hands our own frame back before the board's answer.
    replies = A5ReplyParser().feed(CALL_FRAME + build_a5(3, 0xA1, 8, b"\x00") + build_a5(4, 0x90, 2, b"\x05"))
    assert replies == [LedReply(3, 8, 0), LedReply(4, 2, 5)]


@pytest.mark.parametrize(
    "bad",
    [
        CALL_FRAME[:-3] + b"\x00\x00\x5a",  # wrong CRC
        CALL_FRAME[:-1] + b"\x00",  # missing end byte
        b"\xa5\x03\x21\x08\xff",  # length beyond the maximum: a false start
        b"\xa5\xa5\x01",  # start bytes in noise
    ],
)
def test_bad_candidates_are_dropped_and_the_next_frame_found(bad: bytes) -> None:
    parser = A5Parser()
    frames = parser.feed(b"\x00\x13" + bad + build_a5(1, 0x10, 1))
    frames += parser.flush()
    assert frames == [A5Frame(1, 0x10, 1)]
    assert parser.dropped > 0 and parser.pending == 0


def test_false_start_with_plausible_length_waits_then_flush_finds_the_frame() -> None:
    parser = A5Parser()
    assert parser.feed(b"\xa5\x01\x21\x00\x40" + build_a5(2, 0x10, 5)) == []  # claims 64 data bytes
    assert parser.flush() == [A5Frame(2, 0x10, 5)]


def test_frame_split_across_reads() -> None:
    parser = A5Parser()
    assert [f for i in range(len(CALL_FRAME)) for f in parser.feed(CALL_FRAME[i:i + 1])] == \
        [A5Frame(3, 0x21, 8, CALL_FRAME[5:-3])]


frames_st = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255), st.binary(max_size=24))
noise_st = st.binary(max_size=30).map(lambda b: b.replace(b"\xa5", b""))


@given(st.lists(st.tuples(noise_st, frames_st), max_size=8), st.integers(1, 19))
def test_frames_in_noise_are_all_recovered(chunks: list[tuple[bytes, tuple[int, int, int, bytes]]],
                                           size: int) -> None:
    stream = b"".join(noise + build_a5(*frame) for noise, frame in chunks)
    parser = A5Parser()
    frames = [f for i in range(0, len(stream), size) for f in parser.feed(stream[i:i + size])]
    assert frames + parser.flush() == [A5Frame(*frame) for _, frame in chunks]


@given(st.binary(max_size=400))
def test_noise_never_raises_and_the_buffer_stays_bounded(noise: bytes) -> None:
    parser = A5Parser()
    for frame in parser.feed(noise) + parser.flush():
        assert build_a5(frame.address, frame.command, frame.seq, frame.data) in noise
    assert parser.pending == 0


# --------------------------------------------------------------------------- text


def test_text_loses_control_bytes_and_unknown_characters() -> None:
    capabilities = LedCapabilities()
    assert encode_text("请A001\x1b\x00号\r\n到3号窗口", capabilities) == "请A001号  到3号窗口".encode("gb2312")
    assert encode_text("😀号", capabilities) == b"?" + "号".encode("gb2312")
    assert encode_text("䶮号", LedCapabilities(encoding="gb18030")) == "䶮号".encode("gb18030")


def test_long_text_is_cut_on_a_character_boundary() -> None:
    encoded = encode_text("热情为您服务" * 30, LedCapabilities(max_text_bytes=11))
    assert encoded == "热情为您服".encode("gb2312")


def test_unsupported_effect_is_sent_steady() -> None:
    framing = A5Framing(LedCapabilities(effects=frozenset({Effect.STEADY})))
    assert framing.show_frame(1, 0, LedContent("暂停服务", Effect.FLASH))[5] == Effect.STEADY


# --------------------------------------------------------------------------- formats and settings


class PlainFraming:
    """A board that takes ``#<address>:<text>\\r`` and never answers (how a hall adds its format)."""

    capabilities = LedCapabilities(encoding="gb18030", effects=frozenset({Effect.STEADY}), answers=False)

    def show_frame(self, address: int, seq: int, content: LedContent) -> bytes:
        return b"#%d:" % address + encode_text(content.text, self.capabilities) + b"\r"

    def query_frame(self, address: int, seq: int) -> bytes:
        return b""

    def reply_parser(self) -> A5ReplyParser:
        return A5ReplyParser()


def test_load_framing_by_name_and_by_class_path() -> None:
    assert isinstance(load_framing("a5"), A5Framing)
    assert isinstance(load_framing(f"{__name__}:PlainFraming"), PlainFraming)


@pytest.mark.parametrize(("name", "message"), [
    ("bx5", "unknown LED format"), ("no.such.module:Board", "cannot load"),
    (f"{__name__}:Nothing", "cannot load"), (f"{__name__}:LedReply", "cannot load"),
    (f"{__name__}:NotAFraming", "must have capabilities"),
])
def test_load_framing_errors(name: str, message: str) -> None:
    with pytest.raises(LedConfigError, match=message):
        load_framing(name)


def test_settings_group_displays_by_line() -> None:
    settings = LedSettings.from_mapping([
        {"port": "/dev/ttyUSB0", "address": 1, "counter": 1},
        {"port": "/dev/ttyUSB0", "address": 2, "counter": "2"},
        {"port": "rfc2217://10.0.0.9:4001", "address": 1, "counter": 3, "format": "a5", "baudrate": 19200},
    ])
    assert settings.ports["/dev/ttyUSB0"].counters == {1: "1", 2: "2"}
    line = settings.ports["rfc2217://10.0.0.9:4001"]
    assert (line.format, line.baudrate, line.counters) == ("a5", 19200, {1: "3"})


@pytest.mark.parametrize(("entries", "message"), [
    ([{"address": 1, "counter": 1}], "'port'"),
    ([{"port": "p", "address": 0, "counter": 1}], "1..254"),
    ([{"port": "p", "address": 255, "counter": 1}], "1..254"),
    ([{"port": "p", "address": 1}], "'counter' is missing"),
    ([{"port": "p", "address": 1, "counter": 1, "colour": "red"}], "unknown setting"),
    ([{"port": "p", "address": 1, "counter": 1, "format": "bx5"}], "unknown format"),
    ([{"port": "p", "address": 1, "counter": 1, "baudrate": "fast"}], "baudrate"),
    ([{"port": "p", "address": 1, "counter": 1}, {"port": "p", "address": 1, "counter": 2}], "already counter 1"),
    ([{"port": "p", "address": 1, "counter": 1}, {"port": "q", "address": 1, "counter": 1}], "already has a display"),
    ([{"port": "p", "address": 1, "counter": 1}, {"port": "p", "address": 2, "counter": 2, "baudrate": 19200}],
     "one format and baud rate"),
])
def test_settings_errors(entries: list[dict[str, object]], message: str) -> None:
    with pytest.raises(LedConfigError, match=message):
        LedSettings.from_mapping(entries)


class NotAFraming:
    """Loads, but is no framing."""
