"""Masking of personal data (ID numbers, phone numbers) wherever it could be shown."""

from __future__ import annotations

import re

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])|(?<!\d)(\d{6})(\d{6})(\d{3})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


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
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:] if len(digits) != 11 else digits[:3] + "****" + digits[-4:]


def mask_text(value: str | None) -> str | None:
    """Free text with every ID number and mobile number inside it masked."""
    if not value:
        return value

    def hide_id(match: re.Match[str]) -> str:
        return mask_id_number(match.group(0)) or ""

    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), _ID_NUMBER.sub(hide_id, value))
