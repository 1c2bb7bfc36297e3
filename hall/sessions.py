"""Server-side staff sessions: every login is a row that can be ended at any time.

A login hands out two secrets: one for the browser's session cookie, one as a bearer token for scripts and
sockets. Both name the same row, so logging out with either ends both. A login ends when its member logs
out, when their password, roles or active flag change (the row keeps a fingerprint of them), when it was
not used for ``idle_minutes``, and ``session_hours`` after it began. Only SHA-256 hashes of the secrets are
stored; the secrets are 256-bit random strings.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from .config import SecuritySettings
from .domain.clock import Clock
from .storage import Storage, repo
from .storage import sessions as store

logger = logging.getLogger(__name__)

#: last_seen_at is written at most this often per login: the idle timeout is this coarse, writes stay few.
TOUCH_SECONDS = 30.0
#: Ended logins are kept this long after they expired (who was logged in when), then forgotten.
KEEP_ENDED_SECONDS = 30 * 24 * 3600


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def credential_fingerprint(password_hash: str, roles: str, active: int) -> str:
    """What a login depends on: a new password, other roles or deactivation change it."""
    return hash_secret(f"{password_hash}\x1f{','.join(sorted(roles.split(',')))}\x1f{int(bool(active))}")


@dataclass(frozen=True)
class Login:
    """The two secrets of a new login (shown once) and its row id."""

    id: int
    cookie_secret: str
    token: str


@dataclass(frozen=True)
class ActiveLogin:
    """A login that is still valid, with its member's current staff row."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    counter: int | None


class StaffSessions:
    """Starts, checks and ends staff logins over the storage layer."""

    def __init__(self, storage: Storage, clock: Clock, settings: SecuritySettings | None = None) -> None:
        self.storage = storage
        self.clock = clock
        self.settings = settings or SecuritySettings()

    def start(self, username: str, *, address: str | None = None) -> Login:
        """A new login for *username* (whose password was just checked)."""
        cookie_secret, token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.storage.write() as db:
            staff = repo.staff_member(db, username)
            if staff is None:
                raise LookupError(username)
            login_id = store.insert_session(db, {
                "username": username, "cookie_hash": hash_secret(cookie_secret), "token_hash": hash_secret(token),
                "credential": credential_fingerprint(staff["password_hash"], staff["roles"], staff["active"]),
                "created_at": now, "last_seen_at": now, "expires_at": now + self.settings.session_hours * 3600,
                "address": (address or "")[:64] or None,
            })
        logger.info("login %d started for %s", login_id, username)
        return Login(login_id, cookie_secret, token)

    def by_cookie(self, secret: str) -> ActiveLogin | None:
        """The login behind a session cookie's secret, if it is still valid (and marks it used)."""
        return self._check("cookie_hash", secret)

    def by_token(self, token: str) -> ActiveLogin | None:
        """The login behind a bearer token, if it is still valid (and marks it used)."""
        return self._check("token_hash", token)

    def end(self, login_id: int, reason: str = "logout") -> None:
        with self.storage.write() as db:
            store.revoke(db, login_id, self.clock.now(), reason)
        logger.info("login %d ended: %s", login_id, reason)

    def end_all(self, username: str, reason: str) -> int:
        """End every login of *username* (after an administrator changed the account)."""
        with self.storage.write() as db:
            ended = store.revoke_user(db, username, self.clock.now(), reason)
        if ended:
            logger.info("%d login(s) of %s ended: %s", ended, username, reason)
        return ended

    def purge(self) -> int:
        """Forget logins that expired more than KEEP_ENDED_SECONDS ago (the periodic retention job)."""
        with self.storage.write() as db:
            return store.purge_expired(db, self.clock.now() - KEEP_ENDED_SECONDS)

    def _check(self, column: str, secret: str) -> ActiveLogin | None:
        if not secret or len(secret) > 200:
            return None
        now = self.clock.now()
        with self.storage.read() as db:
            row = store.session_by(db, column, hash_secret(secret))
        if row is None or row["revoked_at"] is not None:
            return None
        reason = self._ended(row, now)
        if reason:
            self.end(row["id"], reason)
            return None
        if now - row["last_seen_at"] >= TOUCH_SECONDS:
            with self.storage.write() as db:
                store.touch(db, row["id"], now)
        return ActiveLogin(row["id"], row["username"], row["display_name"], frozenset(row["roles"].split(",")),
                           row["counter"])

    def _ended(self, row: dict, now: float) -> str | None:
        if now >= row["expires_at"]:
            return "expired"
        idle = self.settings.idle_minutes * 60
        if idle and now - row["last_seen_at"] > idle:
            return "idle"
        if not row["active"]:
            return "deactivated"
        if credential_fingerprint(row["password_hash"], row["roles"], row["active"]) != row["credential"]:
            return "credentials changed"
        return None
