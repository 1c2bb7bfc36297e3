"""Staff, devices and API tokens: who may do what."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from . import passwords
from .config import SecuritySettings
from .domain.clock import Clock
from .domain.errors import N_, InvalidInput, NotAuthenticated
from .domain.models import DEVICE_KINDS, ROLES
from .sessions import ActiveLogin, Login, StaffSessions
from .storage import Storage, repo

_KIOSK_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
#: Roles that may act at a counter; managers may stand in for a clerk.
COUNTER_ROLES = frozenset({"clerk", "manager", "admin"})
MANAGER_ROLES = frozenset({"manager", "admin"})


@dataclass(frozen=True)
class StaffMember:
    """A logged-in member of staff."""

    username: str
    display_name: str
    roles: frozenset[str]
    counter: int | None

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & roles)


@dataclass(frozen=True)
class Device:
    """A registered device (evaluator, kiosk, lobby screen …) and the counter it belongs to."""

    id: int
    kind: str
    counter: int | None
    name: str
    kiosk: str | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_device_token() -> str:
    """A device's secret: 256 random bits in hex.

    Hex, not URL-safe base64: a base64 token begins with "-" one time in 64, and the agent's command line
    (``onewindow agent --token TOKEN``) then reads it as an option and refuses to start.
    """
    return secrets.token_hex(32)


def _member(row: dict) -> StaffMember:
    return StaffMember(row["username"], row["display_name"], frozenset(row["roles"].split(",")), row["counter"])


def _from_login(login: ActiveLogin | None) -> tuple[StaffMember, int] | None:
    if login is None:
        return None
    return StaffMember(login.username, login.display_name, login.roles, login.counter), login.id


@functools.cache
def _dummy_hash() -> str:
    """A real scrypt hash of a random password, checked when the username is unknown (same cost, no match)."""
    return generate_password_hash(secrets.token_urlsafe(16))


class Accounts:
    """Staff passwords, bearer tokens and device tokens over the storage layer."""

    def __init__(self, storage: Storage, clock: Clock, security: SecuritySettings | None = None) -> None:
        self.storage = storage
        self.clock = clock
        self.sessions = StaffSessions(storage, clock, security)

    def add_staff(self, username: str, password: str, roles: list[str], *, display_name: str | None = None,
                  counter: int | None = None, policy: bool = True) -> StaffMember:
        """Create or update a member of staff; passwords meet hall.passwords' policy (only the demo hall's
        published accounts skip it: policy=False) and are stored as scrypt hashes."""
        username = username.strip()
        if (not username or len(username) > 64
                or not username.replace("_", "").replace("-", "").replace(".", "").isalnum()):
            raise InvalidInput(N_("usernames are 1-64 letters, digits, '.', '-' or '_'"))
        unknown = sorted(set(roles) - set(ROLES))
        if not roles or unknown:
            raise InvalidInput(N_("roles must be among {choices}; got {given}"),
                               choices=', '.join(ROLES), given=', '.join(unknown) or 'none')
        if policy:
            passwords.check(password, username=username, display_name=display_name or "")
        with self.storage.write() as db:
            if counter is not None and repo.counter(db, counter) is None:
                raise InvalidInput(N_("there is no counter {counter}"), counter=counter)
            repo.upsert_staff(db, {
                "username": username, "display_name": display_name or username, "roles": ",".join(sorted(set(roles))),
                "password_hash": generate_password_hash(password), "counter": counter, "active": 1,
                "created_at": self.clock.now(),
            })
        return StaffMember(username, display_name or username, frozenset(roles), counter)

    def authenticate(self, username: str, password: str) -> StaffMember:
        """The member of staff with these credentials, or NotAuthenticated.

        An unknown or inactive username costs the same scrypt check as a known one (against a dummy hash),
        so the time of the answer does not tell which usernames exist.
        """
        with self.storage.read() as db:
            row = repo.staff_member(db, username)
        stored = row["password_hash"] if row is not None and row["active"] else _dummy_hash()
        matches = check_password_hash(stored, password)
        if row is None or not row["active"] or not matches:
            raise NotAuthenticated(N_("wrong username or password"))
        return _member(row)

    def demo_passwords_in_use(self) -> list[str]:
        """The active accounts that still have their published demo password (a real hall must have none)."""
        found = []
        for username, password in passwords.published_demo_passwords().items():
            with self.storage.read() as db:
                row = repo.staff_member(db, username)
            if row is not None and row["active"] and check_password_hash(row["password_hash"], password):
                found.append(username)
        return found

    def staff(self, username: str) -> StaffMember | None:
        with self.storage.read() as db:
            row = repo.staff_member(db, username)
        return _member(row) if row and row["active"] else None

    @staticmethod
    def password_method() -> str:
        """The hashing method of new passwords (and of the dummy hash), e.g. "scrypt:32768:8:1"."""
        return _dummy_hash().split("$", 1)[0]

    def log_in(self, member: StaffMember, *, address: str | None = None) -> Login:
        """A new server-side login (a cookie secret and a bearer token) for a member just authenticated."""
        return self.sessions.start(member.username, address=address)

    def staff_for_cookie(self, secret: str) -> tuple[StaffMember, int] | None:
        """The member and login id behind a session cookie's secret, while that login is valid."""
        return _from_login(self.sessions.by_cookie(secret))

    def staff_for_token(self, token: str) -> tuple[StaffMember, int] | None:
        """The member and login id behind a bearer token, while that login is valid."""
        return _from_login(self.sessions.by_token(token))

    def add_device(self, kind: str, *, counter: int | None = None, name: str = "",
                   kiosk: str | None = None) -> tuple[Device, str]:
        """Register a device; returns it and its token (shown once, stored hashed).

        An agent or a kiosk may be registered for one kiosk (*kiosk*: a kiosk page with that token hears the
        cards swiped there); an agent for one counter; an agent with neither serves any kiosk and counter.
        """
        if kind not in DEVICE_KINDS:
            raise InvalidInput(N_("device kind must be one of {choices}"), choices=', '.join(DEVICE_KINDS))
        if kind == "evaluator" and counter is None:
            raise InvalidInput(N_("an evaluator belongs to a counter: give --counter"))
        if kiosk is not None and (kind not in ("agent", "kiosk") or not _KIOSK_ID.match(kiosk)):
            raise InvalidInput(N_("--kiosk takes 1-40 letters, digits, - or _, for an agent or a kiosk"))
        token = new_device_token()
        default_name = f"{kind}-{kiosk or counter or ''}".rstrip("-")
        with self.storage.write() as db:
            if counter is not None and repo.counter(db, counter) is None:
                raise InvalidInput(N_("there is no counter {counter}"), counter=counter)
            device_id = repo.insert_device(db, {"kind": kind, "counter": counter, "name": name or default_name,
                                                "kiosk": kiosk, "token_hash": hash_token(token),
                                                "created_at": self.clock.now(), "active": 1})
        return Device(device_id, kind, counter, name or default_name, kiosk), token

    def device_for_token(self, token: str) -> Device | None:
        with self.storage.read() as db:
            row = repo.device_by_token_hash(db, hash_token(token))
        return Device(row["id"], row["kind"], row["counter"], row["name"], row["kiosk"]) if row else None
