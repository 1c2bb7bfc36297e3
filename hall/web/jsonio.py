"""JSON requests of the API: one guard for every write, and the helpers views use to read bodies."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import jsonify, request

from ..domain.errors import N_, InvalidInput
from .auth import same_origin_write
from .conformance import check_known_caller
from .errors import say

MAX_TEXT = 200
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
_SEND_JSON = N_("Send the request body as JSON (Content-Type: application/json).")


def guard_api_writes() -> Any:
    """Every write must come from this site, and every write under /api must be JSON (a cross-site form can
    send neither: CSRF)."""
    if request.method not in WRITES:
        return None
    same_origin_write()
    if request.routing_exception is not None:
        return None  # 404 or 405 (with Allow) say more than "send JSON"
    if request.method == "DELETE" and not request.content_length:
        return None  # nothing to send: a form cannot DELETE, and the origin was checked above
    if request.path.startswith("/api/") and not request.is_json:
        return jsonify(error="unsupported_media_type", message=say(_SEND_JSON)), 415
    return None


def body() -> dict[str, Any]:
    """The request's JSON object ({} when there is no body), checked against the API document; or InvalidInput."""
    check_known_caller()
    data = request.get_json(silent=True)
    if data is None and request.content_length:
        raise InvalidInput(N_("the request body is not valid JSON"))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput(N_("the request body must be a JSON object"))
    return data


def field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
    """One typed field of a JSON body: text is at most MAX_TEXT long, whole numbers fit 32 bits."""
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidInput(N_("{name!r} is required"), name=name)
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise InvalidInput(N_("{name!r} must be {names}"), name=name, names=names)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise InvalidInput(N_("{name!r} is too long (at most {max_text} characters)"), name=name, max_text=MAX_TEXT)
    if isinstance(value, int) and not -(2**31) < value < 2**31:
        raise InvalidInput(N_("{name!r} is out of range"), name=name)
    return value


def refuse_unknown(data: dict[str, Any], known: set[str]) -> None:
    """InvalidInput naming the fields the endpoint does not know."""
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(N_("unknown field(s): {fields}; expected: {expected}"),
                           fields=', '.join(unknown), expected=', '.join(sorted(known)))


def date_param(value: str | None) -> date:
    """A YYYY-MM-DD request parameter; InvalidInput when it is not a date (in exactly that form)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise InvalidInput(N_("not a date (YYYY-MM-DD): {value!r}"), value=value)
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(N_("not a date (YYYY-MM-DD): {value!r}"), value=value) from None
