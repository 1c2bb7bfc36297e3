"""Texts on their way to a device lose every control and format character (issue 13 item 13)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.safe_text import device_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ABC\x1bp\x00\x19\xfa…\x1dV\x00", "ABCpú…V"),
        ("请A001号到3号窗口", "请A001号到3号窗口"),
        ("热情\u3000为您服务", "热情\u3000为您服务"),  # ideographic space is text
        ("第一行\r\n第二行\t完", "第一行  第二行 完"),
        ("\u202eevil\u200b\ufeff", "evil"),  # bidi override, zero-width space, BOM
        ("\x7f\x80\x9b[2J", "[2J"),  # DEL and the C1 CSI
        ("\ud800lone", "lone"),
    ],
)
def test_device_text(text: str, expected: str) -> None:
    assert device_text(text) == expected


@given(st.text())
def test_nothing_controlling_survives(text: str) -> None:
    cleaned = device_text(text)
    assert not [char for char in cleaned if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Cn"}]
    assert device_text(cleaned) == cleaned
    assert all(byte >= 0x20 for byte in cleaned.encode("gb18030", errors="replace"))
