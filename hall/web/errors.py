"""Error messages in the reader's language: a domain error's template through the gettext catalogues."""

from __future__ import annotations

from flask_babel import gettext

from ..domain.errors import HallError, fill


def translated(exc: HallError) -> str:
    """The message of *exc* for this request's language (its English text when it was raised without a template)."""
    if exc.template is None:
        return exc.message
    return fill(gettext(str(exc.template)), exc.details)
