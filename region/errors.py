"""The prefecture's exceptions, each with its HTTP status and a stable error code."""

from __future__ import annotations

from typing import Any


def _l(text: str) -> str:
    """Marks a fixed message for the translation catalogue; the app translates it when it answers."""
    return text


class RegionError(Exception):
    """Base of every error the prefecture reports to a caller."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(RegionError):
    """A parameter or document is malformed."""

    status = 400
    code = "invalid_input"


class BadBatch(RegionError):
    """An ingest batch has a bad record; nothing of it is stored. ``details['index']`` names the record."""

    status = 422
    code = "bad_record"


class Unauthorised(RegionError):
    """No valid hall token or login."""

    status = 401
    code = "unauthorised"


class Forbidden(RegionError):
    """Logged in, but this role may not do that."""

    status = 403
    code = "forbidden"


class NotFound(RegionError):
    status = 404
    code = "not_found"


class Gap(RegionError):
    """The batch starts after events the prefecture does not have; ``details['acknowledged']`` says where to resume."""

    status = 409
    code = "gap"


class Diverged(RegionError):
    """The hall's log no longer matches what it shipped before (restored from an older backup)."""

    status = 409
    code = "diverged"


class Conflict(RegionError):
    status = 409
    code = "conflict"
