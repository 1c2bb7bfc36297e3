"""Who is calling: staff sessions, bearer tokens and device tokens; role checks."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import g, redirect, request, session, url_for

from ..accounts import Device, StaffMember
from ..commands import Actor
from ..domain.errors import N_, HallError, NotAuthenticated, NotAuthorised, role_names
from .context import hall

F = TypeVar("F", bound=Callable)


class TooManyAttempts(HallError):
    """Too many failed logins from one address for one username."""

    status = 429
    code = "too_many_attempts"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def current_staff() -> StaffMember | None:
    """The member of staff behind this request (session cookie or bearer token), if any."""
    if "staff" not in g:
        member = None
        token = bearer_token()
        if token:
            member = hall().accounts.staff_for_token(token)
        elif session.get("staff"):
            member = hall().accounts.staff(session["staff"])
        g.staff = member
    return g.staff


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
                raise NotAuthenticated("log in as a member of staff first")
            if not member.has_any(roles):
                raise NotAuthorised(N_("this needs one of these roles: {roles}"), roles=role_names(roles))
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


class LoginLimiter:
    """At most *limit* failed logins per (address, username) within *window* seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, address: str, username: str) -> None:
        now = time.monotonic()
        with self._lock:
            failures = self._failures[(address, username)]
            while failures and now - failures[0] > self.window:
                failures.popleft()
            if len(failures) >= self.limit:
                raise TooManyAttempts("too many failed logins; wait a few minutes and try again")

    def failed(self, address: str, username: str) -> None:
        with self._lock:
            self._failures[(address, username)].append(time.monotonic())

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username), None)


def log_in(username: str, password: str, limiter: LoginLimiter) -> StaffMember:
    """Check credentials (rate-limited) and start a session."""
    address = request.remote_addr or "?"
    limiter.check(address, username)
    try:
        member = hall().accounts.authenticate(username, password)
    except NotAuthenticated:
        limiter.failed(address, username)
        raise
    limiter.succeeded(address, username)
    session.clear()
    session["staff"] = member.username
    session.permanent = True
    g.staff = member
    return member


def same_origin_write() -> None:
    """Refuse a state-changing request whose Origin (or Referer) names another site: CSRF defence in depth."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return  # scripts with a bearer token send neither; browsers always send Origin on fetch POST/PUT
    from urllib.parse import urlsplit

    if urlsplit(origin).netloc != request.host:
        raise NotAuthorised("cross-site request refused")
