"""Throttling of logins and booking-code check-ins: moving windows of the ``limits`` library, in Redis when
several server processes share ``[server] message_queue = "redis://…"``, in memory otherwise.

Every attempt is counted *before* the password or the code is checked, in one atomic step of the storage
(a lock in memory, a Lua script in Redis), so parallel guesses cannot slip past the count. Logins are
counted three ways (``[security]``): per client address (through the trusted proxy's forwarded address),
per account and address, and per account. The per-account windows are short and stepped (seconds, then a
minute, then an hour), so a mistyping clerk waits a little, a guesser waits longer and longer, and nobody
can lock the real user out for long: there is backoff, no lockout.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, current_app, jsonify, request
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..config import Config
from ..domain.errors import HallError

logger = logging.getLogger(__name__)

EXTENSION = "onewindow.throttle"


class TooManyAttempts(HallError):
    """Too many logins or check-ins for now; ``retry_after`` says how many seconds to wait."""

    status = 429
    code = "too_many_attempts"


def client_address() -> str:
    """The client's address: the proxy's forwarded one when [server] proxy_hops trusts it (ProxyFix)."""
    return request.remote_addr or "unknown"


def storage_uri(config: Config) -> str:
    """Redis when the processes share one (their message queue), else this process's memory."""
    queue = config.message_queue or ""
    return queue if queue.startswith(("redis://", "rediss://", "redis+unix://")) else "memory://"


class Throttle:
    """Counts attempts against named windows; refuses (429, Retry-After) once one is full."""

    def __init__(self, config: Config) -> None:
        # ``limits`` itself, not Flask-Limiter: no route here has a decorated limit, and Flask-Limiter's
        # before/after/teardown hooks on every request cost about 4 % of a ticket's CPU.
        self.windows = MovingWindowRateLimiter(storage_from_string(storage_uri(config), key_prefix="onewindow"))
        security = config.security
        self.login_per_address = parse_many(security.login_per_address)
        self.login_per_account_address = parse_many(security.login_per_account_address)
        self.login_per_account = parse_many(security.login_per_account)
        self.check_in_per_address = parse_many(security.check_in_per_address)

    def login_attempt(self, username: str) -> None:
        """Count one login attempt for *username* from this client; TooManyAttempts when one window is full."""
        address = client_address()
        account = username.strip()[:64]
        self._hit("login-address", self.login_per_address, address)
        self._hit("login-account-address", self.login_per_account_address, f"{account}\x1f{address}")
        self._hit("login-account", self.login_per_account, account)

    def check_in_attempt(self) -> None:
        """Count one booking-code check-in from this client (a kiosk); TooManyAttempts when too many."""
        self._hit("check-in-address", self.check_in_per_address, client_address())

    def _hit(self, scope: str, items: list[RateLimitItem], key: str) -> None:
        strategy = self.windows
        for item in items:
            if not strategy.hit(item, scope, key):
                reset = strategy.get_window_stats(item, scope, key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                logger.warning("throttled %s for %s: %s", scope, _loggable(scope, key), item)
                raise TooManyAttempts(_("Too many attempts. Please wait %(seconds)s seconds and try again.",
                                        seconds=wait), retry_after=wait, scope=scope)


def _loggable(scope: str, key: str) -> str:
    """The key without anything personal: accounts and addresses are fine, booking codes never reach here."""
    return key.replace("\x1f", " from ")


def throttle() -> Throttle:
    """The throttle of the current app."""
    return current_app.extensions[EXTENSION]


def install_throttle(app: Flask, config: Config) -> Throttle:
    """Create the app's throttle and answer its refusals with 429 and a Retry-After header."""
    found = Throttle(config)
    app.extensions[EXTENSION] = found

    @app.errorhandler(TooManyAttempts)
    def too_many(exc: TooManyAttempts) -> Any:
        response = jsonify(error=exc.code, message=exc.message,
                           details={"retry_after": exc.details["retry_after"], "scope": exc.details["scope"]})
        response.status_code = 429
        response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response

    return found
