"""The ticket as a person gets it: ESC/POS bytes decoded as GB18030, and the PNG preview."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from escpos.printer import Dummy
from PIL import Image

from drivers import fonts
from drivers.ticket import TicketLayout, print_ticket, render_png, ticket_lines

QR_NATIVE = b"\x1d(k"
RASTER_IMAGE = b"\x1dv0"
GRAPHICS_IMAGE = b"\x1d(L"
CUT = b"\x1dV"
CHINESE_MODE = b"\x1c&"


def make_layout(**changes: object) -> TicketLayout:
    """A typical pension-enrolment ticket; keyword arguments override fields."""
    layout = TicketLayout(
        hall_name="海淀区社会保险服务大厅",
        number="A001",
        service_name="企业职工基本养老保险参保登记",
        people_ahead=3,
        estimated_wait_minutes=10,
        issued_at=datetime(2026, 11, 25, 9, 3, tzinfo=ZoneInfo("Asia/Shanghai")),
        status_url="https://hall.example.cn/status/A001",
        notices=("请携带身份证原件。",),
    )
    return dataclasses.replace(layout, **changes)


def printed(layout: TicketLayout, **options: object) -> bytes:
    """Bytes a TM-T88V-profile printer would receive for ``layout``."""
    printer = Dummy(profile="TM-T88V")
    print_ticket(printer, layout, **options)  # type: ignore[arg-type]
    return printer.output


def test_ticket_lines_have_chinese_labels() -> None:
    texts = [line.text for line in ticket_lines(make_layout(priority=True))]
    assert texts[0] == "海淀区社会保险服务大厅"
    for expected in ("A001", "企业职工基本养老保险参保登记", "前面还有 3 人", "预计等候约 10 分钟",
                     "取号时间 2026-11-25 09:03", "请携带身份证原件。"):
        assert expected in texts
    assert any("绿色通道" in text for text in texts)


def test_the_estimate_prints_as_the_range_the_screens_show() -> None:
    ranged = make_layout(estimated_wait_range=(8, 12))
    assert "预计等候约 8–12 分钟" in [line.text for line in ticket_lines(ranged)]
    assert "预计等候约 8–12 分钟".encode("gb18030") in printed(ranged)
    english = dataclasses.replace(ranged, lang="en")
    assert "Estimated wait: about 8–12 min" in [line.text for line in ticket_lines(english)]
    assert "预计等候约 10 分钟" in [line.text for line in ticket_lines(make_layout())]  # no range: the point


def test_ticket_number_is_the_largest_line() -> None:
    lines = ticket_lines(make_layout())
    number = next(line for line in lines if line.text == "A001")
    assert number.scale == max(line.scale for line in lines) >= 4


def test_ticket_lines_in_english() -> None:
    texts = [line.text for line in ticket_lines(make_layout(lang="en", priority=True, people_ahead=1))]
    assert "1 person ahead of you" in texts
    assert "Estimated wait: about 10 min" in texts
    assert "Issued 2026-11-25 09:03" in texts
    assert any("Priority lane" in text for text in texts)


def test_escpos_ticket_decodes_to_the_expected_lines() -> None:
    output = printed(make_layout(priority=True))
    text = output.decode("gb18030", errors="replace")
    for expected in ("海淀区社会保险服务大厅", "A001", "企业职工基本养老保险参保登记", "前面还有 3 人",
                     "预计等候约 10 分钟", "取号时间 2026-11-25 09:03", "绿色通道", "请携带身份证原件。"):
        assert expected in text
    assert output.startswith(b"\x1b@" + CHINESE_MODE)
    assert QR_NATIVE in output and b"https://hall.example.cn/status/A001" in output
    assert output.endswith(CUT + b"\x00")  # full cut, after the QR code


def test_escpos_number_uses_large_custom_size() -> None:
    output = printed(make_layout())
    gs_size_4x4 = b"\x1d!\x33"
    assert gs_size_4x4 + b"\x1bE\x01" in output
    assert output.index(gs_size_4x4) < output.index(b"A001")


def test_escpos_text_would_lose_full_width_chars() -> None:
    """Why print_ticket bypasses printer.text(): python-escpos 3.1 turns this line into '?'."""
    printer = Dummy()
    printer.text("１２３：（）")
    assert b"?" in printer.output


def test_full_width_only_line_is_sent_as_gb18030() -> None:
    line = "１２３：（）"
    output = printed(make_layout(notices=(line,)))
    assert line.encode("gb18030") in output
    assert b"?" not in output


def test_english_ticket_prints_plain_ascii() -> None:
    output = printed(make_layout(lang="en", service_name="Pension enrolment"))
    assert b"3 people ahead of you\n" in output
    assert b"Pension enrolment\n" in output


def test_image_qr_when_not_native() -> None:
    output = printed(make_layout(), native_qr=False)
    assert RASTER_IMAGE in output
    assert QR_NATIVE not in output


def test_raster_mode_sends_one_image_and_no_text() -> None:
    output = printed(make_layout(), raster=True)
    assert RASTER_IMAGE in output
    assert CHINESE_MODE not in output
    assert "海淀区".encode("gb18030") not in output
    assert CUT in output


def test_raster_mode_with_graphics_command() -> None:
    output = printed(make_layout(), raster=True, image_impl="graphics")
    assert GRAPHICS_IMAGE in output
    assert RASTER_IMAGE not in output


def test_no_cut_when_asked() -> None:
    assert CUT not in printed(make_layout(), cut=False)


@pytest.mark.parametrize("width", [576, 384])
def test_render_png_has_the_paper_width(width: int) -> None:
    png = render_png(make_layout(priority=True), width_px=width)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        assert image.width == width
        assert image.height > width  # a tall ticket, QR at the bottom


def test_render_png_draws_chinese_glyphs_not_boxes(tmp_path: Path) -> None:
    """Two different Chinese strings of equal length must give different pixels (tofu boxes would match)."""
    first = render_png(make_layout(service_name="养老保险参保登记"), width_px=384)
    second = render_png(make_layout(service_name="医疗保险待遇申领"), width_px=384)
    assert first != second
    (tmp_path / "ticket.png").write_bytes(first)


def test_no_cjk_font_raises_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "CJK_FONT_CANDIDATES", {False: (), True: ()})
    monkeypatch.setattr(fonts, "_FONT_DIRS", ())
    with pytest.raises(fonts.FontNotFoundError, match="fonts-noto-cjk"):
        fonts.find_cjk_font()


def test_cjk_font_is_found_on_this_machine() -> None:
    assert fonts.find_cjk_font().is_file()
    assert fonts.find_cjk_font(bold=True).is_file()


# --------------------------------------------------------------------------- control bytes (issue 13 item 13)

DRAWER_AND_CUT_NOTICE = "ABC\x1bp\x00\x19\xfa…\x1dV\x00"
"""A manager's notice that, sent raw, pulses the cash drawer (ESC p 0 25 250) and cuts the paper (GS V 0)."""


def test_control_bytes_in_texts_never_reach_the_printer() -> None:
    output = printed(make_layout(
        hall_name="海淀区\x1b@社保大厅", service_name="养老\x1dV\x01保险\x10\x14\x01\x00\x05登记",
        notices=(DRAWER_AND_CUT_NOTICE, "第一行\n第二行"),
    ))
    assert b"\x1bp" not in output  # no drawer pulse
    assert b"\x10\x14" not in output  # no real-time pulse (DLE DC4)
    assert output.count(b"\x1dV") == 1 and output.endswith(CUT + b"\x00")  # the ticket's own cut, last
    assert output.count(b"\x1b@") == 1 and output.startswith(b"\x1b@")  # the ticket's own init, first
    for expected in ("ABCpú…V", "海淀区@社保大厅", "养老V保险登记", "第一行 第二行"):  # the rest prints as text
        assert expected.encode("gb18030") + b"\n" in output


def test_ticket_preview_draws_the_same_cleaned_text() -> None:
    dirty = render_png(make_layout(notices=(DRAWER_AND_CUT_NOTICE,), hall_name="大厅\x07"), width_px=384)
    clean = render_png(make_layout(notices=("ABCpú…V",), hall_name="大厅"), width_px=384)
    assert dirty == clean
