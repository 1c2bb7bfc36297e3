"""No personal data in the server's log: every record is masked before a handler writes it.

Phone and ID numbers in a message are masked as on screens (hall.privacy.mask_text), and the secrets that
travel in URLs and headers are cut: a ticket's token (/t/…, /status/…, /kiosk/…/ticket/…, ?token=…), bearer
tokens and booking codes. The access log of the server and every module logger go through it.
"""

from __future__ import annotations

import logging
import re

from .privacy import mask_text

#: (what stays, the secret after it): status tokens, booking codes, token and code parameters, bearer tokens.
_SECRETS = re.compile(r"(?P<keep>/t/|/status/|/ticket/|/appointments/(?=\d)|[?&](?:token|code)=|Bearer\s+)"
                      r"(?P<secret>[^/\s?&\"']+)", re.IGNORECASE)


def redact(text: str) -> str:
    """*text* as the log may keep it."""
    return mask_text(_SECRETS.sub(lambda m: m.group("keep") + "…", text)) or ""


class PersonalDataFilter(logging.Filter):
    """Masks personal data and secrets in every record it sees (attach it to the handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: log it as it is
            return True
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def protect_handlers(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of *logger* (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
