"""Prefecture logins: users with roles, sessions kept in PostgreSQL (so any server process can serve them)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from werkzeug.security import check_password_hash, generate_password_hash

from .db import Database
from .errors import Forbidden, InvalidInput, Unauthorised, _l
from .store import audit
from .store import users as store

ROLES = ("admin", "manager")
"""admin: halls, users and the catalogue standard; manager: the view, reports and the 好差评 export."""
SESSION_HOURS = 12


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    """A logged-in prefecture user."""

    username: str
    display_name: str
    roles: frozenset[str]

    def require(self, *roles: str) -> None:
        if not self.roles & set(roles):
            raise Forbidden(f"this needs the role {' or '.join(roles)}")


class Accounts:
    """Adds users, logs them in and out, finds the user of a session token."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_user(self, username: str, password: str, roles: list[str], display_name: str = "",
                 actor: str = "cli") -> User:
        if not username or len(username) > 40 or not username.replace("-", "").replace("_", "").isalnum():
            raise InvalidInput(_l("a username is 1-40 letters, digits, - or _"))
        if len(password) < 8:
            raise InvalidInput(_l("a password has at least 8 characters"))
        unknown = sorted(set(roles) - set(ROLES))
        if not roles or unknown:
            raise InvalidInput(f"roles must be some of {', '.join(ROLES)}")
        with self.db.transaction() as conn:
            store.upsert(conn, username, display_name or username, generate_password_hash(password), sorted(roles))
            audit.record(conn, actor, "user.saved", username, None, {"roles": sorted(roles)})
        return User(username, display_name or username, frozenset(roles))

    def login(self, username: str, password: str) -> tuple[User, str]:
        """A new session token for a right password; Unauthorised otherwise."""
        with self.db.transaction() as conn:
            row = store.user(conn, username)
            if row is None or not check_password_hash(row["password_hash"], password):
                raise Unauthorised(_l("wrong username or password"))
            token = secrets.token_urlsafe(32)
            store.insert_session(conn, token_hash(token), username,
                                 datetime.now(timezone.utc) + timedelta(hours=SESSION_HOURS))
        return User(row["username"], row["display_name"], frozenset(row["roles"])), token

    def user_of(self, token: str | None) -> User | None:
        if not token:
            return None
        with self.db.transaction() as conn:
            row = store.session_user(conn, token_hash(token))
        return User(row["username"], row["display_name"], frozenset(row["roles"])) if row else None

    def logout(self, token: str) -> None:
        with self.db.transaction() as conn:
            store.delete_session(conn, token_hash(token))
