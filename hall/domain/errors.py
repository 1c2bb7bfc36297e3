"""The domain's exception hierarchy, mapped to HTTP status codes in one place."""

from __future__ import annotations


class HallError(Exception):
    """Base class of every error the hall core raises on purpose."""

    status: int = 400
    code: str = "hall_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


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
