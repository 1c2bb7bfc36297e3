"""Announcement sentences for the hall voice: ticket numbers and counters read the hall way.

Pure functions, no I/O. ``announcement_text`` is what the caller service hands to
``drivers.speech.SpeechWorker.request``; ``voice_segments`` is how the worker splits a
bilingual sentence so each part is spoken by a voice of its own language.
"""

from __future__ import annotations

import logging
import re
import string

logger = logging.getLogger(__name__)

ZH_TEMPLATE = "请{number}号到{counter}号窗口办理"
EN_TEMPLATE = "Number {number}, please go to counter {counter}"
LANGS = ("zh", "en", "bilingual")
PLACEHOLDERS = frozenset({"number", "counter"})

_ZH_DIGITS = "零一二三四五六七八九"
_ZH_UNITS = ("", "十", "百", "千")
_NUMBER_RE = re.compile(r"[A-Za-z]|[0-9]+")
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def validate_template(template: str) -> str:
    """Check that a template only uses the {number} and {counter} placeholders; return it."""
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"announcement template {template!r} is malformed: {exc}") from exc
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        raise ValueError(
            f"announcement template {template!r} uses unknown placeholder(s) "
            f"{', '.join('{' + name + '}' for name in unknown)}; only {{number}} and {{counter}} are allowed"
        )
    return template


def chinese_numeral(value: int) -> str:
    """Write 0..9999 in Chinese numerals as a counter number is said: 3→三, 10→十, 25→二十五, 105→一百零五."""
    if not 0 <= value <= 9999:
        raise ValueError(f"counter number {value} is outside 0..9999")
    if value == 0:
        return _ZH_DIGITS[0]
    digits = [int(d) for d in str(value)]
    parts: list[str] = []
    pending_zero = False
    for position, digit in enumerate(digits):
        unit = _ZH_UNITS[len(digits) - position - 1]
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append(_ZH_DIGITS[0])
            pending_zero = False
        parts.append(_ZH_DIGITS[digit] + unit)
    text = "".join(parts)
    # 10..19 are said 十, 十二 (not 一十二) when they stand alone.
    return text[1:] if 10 <= value <= 19 else text


def _number_tokens(number: str) -> list[str]:
    """Split a ticket number into letters and digit runs; hyphens and spaces are ignored."""
    cleaned = number.strip().replace("-", "").replace(" ", "")
    if not cleaned or not cleaned.isascii() or not cleaned.isalnum():
        raise ValueError(f"ticket number {number!r} must be ASCII letters and digits, e.g. 'A001'")
    return _NUMBER_RE.findall(cleaned.upper())


def ticket_number_reading(number: str, lang: str = "zh") -> str:
    """Spell a ticket number digit by digit with letters kept apart: 'A001' → 'A 零零一' (zh) / 'A 0 0 1' (en)."""
    words: list[str] = []
    for token in _number_tokens(number):
        if token.isdigit():
            if lang == "zh":
                words.append("".join(_ZH_DIGITS[int(d)] for d in token))
            else:
                words.extend(token)
        else:
            words.append(token)
    return " ".join(words)


def counter_reading(counter: str | int, lang: str = "zh") -> str:
    """Say a counter: digits become a Chinese numeral in zh ('12' → 十二); names are kept as written."""
    text = str(counter).strip()
    if not text:
        raise ValueError("counter must not be empty")
    if text.isascii() and text.isalnum():
        tokens = _NUMBER_RE.findall(text.upper())
        if lang == "zh":
            tokens = [chinese_numeral(int(t)) if t.isdigit() else t for t in tokens]
        else:
            tokens = [str(int(t)) if t.isdigit() else t for t in tokens]
        return " ".join(tokens)
    return text


def announcement_text(
    number: str, counter: str | int, *, lang: str = "zh", template: str | None = None
) -> str:
    """Build the sentence the hall voice says when a ticket is called to a counter.

    ``template`` replaces the default of ``lang`` ("zh" or "en"). For "bilingual" the
    Chinese sentence comes first, then the English one on the next line; a custom
    bilingual template is two lines, the Chinese template then the English one.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown announcement language {lang!r}; choose one of {', '.join(LANGS)}")
    if template is not None:
        validate_template(template)
    if lang == "bilingual":
        templates: list[str | None] = [None, None]
        if template is not None:
            lines = template.splitlines()
            if len(lines) != 2:
                raise ValueError(
                    f"a bilingual announcement template must be two lines (Chinese, then English), got {template!r}"
                )
            templates = list(lines)
        return "\n".join(
            announcement_text(number, counter, lang=part, template=tpl)
            for part, tpl in zip(("zh", "en"), templates, strict=True)
        )
    chosen = template if template is not None else (ZH_TEMPLATE if lang == "zh" else EN_TEMPLATE)
    return chosen.format(number=ticket_number_reading(number, lang), counter=counter_reading(counter, lang))


def has_chinese(text: str) -> bool:
    """Whether the text contains Chinese characters (and so needs the Mandarin voice)."""
    return bool(_CJK_RE.search(text))


def voice_segments(text: str) -> list[tuple[str, bool]]:
    """Split an announcement into non-empty lines, each flagged True if it needs the Mandarin voice."""
    return [(line.strip(), has_chinese(line)) for line in text.splitlines() if line.strip()]
