"""The phone's own signed cookie: which verified number this browser holds (never the number itself).

Kept apart from the staff session: a citizen's phone never holds a staff cookie, and logging a clerk out
never touches a citizen's verification. The cookie carries the contact's id, signed with the hall's
secret and valid for ``MAX_AGE_SECONDS``; the database says whether that number is still verified and held.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "ow_phone"
MAX_AGE_SECONDS = 12 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="onewindow-phone")


def current_contact() -> int | None:
    """The verified contact this browser holds, if its cookie is genuine and fresh."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    contact = data.get("c") if isinstance(data, dict) else None
    return contact if isinstance(contact, int) else None


def remember(response: Any, contact_id: int) -> Any:
    secure = current_app.extensions["onewindow"].config.hall.public_url.startswith("https://")
    response.set_cookie(COOKIE, _serializer().dumps({"c": contact_id}), max_age=MAX_AGE_SECONDS, httponly=True,
                        samesite="Lax", secure=secure, path="/")
    return response


def forget(response: Any) -> Any:
    response.delete_cookie(COOKIE, path="/")
    return response
