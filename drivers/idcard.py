"""Second-generation resident ID cards (二代居民身份证) read through a GA 467 serial reader: frames and card data.

Frame (both directions, docs/idcard-protocol.md): ``AA AA AA 96 69 LEN_H LEN_L PAYLOAD… CHK`` where
LEN counts PAYLOAD and CHK, and CHK is the XOR of LEN_H, LEN_L and PAYLOAD. A command's payload
is ``CMD PARA [DATA]`` (find card ``20 01``, select card ``20 02``, read base text ``30 01``);
an answer's is ``SW1 SW2 SW3 [DATA]`` with ``00 00 90`` for success. The base text is 256 bytes
of UCS-2 (UTF-16LE) in fixed fields: name, sex, nation, birth date, address, ID number, issuer,
validity. Pure functions only; the reader is ``drivers.idcard_reader``.

Privacy: nothing here logs a card's content; ``IdCard.__repr__`` masks the name and ID number.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date

from drivers.framing import MarkedFrameParser
from drivers.safe_text import device_text

PREAMBLE = bytes.fromhex("AA AA AA 96 69")
HEADER_LENGTH = len(PREAMBLE) + 2
MAX_LENGTH = 0x0A00
"""The largest LEN accepted: base text + photo + fingerprints (3 + 4 + 256 + 1024 + 1024 + 1) fits."""

# Commands (CMD, PARA).
RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
READ_SAM_ID = (0x12, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_BASE_TEXT = (0x30, 0x01)

# SW3 values (SW1 = SW2 = 00).
SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_CONTENT = 0x91
SW_NO_CARD = 0x80
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41
SW_SAM_SELF_TEST_FAILED = 0x60
SW_SAM_NOT_AUTHORISED = 0x66
STATUS_TEXTS = {
    SW_OK: "ok", SW_FOUND: "card found", SW_NO_CONTENT: "no such content on the card",
    0x10: "reader saw a bad checksum", 0x11: "reader saw a bad length", 0x21: "unknown command",
    0x23: "command not allowed", 0x24: "unidentified error", 0x31: "card failed to authenticate the SAM",
    0x32: "SAM failed to authenticate the card", 0x33: "card data failed verification",
    0x40: "unknown card type", SW_READ_FAILED: "reading the card failed", 0x47: "no random number",
    SW_SAM_SELF_TEST_FAILED: "SAM self-test failed", SW_SAM_NOT_AUTHORISED: "SAM not authorised",
    SW_NO_CARD: "no card", SW_SELECT_FAILED: "selecting the card failed",
}

BASE_TEXT_LENGTH = 256
PHOTO_LENGTH = 1024
FIELDS: tuple[tuple[str, int], ...] = (
    ("name", 30), ("sex", 2), ("nation", 4), ("birth_date", 16), ("address", 70), ("id_number", 36),
    ("issuer", 30), ("valid_from", 16), ("valid_until", 16), ("reserved", 36),
)
"""The base text's fields and their sizes in bytes (UCS-2, padded with spaces): 256 in all."""
CARD_TYPE_OFFSET = 248
"""Byte offset of the card-type character in the reserved field: 'I' marks a foreigner's card."""
LONG_TERM = "长期"

SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
"""GB/T 2261.1 sex codes."""
NATIONS = dict(enumerate(
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split(), start=1)) | {97: "其他", 98: "外国血统中国籍人士"}
"""GB 3304 nationality codes → names (族 omitted)."""

_CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class IdCardError(Exception):
    """Base of ID-card driver errors."""


class IdCardDataError(IdCardError):
    """The card's text block is not a resident ID card's (bad read, other card type).

    Says which field, never its value.
    """


class IdCardConfigError(IdCardError, ValueError):
    """The reader configuration is invalid."""


# --------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class Command:
    """A host → reader command: ``CMD PARA [DATA]``."""

    command: int
    parameter: int
    data: bytes = b""

    @property
    def code(self) -> tuple[int, int]:
        return (self.command, self.parameter)


@dataclass(frozen=True)
class Answer:
    """A reader → host answer: ``SW1 SW2 SW3 [DATA]``; ``data`` is kept out of ``repr`` (it holds personal data)."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = field(default=b"", repr=False)

    @property
    def ok(self) -> bool:
        """``00 00 90``."""
        return (self.sw1, self.sw2, self.sw3) == (0, 0, SW_OK)

    @property
    def found(self) -> bool:
        """The answer to find card says there is one (``9F``, or ``90`` on some readers)."""
        return (self.sw1, self.sw2) == (0, 0) and self.sw3 in (SW_FOUND, SW_OK)

    @property
    def meaning(self) -> str:
        """The status in words, for logs and device status."""
        return f"{self.sw1:02X} {self.sw2:02X} {self.sw3:02X} {STATUS_TEXTS.get(self.sw3, 'unknown status')}"


def xor_checksum(data: bytes) -> int:
    """CHK: the XOR of every byte of ``data`` (LEN_H, LEN_L and the payload)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def build_frame(payload: bytes) -> bytes:
    """``AA AA AA 96 69 LEN_H LEN_L PAYLOAD CHK``."""
    if len(payload) + 1 > MAX_LENGTH:
        raise ValueError(f"payload of {len(payload)} bytes is longer than a frame can carry")
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([xor_checksum(body)])


def command_frame(code: tuple[int, int], data: bytes = b"") -> bytes:
    """The frame of command ``code`` (e.g. ``FIND_CARD``): find card is ``AA AA AA 96 69 00 03 20 01 22``."""
    return build_frame(bytes(code) + data)


def answer_frame(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """The frame a reader answers with (simulator and tests)."""
    return build_frame(bytes([sw1, sw2, sw3]) + data)


def _frame_length(header: bytes) -> int | None:
    length = int.from_bytes(header[5:7], "big")
    return HEADER_LENGTH + length if 3 <= length <= MAX_LENGTH else None


def _payload(raw: bytes) -> bytes | None:
    return raw[HEADER_LENGTH:-1] if xor_checksum(raw[5:-1]) == raw[-1] else None


def _answer(raw: bytes) -> Answer | None:
    payload = _payload(raw)
    if payload is None or len(payload) < 3:
        return None
    return Answer(payload[0], payload[1], payload[2], payload[3:])


def _command(raw: bytes) -> Command | None:
    payload = _payload(raw)
    return None if payload is None else Command(payload[0], payload[1], payload[2:])


def answer_parser() -> MarkedFrameParser[Answer]:
    """A streaming parser of reader answers (skips noise, false preambles, bad checksums; keeps no dropped bytes)."""
    return MarkedFrameParser(PREAMBLE, HEADER_LENGTH, _frame_length, _answer)


def command_parser() -> MarkedFrameParser[Command]:
    """A streaming parser of host commands (for the simulated reader)."""
    return MarkedFrameParser(PREAMBLE, HEADER_LENGTH, _frame_length, _command)


# --------------------------------------------------------------------------- the card


def id_check_character(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("an ID number starts with 17 digits")
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _CHECK_WEIGHTS, strict=True)) % 11]


def id_number_valid(number: str) -> bool:
    """An 18-character resident ID number whose check character is right."""
    return len(number) == 18 and number[:17].isdigit() and number[:17].isascii() \
        and id_check_character(number[:17]) == number[17].upper()


def mask_id_number(number: str) -> str:
    """The masked form shown and kept: first 4 and last 4 characters, ``5323**********1234``."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """The name as screens show it: the family name, then one ``*`` per other character (张*, 欧阳**)."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


@dataclass(frozen=True, repr=False)
class IdCard:
    """The base text of one resident ID card; ``repr`` shows only the masked name and ID number."""

    name: str
    sex_code: str
    nation_code: str
    birth_date: date
    address: str
    id_number: str
    issuer: str
    valid_from: date
    valid_until: date | None  # None: long-term (长期)

    @property
    def sex(self) -> str:
        return SEXES.get(self.sex_code, "未知")

    @property
    def nation(self) -> str:
        return NATIONS.get(int(self.nation_code), "") if self.nation_code.isdigit() else ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def keyed_digest(self, key: bytes) -> str:
        """HMAC-SHA256 of the ID number under ``key`` (hex): what a hall may keep for the one-ticket rule."""
        return hmac.new(key, self.id_number.upper().encode("ascii"), hashlib.sha256).hexdigest()

    def valid_on(self, day: date) -> bool:
        """Whether the card is within its validity on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def __repr__(self) -> str:
        return f"IdCard(name={self.masked_name!r}, id_number={self.masked_id_number!r})"

    __str__ = __repr__


def _split_fields(block: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    offset = 0
    for name, size in FIELDS:
        raw = block[offset : offset + size]
        offset += size
        try:
            text = raw.decode("utf-16-le")
        except UnicodeDecodeError:
            raise IdCardDataError(f"field {name} is not UCS-2 text") from None
        fields[name] = device_text(text).strip(" \x00")
    return fields


def _parse_date(value: str, name: str) -> date:
    if len(value) != 8 or not value.isdigit():
        raise IdCardDataError(f"field {name} is not a date YYYYMMDD")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise IdCardDataError(f"field {name} is not a valid date") from None


def parse_base_text(block: bytes) -> IdCard:
    """The card in a 256-byte base-text block; ``IdCardDataError`` (naming the field, not its value) if not."""
    if len(block) != BASE_TEXT_LENGTH:
        raise IdCardDataError(f"the base text has {len(block)} bytes, not {BASE_TEXT_LENGTH}")
    if block[CARD_TYPE_OFFSET : CARD_TYPE_OFFSET + 2] == "I".encode("utf-16-le"):
        raise IdCardDataError("a foreigner's permanent residence card: its layout is not supported")
    fields = _split_fields(block)
    if not id_number_valid(fields["id_number"]):
        raise IdCardDataError("field id_number is not an ID number with a valid check character")
    if not fields["name"]:
        raise IdCardDataError("field name is empty")
    until = fields["valid_until"]
    return IdCard(
        name=fields["name"], sex_code=fields["sex"], nation_code=fields["nation"],
        birth_date=_parse_date(fields["birth_date"], "birth_date"), address=fields["address"],
        id_number=fields["id_number"].upper(), issuer=fields["issuer"],
        valid_from=_parse_date(fields["valid_from"], "valid_from"),
        valid_until=None if until == LONG_TERM else _parse_date(until, "valid_until"),
    )


def encode_base_text(card: IdCard) -> bytes:
    """The 256-byte block a card with these fields holds (for the simulated reader and tests)."""
    values = {
        "name": card.name, "sex": card.sex_code, "nation": card.nation_code,
        "birth_date": card.birth_date.strftime("%Y%m%d"), "address": card.address, "id_number": card.id_number,
        "issuer": card.issuer, "valid_from": card.valid_from.strftime("%Y%m%d"),
        "valid_until": LONG_TERM if card.valid_until is None else card.valid_until.strftime("%Y%m%d"),
        "reserved": "",
    }
    block = b""
    for name, size in FIELDS:
        raw = values[name].encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"field {name} holds at most {size // 2} characters")
        block += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return block


def parse_read_answer(data: bytes) -> IdCard:
    """The card in a read-base-text answer's data: ``TEXT_LEN(2) PHOTO_LEN(2) TEXT PHOTO``; the photo is ignored."""
    if len(data) < 4:
        raise IdCardDataError("the answer is too short to hold the text and photo lengths")
    text_length = int.from_bytes(data[:2], "big")
    photo_length = int.from_bytes(data[2:4], "big")
    if text_length != BASE_TEXT_LENGTH or len(data) < 4 + text_length + photo_length:
        raise IdCardDataError(f"the answer holds {len(data)} bytes for a {text_length}-byte text "
                              f"and a {photo_length}-byte photo")
    return parse_base_text(data[4 : 4 + text_length])


def read_answer_data(card: IdCard, photo: bytes = bytes(PHOTO_LENGTH)) -> bytes:
    """What a reader sends after ``00 00 90`` for ``card`` (simulator and tests)."""
    return (BASE_TEXT_LENGTH.to_bytes(2, "big") + len(photo).to_bytes(2, "big")
            + encode_base_text(card) + photo)
