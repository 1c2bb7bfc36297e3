"""The queue ticket: one layout description, rendered as ESC/POS commands or as a PNG image.

``ticket_lines`` is the single description of what a ticket says and how big;
``print_ticket`` sends it to an ESC/POS printer and ``render_png`` draws it
with Pillow (for the kiosk preview and for printers without a Chinese font).
"""

from __future__ import annotations

import dataclasses
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import qrcode
import qrcode.constants
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from PIL import Image, ImageDraw, ImageFont

from drivers.fonts import load_cjk_font
from drivers.safe_text import device_text

logger = logging.getLogger(__name__)

Align = Literal["left", "center", "right"]

# ESC/POS bytes python-escpos has no helper for.
ESC_INIT = b"\x1b@"
FS_CHINESE_MODE_ON = b"\x1c&"  # FS &: bytes >= 0x80 are read as two-byte GB18030/GBK characters
FS_CHINESE_MODE_OFF = b"\x1c."  # FS .
TEXT_ENCODING = "gb18030"

DEFAULT_WIDTH_PX = 576  # 80 mm paper at 203 dpi; 58 mm paper is 384
QR_QUIET_ZONE_MODULES = 2

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "people_ahead": "前面还有 {n} 人",
        "wait": "预计等候约 {m} 分钟",
        "wait_range": "预计等候约 {low}–{high} 分钟",
        "issued_at": "取号时间 {t}",
        "priority": "绿色通道",
        "scan": "扫码查看排队进度",
    },
    "en": {
        "people_ahead": "{n} people ahead of you",
        "people_ahead_one": "1 person ahead of you",
        "wait": "Estimated wait: about {m} min",
        "wait_range": "Estimated wait: about {low}–{high} min",
        "issued_at": "Issued {t}",
        "priority": "Priority lane",
        "scan": "Scan to follow your place in the queue",
    },
}


@dataclass(frozen=True)
class TicketLayout:
    """Everything printed on one queue ticket."""

    hall_name: str
    number: str
    service_name: str
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: datetime
    status_url: str
    notices: tuple[str, ...] = ()
    priority: bool = False
    lang: str = "zh"
    #: The range the screens show with the estimate ("约 10–15 分钟"), whole minutes; None: the point alone.
    estimated_wait_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class TicketLine:
    """One line of a ticket: its text, how large (1 = normal, up to 8), bold, inverted, alignment."""

    text: str
    scale: int = 1
    bold: bool = False
    inverted: bool = False
    align: Align = "center"


def _labels(lang: str) -> dict[str, str]:
    """Label templates for ``lang``; unknown languages fall back to Chinese."""
    if lang not in LABELS:
        logger.warning("No ticket labels for language %r, using zh", lang)
    return LABELS.get(lang, LABELS["zh"])


def _wait_text(layout: TicketLayout, labels: dict[str, str]) -> str:
    """The estimate as the screens show it: the range when there is one, else the point."""
    if layout.estimated_wait_range is not None:
        low, high = layout.estimated_wait_range
        return labels["wait_range"].format(low=low, high=high)
    return labels["wait"].format(m=layout.estimated_wait_minutes)


def ticket_lines(layout: TicketLayout) -> list[TicketLine]:
    """Describe the ticket's text lines, top to bottom, before the QR code."""
    labels = _labels(layout.lang)
    people_key = "people_ahead_one" if layout.people_ahead == 1 and "people_ahead_one" in labels else "people_ahead"
    lines = [TicketLine(layout.hall_name, scale=2, bold=True), TicketLine("")]
    if layout.priority:
        lines.append(TicketLine(f" {labels['priority']} ", scale=2, bold=True, inverted=True))
    lines += [
        TicketLine(layout.number, scale=4, bold=True),
        TicketLine(layout.service_name, bold=True),
        TicketLine(""),
        TicketLine(labels[people_key].format(n=layout.people_ahead)),
        TicketLine(_wait_text(layout, labels)),
        TicketLine(labels["issued_at"].format(t=layout.issued_at.strftime("%Y-%m-%d %H:%M"))),
    ]
    if layout.notices:
        lines.append(TicketLine(""))
        lines += [TicketLine(notice, align="left") for notice in layout.notices]
    lines += [TicketLine(""), TicketLine(labels["scan"])]
    return lines


# --------------------------------------------------------------------------- ESC/POS


def printer_width_px(printer: Escpos) -> int:
    """Printable width in dots from the printer's profile, or 80 mm paper when the profile does not say."""
    try:
        return int(printer.profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        return DEFAULT_WIDTH_PX


def _max_scale(width_px: int) -> int:
    """Largest magnification that keeps a ticket number (4 half-width chars of 12 dots) on one line."""
    return max(1, min(8, width_px // (4 * 12 * 2)))


def _send_line(printer: Escpos, line: TicketLine, max_scale: int) -> None:
    """Send one text line as GB18030 bytes with its size, weight, inversion and alignment."""
    scale = min(line.scale, max_scale)
    printer.set(align=line.align, bold=line.bold, invert=line.inverted, custom_size=True, width=scale, height=scale)
    # Text goes out through _raw, never printer.text(): python-escpos 3.1 only encodes a
    # string as GB18030 when it contains a char in U+4E00-U+9FA5, otherwise it picks a
    # Western code page and prints "?" for full-width digits and punctuation ("１２３：（）").
    # With FS & selected, GB18030 is right for every line, and ASCII stays single-byte.
    # device_text: a control byte in a notice or a name would be an ESC/POS command (drawer, cut).
    printer._raw(device_text(line.text).encode(TEXT_ENCODING, errors="replace") + b"\n")


def _qr_module_size(width_px: int) -> int:
    """QR module size in dots: about 6 on 80 mm paper, 4 on 58 mm."""
    return max(3, min(8, width_px // 96))


def print_ticket(
    printer: Escpos,
    layout: TicketLayout,
    *,
    raster: bool = False,
    native_qr: bool = True,
    cut: bool = True,
    width_px: int | None = None,
    image_impl: str = "bitImageRaster",
) -> None:
    """Print ``layout`` on an ESC/POS printer: as Chinese text (FS &, GB18030) or, with ``raster``, as one image.

    ``width_px`` defaults to the profile's media width (see ``printer_width_px``).
    ``native_qr`` lets the printer draw the QR code (GS ( k); otherwise it is sent as an image.
    ``image_impl`` is python-escpos's image command: bitImageRaster (GS v 0), graphics (GS ( L) or bitImageColumn.
    """
    width = width_px or printer_width_px(printer)
    printer._raw(ESC_INIT)
    if raster:
        # For printers without a Chinese font: the whole ticket, QR included, as a raster image.
        printer.image(render_image(layout, width_px=width), impl=image_impl)
    else:
        printer._raw(FS_CHINESE_MODE_ON)
        max_scale = _max_scale(width)
        for line in ticket_lines(layout):
            _send_line(printer, line, max_scale)
        printer.set(align="center", bold=False, invert=False, custom_size=True, width=1, height=1)
        if native_qr:
            printer.qr(layout.status_url, native=True, size=_qr_module_size(width), ec=QR_ECLEVEL_M)
        else:
            printer.qr(
                layout.status_url,
                native=False,
                size=_qr_module_size(width),
                ec=QR_ECLEVEL_M,
                image_arguments={"impl": image_impl, "center": True},
            )
        printer._raw(FS_CHINESE_MODE_OFF)
    if cut:
        printer.cut()
    else:
        printer.print_and_feed(4)



# --------------------------------------------------------------------------- image


def _font_px(scale: int, width_px: int, bold: bool) -> ImageFont.FreeTypeFont:
    """A CJK font sized for ``scale`` on paper ``width_px`` wide (normal text is 24 dots on 576)."""
    base = 24 * width_px / DEFAULT_WIDTH_PX
    size = round(base * {1: 1.0, 2: 1.6}.get(scale, scale * 1.4))
    return load_cjk_font(size, bold=bold)


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width``: between words, or between CJK characters."""
    tokens: list[str] = []
    for char in text:
        if tokens and char.isascii() and not char.isspace() and tokens[-1][-1:].isascii() and not tokens[-1].isspace():
            tokens[-1] += char
        else:
            tokens.append(char)
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = current + token
        if current and font.getlength(candidate) > max_width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current = candidate
    lines.append(current)
    return lines or [""]


def _qr_image(url: str, width_px: int) -> Image.Image:
    """The status-page QR code, about 40 % of the paper width."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_QUIET_ZONE_MODULES)
    code.add_data(url)
    code.make(fit=True)
    modules = code.modules_count + 2 * QR_QUIET_ZONE_MODULES
    code.box_size = max(2, int(width_px * 0.45) // modules)
    return code.make_image().get_image().convert("L")


def render_image(layout: TicketLayout, width_px: int = DEFAULT_WIDTH_PX) -> Image.Image:
    """Draw the ticket as a black-on-white Pillow image ``width_px`` wide."""
    margin = max(8, width_px // 36)
    usable = width_px - 2 * margin
    blocks: list[tuple[TicketLine, ImageFont.FreeTypeFont, list[str], int]] = []
    for line in ticket_lines(layout):
        line = dataclasses.replace(line, text=device_text(line.text))
        font = _font_px(line.scale, width_px, line.bold)
        ascent, descent = font.getmetrics()
        line_height = round((ascent + descent) * (1.0 if line.scale >= 4 else 1.15))
        wrapped = _wrap(line.text, font, usable) if line.text else [""]
        blocks.append((line, font, wrapped, line_height if line.text else line_height // 2))
    qr = _qr_image(layout.status_url, width_px)
    height = margin + sum(h * len(w) for _l, _f, w, h in blocks) + qr.height + 2 * margin
    image = Image.new("L", (width_px, height), 255)
    draw = ImageDraw.Draw(image)
    y = margin
    for line, font, wrapped, line_height in blocks:
        for text in wrapped:
            text_width = font.getlength(text)
            x = {"left": margin, "right": width_px - margin - text_width}.get(line.align, (width_px - text_width) / 2)
            if line.inverted:
                draw.rectangle((x - margin / 2, y, x + text_width + margin / 2, y + line_height - 1), fill=0)
            draw.text((x, y), text, font=font, fill=255 if line.inverted else 0)
            y += line_height
    image.paste(qr, ((width_px - qr.width) // 2, y))
    return image


def render_png(layout: TicketLayout, width_px: int = DEFAULT_WIDTH_PX) -> bytes:
    """Render the ticket as PNG bytes ``width_px`` wide (576 for 80 mm paper, 384 for 58 mm)."""
    buffer = io.BytesIO()
    render_image(layout, width_px).save(buffer, format="PNG")
    return buffer.getvalue()
