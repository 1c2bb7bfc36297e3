"""Who is calling: staff sessions, bearer tokens and device tokens; role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for

from ..accounts import Device, StaffMember
from ..commands import Actor
from ..domain.errors import N_, NotAuthenticated, NotAuthorised, role_names
from .conformance import check_known_caller
from .context import hall
from .security import origin_check
from .throttle import throttle

F = TypeVar("F", bound=Callable)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def current_staff() -> StaffMember | None:
    """The member of staff behind this request (session cookie or bearer token), while their login is valid."""
    if "staff" not in g:
        found = None
        token = bearer_token()
        if token:
            found = hall().accounts.staff_for_token(token)
        elif isinstance(session.get("login"), str):
            found = hall().accounts.staff_for_cookie(session["login"])
            if found is None:
                session.pop("login", None)  # ended on the server: the browser forgets it too
        g.staff, g.login_id = found if found else (None, None)
    return g.staff


def current_login_id() -> int | None:
    """The server-side login of this request's member of staff, if any."""
    current_staff()
    return g.login_id


def current_device() -> Device | None:
    """The registered device behind this request's bearer token, if any."""
    if "device" not in g:
        token = bearer_token()
        g.device = hall().accounts.device_for_token(token) if token else None
    return g.device


def current_actor() -> Actor:
    """Who makes this request, for the command layer: a device (by its token), else a member of staff, else nobody."""
    device = current_device()
    if device is not None:
        return Actor.of_device(device)
    member = current_staff()
    if member is not None:
        return Actor.of_staff(member)
    return Actor("anonymous", None)


def require_staff(roles: frozenset[str]) -> Callable[[F], F]:
    """Refuse the request (401/403) unless a member of staff with one of *roles* makes it."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            member = current_staff()
            if member is None:
                raise NotAuthenticated(N_("log in as a member of staff first"))
            if not member.has_any(roles):
                raise NotAuthorised(N_("this needs one of these roles: {roles}"), roles=role_names(roles))
            check_known_caller()  # the request against the API document, now that the caller may make it
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def page_requires_staff(roles: frozenset[str]) -> Callable[[F], F]:
    """Like require_staff, but a browser without a session is sent to the login page."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            member = current_staff()
            if member is None:
                return redirect(url_for("console.login", next=request.full_path))
            if not member.has_any(roles):
                raise NotAuthorised(N_("this page needs one of these roles: {roles}"), roles=role_names(roles))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def log_in(username: str, password: str) -> tuple[StaffMember, str]:
    """Check credentials (throttled: hall.web.throttle), start a server-side login and its session cookie;
    returns the member and the login's bearer token."""
    throttle().login_attempt(username)
    member = hall().accounts.authenticate(username, password)
    address = request.remote_addr
    login = hall().accounts.log_in(member, address=address)
    session.clear()
    session["login"] = login.cookie_secret
    session.permanent = True
    g.staff, g.login_id = member, login.id
    return member, login.token


def log_out() -> None:
    """End this request's login on the server (its cookie and its token alike) and clear the cookie."""
    login_id = current_login_id()
    if login_id is not None:
        from .extensions import socketio
        from .socket_auth import end_login_sockets

        hall().accounts.sessions.end(login_id, "logout")
        end_login_sockets(socketio, login_id)
    session.clear()
    g.staff, g.login_id = None, None


def same_origin_write() -> None:
    """Refuse a state-changing request sent from another site (CSRF), whether it is JSON, a form or anything else.

    A browser marks where a request comes from: Sec-Fetch-Site, and Origin (or at least Referer) on every
    POST/PUT/PATCH/DELETE. Any of them naming a foreign origin refuses the request; a request with none is a
    script or a device, which authenticates with a bearer token, not with the staff's cookie.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        raise NotAuthorised(N_("cross-site request refused"))
    origin = request.headers.get("Origin") or _origin_of(request.headers.get("Referer"))
    if origin is None:
        return
    if origin == "null" or not origin_check(current_app)(origin, request.environ):
        raise NotAuthorised(N_("cross-site request refused"))


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"
