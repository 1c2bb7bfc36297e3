"""The domain's exception hierarchy, mapped to HTTP status codes in one place."""

from __future__ import annotations


class Template(str):
    """A message template marked for translation: English with ``{name}`` placeholders filled from the details."""


def N_(text: str) -> Template:
    """Mark *text* as a message template: Babel extracts it (keyword N_), it is translated where it is shown."""
    return Template(text)


class HallError(Exception):
    """Base class of every error the hall core raises on purpose.

    ``message`` is English; raised with ``N_("no ticket {number} today", number=…)`` it is also a template the
    web layer translates into the reader's language (``hall.web.errors.translated``), filled with the same values.
    """

    status: int = 400
    code: str = "hall_error"

    def __init__(self, message: str, **details: object) -> None:
        self.template: Template | None = message if isinstance(message, Template) else None
        if self.template is not None:
            message = fill(self.template, details)
        super().__init__(message)
        self.message = message
        self.details = details


def role_names(roles: object) -> tuple[Template, ...]:
    """The labels of *roles* (in a fixed order), as a detail a message template names them by."""
    from .models import ROLE_LABELS, ROLES

    wanted = {str(r) for r in roles}  # type: ignore[attr-defined]
    return tuple(ROLE_LABELS[r] for r in ROLES if r in wanted) + tuple(N_(r) for r in sorted(wanted - set(ROLES)))


def fill(template: str, values: dict[str, object]) -> str:
    """*template* with its placeholders filled; left as it is if a value is missing (never fails)."""
    values = {k: ", ".join(v) if isinstance(v, tuple) and all(isinstance(i, Template) for i in v) else v
              for k, v in values.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


class InvalidInput(HallError):
    """The request is malformed or a value is out of range."""

    status = 400
    code = "invalid_input"


class UnknownService(HallError):
    """No active service item or bundle has that code."""

    status = 404
    code = "unknown_service"


class UnknownTicket(HallError):
    """No ticket has that id, token or number today."""

    status = 404
    code = "unknown_ticket"


class UnknownCounter(HallError):
    """No counter has that number."""

    status = 404
    code = "unknown_counter"


class UnknownDevice(HallError):
    """No active device (evaluator, keypad …) has that id."""

    status = 404
    code = "unknown_device"


class IllegalTransition(HallError):
    """The ticket or counter is not in a state that allows the action."""

    status = 409
    code = "illegal_transition"


class CounterBusy(HallError):
    """The counter already has a ticket in hand."""

    status = 409
    code = "counter_busy"


class NotAuthorised(HallError):
    """The caller lacks the role, device or counter needed for the action."""

    status = 403
    code = "not_authorised"


class NotAuthenticated(HallError):
    """The caller is not logged in (or its token is invalid)."""

    status = 401
    code = "not_authenticated"


class AlreadyRated(HallError):
    """The ticket already has its one rating."""

    status = 409
    code = "already_rated"


class RatingClosed(HallError):
    """The ticket can no longer be rated (not finished, or its window passed)."""

    status = 409
    code = "rating_closed"


class IdCardRequired(HallError):
    """The item is taken only with an ID card swiped at the kiosk."""

    status = 409
    code = "id_card_required"


class AlreadyHasTicket(HallError):
    """The person whose card was swiped has an open ticket for this item today (one per person and item)."""

    status = 409
    code = "already_has_ticket"
