"""Authentication of Socket.IO connections: the session cookie, or a token in the auth payload.

Flask-SocketIO keeps a session per connection, copied from the cookie at the handshake. The login's secret
stays in it, and every event checks it again: a login ended on the server (logout, a changed password or
role, the idle timeout) stops the connection's events at once.
"""

from __future__ import annotations

from typing import Any

from flask import session
from flask_socketio import SocketIO, join_room

from ..accounts import Device, StaffMember
from .context import hall


def staff_from_socket(auth: Any) -> StaffMember | None:
    """The member of staff behind a connection: {"token": …} in auth, or the session cookie's login."""
    ctx = hall()
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        session["token"] = auth["token"]
    found = None
    if isinstance(session.get("token"), str):
        found = ctx.accounts.staff_for_token(session["token"])
    elif isinstance(session.get("login"), str):
        found = ctx.accounts.staff_for_cookie(session["login"])
    if found is None:
        return None
    join_room(login_room(found[1]))  # so that a logout can close this connection (end_login_sockets)
    return found[0]


def login_room(login_id: int) -> str:
    return f"login:{login_id}"


def end_login_sockets(socketio: SocketIO, login_id: int) -> int:
    """Disconnect this process's staff sockets of an ended login (other processes refuse their next event)."""
    server = socketio.server
    if server is None:
        return 0
    closed = 0
    for namespace in list(server.manager.get_namespaces()):
        for sid, _ in list(server.manager.get_participants(namespace, login_room(login_id))):
            server.disconnect(sid, namespace=namespace)
            closed += 1
    return closed


def device_from_socket(auth: Any) -> Device | None:
    """The registered device behind a connection: {"device_token": …} in auth."""
    if isinstance(auth, dict) and isinstance(auth.get("device_token"), str):
        return hall().accounts.device_for_token(auth["device_token"])
    return None
