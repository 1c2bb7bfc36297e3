"""Authentication of Socket.IO connections: the session cookie, or a token in the auth payload."""

from __future__ import annotations

from typing import Any

from flask import session

from ..accounts import Device, StaffMember
from .context import hall


def staff_from_socket(auth: Any) -> StaffMember | None:
    """The member of staff behind a connection: {"token": …} in auth, or the session cookie."""
    ctx = hall()
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        member = ctx.accounts.staff_for_token(auth["token"])
        if member is not None:
            # Flask-SocketIO keeps a session per connection: later events of this socket see it.
            session["staff"] = member.username
        return member
    username = session.get("staff")
    return ctx.accounts.staff(username) if username else None


def device_from_socket(auth: Any) -> Device | None:
    """The registered device behind a connection: {"device_token": …} in auth."""
    if isinstance(auth, dict) and isinstance(auth.get("device_token"), str):
        return hall().accounts.device_for_token(auth["device_token"])
    return None
