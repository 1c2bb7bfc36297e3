"""GA 467 frames as bytes, the answer parser against bad input, the card's UCS-2 fields, masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.idcard import (
    FIELDS,
    FIND_CARD,
    NATIONS,
    READ_BASE_TEXT,
    SAM_STATUS,
    SELECT_CARD,
    SW_FOUND,
    SW_NO_CARD,
    SW_OK,
    Answer,
    Command,
    IdCardDataError,
    answer_frame,
    answer_parser,
    build_frame,
    command_frame,
    command_parser,
    encode_base_text,
    id_number_valid,
    mask_id_number,
    mask_name,
    parse_base_text,
    parse_read_answer,
    read_answer_data,
)
from drivers.sim_idcard import sample_card

CARD = sample_card()


def hexes(text: str) -> bytes:
    return bytes.fromhex(text)


def test_command_frames_as_the_protocol_writes_them() -> None:
    assert command_frame(FIND_CARD) == hexes("AA AA AA 96 69 00 03 20 01 22")
    assert command_frame(SELECT_CARD) == hexes("AA AA AA 96 69 00 03 20 02 21")
    assert command_frame(READ_BASE_TEXT) == hexes("AA AA AA 96 69 00 03 30 01 32")
    assert command_frame(SAM_STATUS) == hexes("AA AA AA 96 69 00 03 11 FF ED")


def test_answer_frames_as_the_protocol_writes_them() -> None:
    assert answer_frame(SW_NO_CARD) == hexes("AA AA AA 96 69 00 04 00 00 80 84")
    assert answer_frame(SW_FOUND, bytes(4)) == hexes("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    assert answer_frame(SW_OK, bytes(8)) == hexes("AA AA AA 96 69 00 0C 00 00 90" + " 00" * 8 + " 9C")
    read = answer_frame(SW_OK, read_answer_data(CARD))
    assert read.startswith(hexes("AA AA AA 96 69 05 08 00 00 90 01 00 04 00"))  # 1288 = 3 + 4 + 256 + 1024 + 1
    assert len(read) == 7 + 0x0508


def test_answers_parse_and_keep_their_data_out_of_repr() -> None:
    [no_card, found, read] = answer_parser().feed(
        answer_frame(SW_NO_CARD) + answer_frame(SW_FOUND, bytes(4)) + answer_frame(SW_OK, read_answer_data(CARD)))
    assert (no_card.ok, no_card.found, no_card.meaning) == (False, False, "00 00 80 no card")
    assert found.found and not found.ok
    assert read.ok and parse_read_answer(read.data) == CARD
    assert "data" not in repr(read) and CARD.id_number.encode("utf-16-le") not in repr(read).encode()
    assert command_parser().feed(command_frame(FIND_CARD)) == [Command(0x20, 0x01)]


def test_answer_with_a_bad_status_word() -> None:
    [answer] = answer_parser().feed(answer_frame(0x90, sw1=0x6A))
    assert not answer.ok and not answer.found


@pytest.mark.parametrize("bad", [
    answer_frame(SW_FOUND, bytes(4))[:-1] + b"\x00",  # bad checksum
    hexes("AA AA AA 96 69 00 02 00 02"),  # LEN too short to hold SW1 SW2 SW3
    hexes("AA AA AA 96 69 FF FF"),  # LEN beyond any answer: a false start
    hexes("AA AA AA 96"),  # preamble cut short
    hexes("AA AA AA AA 69 00 04"),  # not a preamble
])
def test_bad_input_is_dropped_and_the_next_answer_found(bad: bytes) -> None:
    parser = answer_parser()
    answers = parser.feed(b"\x55\xaa" + bad + answer_frame(SW_NO_CARD)) + parser.flush()
    assert answers == [Answer(0, 0, SW_NO_CARD)]
    assert parser.pending == 0 and parser.dropped > 0


def test_false_start_with_a_plausible_length_then_the_line_goes_quiet() -> None:
    parser = answer_parser()
    assert parser.feed(hexes("AA AA AA 96 69 00 40 00") + answer_frame(SW_NO_CARD)) == []  # claims 64 bytes
    assert parser.flush() == [Answer(0, 0, SW_NO_CARD)]


def test_preamble_split_across_reads_and_an_extra_aa() -> None:
    frame = b"\xaa" + answer_frame(SW_FOUND, bytes(4))
    parser = answer_parser()
    answers = [a for i in range(len(frame)) for a in parser.feed(frame[i:i + 1])]
    assert answers == [Answer(0, 0, SW_FOUND, bytes(4))]


def test_short_read_answer_is_a_data_error() -> None:
    with pytest.raises(IdCardDataError, match="too short"):
        parse_read_answer(b"\x01")
    with pytest.raises(IdCardDataError, match="256-byte text"):
        parse_read_answer(read_answer_data(CARD)[:-10])


noise_st = st.binary(max_size=40).map(lambda b: b.replace(b"\xaa", b""))
answers_st = st.tuples(st.integers(0, 255), st.binary(max_size=40))


@given(st.lists(st.tuples(noise_st, answers_st), max_size=6), st.integers(1, 23))
def test_answers_in_noise_are_all_recovered(chunks: list[tuple[bytes, tuple[int, bytes]]], size: int) -> None:
    stream = b"".join(noise + answer_frame(sw3, data) for noise, (sw3, data) in chunks)
    parser = answer_parser()
    answers = [a for i in range(0, len(stream), size) for a in parser.feed(stream[i:i + size])]
    assert answers + parser.flush() == [Answer(0, 0, sw3, data) for _, (sw3, data) in chunks]


@given(st.binary(max_size=300))
def test_noise_never_raises(noise: bytes) -> None:
    parser = answer_parser()
    for answer in parser.feed(noise) + parser.flush():
        assert build_frame(bytes([answer.sw1, answer.sw2, answer.sw3]) + answer.data) in noise
    assert parser.pending == 0


# --------------------------------------------------------------------------- the base text


def test_fields_sit_at_their_offsets() -> None:
    assert sum(size for _, size in FIELDS) == 256
    block = encode_base_text(CARD)
    assert block[0:4] == "张三".encode("utf-16-le") and block[4:30] == " ".encode("utf-16-le") * 13
    assert block[30:32] == b"1\x00" and block[32:36] == "01".encode("utf-16-le")
    assert block[36:52] == "19900307".encode("utf-16-le")
    assert block[122:158] == CARD.id_number.encode("utf-16-le")
    assert block[188:204] == "20160501".encode("utf-16-le") and block[204:220] == "20360501".encode("utf-16-le")


def test_parse_base_text() -> None:
    card = parse_base_text(encode_base_text(CARD))
    assert card == CARD
    assert (card.name, card.sex, card.nation, card.birth_date) == ("张三", "男", "汉", date(1990, 3, 7))
    assert card.id_number == "532301199003071234" and card.issuer == "楚雄市公安局"
    assert card.valid_on(date(2026, 11, 25)) and not card.valid_on(date(2036, 5, 2))


def test_long_term_validity_and_a_lower_case_x() -> None:
    block = encode_base_text(sample_card(valid_until=None, first17="11010519491231002", name="欧阳娜娜"))
    block = block.replace("X".encode("utf-16-le"), "x".encode("utf-16-le"))
    card = parse_base_text(block)
    assert card.valid_until is None and card.valid_on(date(2080, 1, 1))
    assert card.id_number == "11010519491231002X"


def test_control_characters_on_the_card_are_dropped() -> None:
    assert parse_base_text(encode_base_text(sample_card(name="张\x1b三\x00"))).name == "张三"


@pytest.mark.parametrize(("changes", "message"), [
    ({"id_number": "532301199003071230"}, "check character"),
    ({"id_number": "5323011990030712"}, "check character"),
    ({"name": ""}, "name is empty"),
])
def test_bad_cards_are_refused_without_their_data(changes: dict[str, object], message: str) -> None:
    with pytest.raises(IdCardDataError, match=message) as raised:
        parse_base_text(encode_base_text(sample_card(**changes)))
    assert "5323011990" not in str(raised.value)


def test_bad_date_and_block_size_and_foreigners_card() -> None:
    block = encode_base_text(CARD)
    with pytest.raises(IdCardDataError, match="birth_date is not a valid date"):
        parse_base_text(block[:36] + "19901307".encode("utf-16-le") + block[52:])
    with pytest.raises(IdCardDataError, match="255 bytes"):
        parse_base_text(block[:-1])
    with pytest.raises(IdCardDataError, match="foreigner"):
        parse_base_text(block[:248] + "I".encode("utf-16-le") + block[250:])
    with pytest.raises(IdCardDataError, match="not UCS-2"):
        parse_base_text(b"\x00\xd8" + block[2:])  # a lone surrogate


def test_nations_and_check_characters() -> None:
    assert len(NATIONS) == 58 and NATIONS[56] == "基诺" and NATIONS[5] == "维吾尔"
    assert id_number_valid("11010519491231002X")  # the example of GB 11643
    assert not id_number_valid("110105194912310021")
    assert not id_number_valid("１１０１０５１９４９１２３１００２X")  # full-width digits


# --------------------------------------------------------------------------- privacy


def test_masks() -> None:
    assert mask_id_number("532301199003071234") == "5323**********1234"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***" and mask_name("") == ""


def test_the_card_never_prints_its_name_or_number() -> None:
    for shown in (repr(CARD), str(CARD), f"{CARD}", f"{[CARD]}"):
        assert "张三" not in shown and CARD.id_number not in shown
        assert "张*" in shown and "5323**********1234" in shown


def test_keyed_digest() -> None:
    first, second = CARD.keyed_digest(b"k" * 32), CARD.keyed_digest(b"j" * 32)
    assert first == sample_card(name="李四").keyed_digest(b"k" * 32)  # the number, not the name
    assert first != second and len(first) == 64 and CARD.id_number not in first
