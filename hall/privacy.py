"""Masking of personal data (ID numbers, phone numbers) wherever it could be shown.

People write numbers in many ways: ``+86 138 1234 5678``, ``8613812345678``, ``138-1234-5678``,
``(0755) 8888-6666``, ``1101 0119 9003 0745 18``, full-width ``１３８１２３４５６７８``. ``mask_text`` reads a text's
runs of digit groups (digits separated by spaces, dashes, dots or brackets), joins neighbouring groups into
the longest number they can form, and masks it when it is a mobile number (with or without +86/0086), a
landline with its area code, a resident ID number (18 characters or the old 15 digits) or another long
number such as a bank card. The text around the numbers, and their spelling, are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

#: One digit group: digits (any script, full-width too), an ID number's check letter X at its end.
_GROUP = re.compile(r"\d+[Xx×Ｘｘ]?")
#: What may stand between two groups of one number (at most three characters of it).
_SEPARATOR = re.compile(r"[ \t\u00a0\u3000\-－‐–—.．·()（）]{1,3}")
_PREFIX = re.compile(r"[+＋]\s?$")


def mask_id_number(value: str | None) -> str | None:
    """A resident ID number with the birth date and sequence hidden: 110101********4518."""
    if not value:
        return value
    text = value.strip()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_phone(value: str | None) -> str | None:
    """A phone number with the middle four digits hidden: 138****5678."""
    if not value:
        return value
    digits = value.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return (digits[:3] + "*" * (len(digits) - 7) + digits[-4:] if len(digits) != 11
            else digits[:3] + "****" + digits[-4:])


def mask_text(value: str | None) -> str | None:
    """Free text with every phone number, ID number and other long number inside it masked."""
    if not value:
        return value
    chars = list(value)
    for positions in _numbers(value):
        for index in positions:
            chars[index] = "*"
    return "".join(chars)


def _numbers(text: str) -> Iterator[list[int]]:
    """For each personal number in *text*: the positions of the characters to hide."""
    for run in _runs(text):
        start = 0
        while start < len(run):
            for end in range(len(run), start, -1):  # the longest number the groups from *start* can form
                hidden = _hide(text, run[start:end])
                if hidden is not None:
                    yield hidden
                    start = end
                    break
            else:
                start += 1


def _runs(text: str) -> Iterator[list[re.Match[str]]]:
    """Runs of digit groups joined by short separators; a letter ends a run ("A001 B002" are two)."""
    run: list[re.Match[str]] = []
    for group in _GROUP.finditer(text):
        if run and not _SEPARATOR.fullmatch(text, run[-1].end(), group.start()):
            yield run
            run = []
        run.append(group)
    if run:
        yield run


def _hide(text: str, groups: list[re.Match[str]]) -> list[int] | None:
    """Which characters of these groups to hide, if together they are a personal number."""
    parts = ["".join(_ascii(c) for c in g.group(0)) for g in groups]
    international = bool(_PREFIX.search(text, 0, groups[0].start()))
    keep = _kept(parts, international)
    if keep is None:
        return None
    positions = [i for g in groups for i in range(g.start(), g.end())]
    first, last = keep
    return [p for n, p in enumerate(positions) if first <= n < len(positions) - last]


def _kept(parts: list[str], international: bool) -> tuple[int, int] | None:
    """(digits kept at the start, digits kept at the end) of the number these digit groups spell, or None
    when it is not a personal number. How a number is grouped counts: a date next to a hotline
    ("12333 2026-11-25") is not an ID number."""
    digits = "".join(parts)
    country = 0
    for code in ("0086", "86"):
        if digits.startswith(code) and (international or code == "0086" or len(digits) == len(code) + 11):
            if len(parts) == 1 or parts[0] == code:
                country = len(code)
            break
    body = digits[country:]
    rest = parts[1:] if country and len(parts) > 1 else parts
    if not rest:
        return None
    if len(body) == 11 and body[0] == "1" and body[1] in "3456789" and all(len(g) >= 3 for g in rest):
        return country + 3, 4  # mobile: 138****5678, +86 138****5678
    if international or country:
        # +86 10 1234 5678: a landline written without its leading 0
        if body.isdigit() and 9 <= len(body) <= 11 and all(len(g) >= 3 for g in rest[1:]):
            return country + (2 if body[0] in "12" else 3), 4
        return None
    if len(body) == 18 and body[:17].isdigit() and body[17] in "0123456789X" and (
            len(parts) == 1 or [len(g) for g in parts] == [6, 8, 4] or all(len(g) >= 4 for g in parts[:-1])):
        return 6, 4  # resident ID number: 110101********4518, 110101********451X
    if not body.isdigit():
        return None
    if len(body) == 15 and len(parts) == 1:
        return 6, 4  # the old 15-digit ID number
    if 16 <= len(body) <= 19 and (len(parts) == 1 or all(len(g) == 4 for g in parts[:-1])):
        return 6, 4  # bank and social-security card numbers
    if 10 <= len(body) <= 12 and body[0] == "0" and body[1] != "0" and all(len(g) >= 3 for g in parts):
        return (3 if body[1] in "12" else 4), 4  # landline with area code: 010-****5678, 0755-****6666
    return None


def _ascii(char: str) -> str:
    """A digit of any script as an ASCII digit; the ID number's check letter as X."""
    if char in "Xx×Ｘｘ":
        return "X"
    return str(unicodedata.digit(char))
