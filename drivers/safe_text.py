"""Text that may reach a device: hall names, item names, notices, LED texts.

A printer or an LED board reads control bytes inside a text as commands: a notice
``"ABC\\x1bp\\x00\\x19\\xfa"`` fires an ESC/POS cash-drawer pulse, ``"\\x1dV\\x00"`` cuts the
paper. Every driver passes the texts it is given through ``device_text`` just before
encoding them, so no configured or typed text can become a command (issue 13 item 13).
"""

from __future__ import annotations

import unicodedata

#: Categories removed: C0/C1 controls and DEL (Cc), invisible format characters such as
#: bidi overrides and zero-width joiners (Cf), lone surrogates (Cs), unassigned code
#: points (Cn). Private-use characters (Co) stay: GB18030 maps a few real characters there.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn"})
#: Line and tab breaks become one space, so "第一行\n第二行" stays two readable words.
_AS_SPACE = frozenset("\t\n\r\v\f\x85\u2028\u2029")


def device_text(text: str) -> str:
    """``text`` without control, format and unassigned characters; line breaks and tabs become spaces."""
    if text.isprintable():  # the common case: nothing to remove (space is printable, other Zs are not)
        return text
    kept: list[str] = []
    for char in text:
        if char in _AS_SPACE:
            kept.append(" ")
        elif unicodedata.category(char) not in _REMOVED_CATEGORIES:
            kept.append(char)
    return "".join(kept)
