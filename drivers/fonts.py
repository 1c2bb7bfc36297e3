"""Find a font on the system that can draw Chinese, for tickets and previews rendered as images."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PIL import ImageFont

logger = logging.getLogger(__name__)

# Checked in order; the first existing file wins. Debian/Ubuntu package names in comments.
CJK_FONT_CANDIDATES: dict[bool, tuple[str, ...]] = {
    False: (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora / Arch
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
        "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    ),
    True: (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    ),
}

# Fallback search when none of the known paths exists: file name fragments, case-insensitive.
_NAME_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "wqy", "simhei", "msyh")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_FONT_SUFFIXES = (".ttc", ".otf", ".ttf")


class FontNotFoundError(LookupError):
    """No font able to draw Chinese text was found on this machine."""


def find_cjk_font(bold: bool = False) -> Path:
    """Return the path of a font file that can draw Simplified Chinese (bold falls back to regular)."""
    weights = (True, False) if bold else (False,)
    for weight in weights:
        for candidate in CJK_FONT_CANDIDATES[weight]:
            path = Path(candidate)
            if path.is_file():
                return path
    for directory in _FONT_DIRS:
        root = Path(directory).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            name = path.name.lower()
            if path.suffix.lower() in _FONT_SUFFIXES and any(h in name for h in _NAME_HINTS):
                if bold == ("bold" in name) or not bold:
                    return path
    raise FontNotFoundError(
        "No Chinese (CJK) font found. Install one, e.g. `apt-get install fonts-noto-cjk` "
        f"(looked in {', '.join(CJK_FONT_CANDIDATES[False][:1] + _FONT_DIRS)})."
    )


@functools.lru_cache(maxsize=8)
def _simplified_chinese_face_index(path: Path) -> int:
    """Pick the Simplified Chinese face of a font collection (Noto CJK .ttc holds JP, KR, SC, TC …)."""
    if path.suffix.lower() != ".ttc":
        return 0
    for index in range(16):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family and " SC" in family:
            return index
    return 0


@functools.lru_cache(maxsize=64)
def load_cjk_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Return a Pillow font of ``size`` pixels that draws Chinese with Simplified glyph shapes."""
    path = find_cjk_font(bold)
    index = _simplified_chinese_face_index(path)
    font = ImageFont.truetype(str(path), size, index=index)
    logger.debug("Using CJK font %s (face %d) at %d px", path, index, size)
    return font
