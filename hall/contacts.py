"""Citizens' phone numbers: verified by a one-time code, kept only as long as a ticket or booking needs them.

A number is stored with its keyed hash (to find it again: one open remote ticket per number) and its
masked form (138****5678). ``needed_until`` moves forward with each ticket or booking that uses it; the
owner process's retention job erases the number and its hash once that time is ``retention_hours``
past, keeping only the masked form. Codes are stored as keyed hashes, tried at most five times and
valid for ``code_minutes``. Requests for codes are limited per number and per client address, in the
database, so every server process keeps to the same limits. Numbers are never logged unmasked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .domain.clock import Clock
from .domain.errors import N_, HallError, InvalidInput
from .phone_config import PhoneSettings
from .privacy import mask_phone
from .storage import Storage
from .storage import contacts as store

logger = logging.getLogger(__name__)

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5
#: Limits on code requests: (seconds, how many) per number, and per client address.
PER_NUMBER = ((60, 1), (3600, 5), (86_400, 10))
PER_ADDRESS = ((3600, 20),)
#: A verified number no ticket or booking uses yet is kept this long.
VERIFIED_KEEP_SECONDS = 2 * 3600


class BadPhoneNumber(InvalidInput):
    """Not a mainland mobile number."""

    code = "bad_phone_number"


class TooManyCodes(HallError):
    """Too many code requests for this number or from this address; the details say when to try again."""

    status = 429
    code = "too_many_codes"


class WrongCode(HallError):
    """The code does not match, has expired or was tried too often."""

    status = 400
    code = "wrong_code"


@dataclass(frozen=True)
class CodeSent:
    """A code is on its way: to which contact (masked), valid until when, and when another may be asked."""

    contact: int
    masked: str
    expires_at: float
    again_at: float


@dataclass(frozen=True)
class Contact:
    """A citizen's number as the hall may show it."""

    id: int
    masked: str
    verified: bool
    erased: bool


def normalise_phone(text: Any) -> str:
    """A mainland mobile number as people type it (+86, spaces, dashes, full-width digits) → 13812345678."""
    if not isinstance(text, str) or len(text) > 40:
        raise BadPhoneNumber(N_("give a mobile phone number of 11 digits"))
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace() and ch not in "-()+.")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _MOBILE.match(digits):
        raise BadPhoneNumber(N_("give a mobile phone number of 11 digits"))
    return digits


class Contacts:
    """Asks for and checks one-time codes, links numbers to what needs them, erases them after retention."""

    def __init__(self, storage: Storage, clock: Clock, key: bytes, settings: Callable[[], PhoneSettings],
                 on_queued: Callable[[], object] | None = None) -> None:
        self.storage = storage
        self.clock = clock
        self._key = key
        self.settings = settings
        self.on_queued = on_queued

    def digest(self, value: str, purpose: str) -> str:
        """A keyed hash of *value* (a number, a code, an address): never reversible without the hall's key."""
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    # ---- codes ---------------------------------------------------------------------------

    def request_code(self, phone: str, address: str) -> CodeSent:
        """Send a one-time code to *phone* (by SMS); TooManyCodes when this number or address asked too often."""
        number = normalise_phone(phone)
        now = self.clock.now()
        settings = self.settings()
        address_hash = self.digest(address or "?", "address")
        with self.storage.write() as db:
            contact = self._contact_of(db, number, now)
            self._limit(store.codes_since, db, contact, PER_NUMBER, now, "number")
            self._limit(store.address_codes_since, db, address_hash, PER_ADDRESS, now, "address")
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            expires = now + settings.code_minutes * 60
            store.insert_code(db, {"contact": contact, "code_hash": self.digest(f"{contact}:{code}", "code"),
                                   "address_hash": address_hash, "created_at": now, "expires_at": expires})
            store.extend(db, contact, expires)
            masked = mask_phone(number) or ""
            store.queue_sms(db, contact=contact, masked=masked, kind="code",
                            params={"code": code, "minutes": settings.code_minutes}, at=now)
        logger.info("one-time code queued for %s", masked)
        if self.on_queued is not None:
            self.on_queued()
        return CodeSent(contact, masked, expires, now + PER_NUMBER[0][0])

    @staticmethod
    def _limit(count: Callable[..., int], db: Any, who: Any, limits: tuple[tuple[int, int], ...], now: float,
               kind: str) -> None:
        for seconds, allowed in limits:
            if count(db, who, now - seconds) >= allowed:
                raise TooManyCodes(N_("too many codes were asked for this {kind}; try again later"), kind=kind,
                                   per=kind, retry_seconds=seconds if seconds < 3600 else 3600)

    def _contact_of(self, db: Any, number: str, now: float) -> int:
        found = store.contact_by_hash(db, self.digest(number, "phone"))
        if found is not None:
            return int(found["id"])
        return store.insert_contact(db, {"phone": number, "phone_hash": self.digest(number, "phone"),
                                         "phone_masked": mask_phone(number), "created_at": now,
                                         "needed_until": now})

    def verify(self, phone: str, code: str) -> Contact:
        """Check a code: the contact, now verified; WrongCode (and one attempt counted) otherwise."""
        number = normalise_phone(phone)
        if not isinstance(code, str) or not code.strip().isascii() or not code.strip().isdigit() \
                or len(code.strip()) != CODE_DIGITS:
            raise WrongCode(N_("the code has {code_digits} digits"), code_digits=CODE_DIGITS)
        now = self.clock.now()
        with self.storage.write() as db:
            found = store.contact_by_hash(db, self.digest(number, "phone"))
            latest = store.latest_code(db, int(found["id"])) if found else None
            if found is None or latest is None or latest["used_at"] is not None or latest["expires_at"] < now:
                raise WrongCode(N_("this code is wrong or has expired; ask for a new one"))
            if latest["attempts"] >= MAX_CODE_ATTEMPTS:
                raise WrongCode(N_("this code was tried too often; ask for a new one"))
            if not hmac.compare_digest(latest["code_hash"], self.digest(f"{found['id']}:{code.strip()}", "code")):
                store.count_attempt(db, latest["id"])
                wrong = True
            else:
                store.use_code(db, latest["id"], now)
                store.verified(db, int(found["id"]), now, now + VERIFIED_KEEP_SECONDS)
                wrong = False
        if wrong:  # the failed attempt is committed before the refusal
            raise WrongCode(N_("this code is wrong or has expired; ask for a new one"))
        return self.contact(int(found["id"]))

    # ---- contacts -----------------------------------------------------------------------------

    def contact(self, contact_id: int) -> Contact:
        with self.storage.read() as db:
            row = store.contact(db, contact_id)
        if row is None:
            raise WrongCode(N_("verify your phone number first"))
        return Contact(row["id"], row["phone_masked"], row["verified_at"] is not None, row["erased_at"] is not None)

    def usable(self, db: Any, contact_id: int | None) -> bool:
        """Whether *contact_id* is a verified number the hall still holds (inside a transaction)."""
        if contact_id is None:
            return False
        row = store.contact(db, contact_id)
        return row is not None and row["verified_at"] is not None and row["erased_at"] is None

    @staticmethod
    def need_until(db: Any, contact_id: int, until: float) -> None:
        """A ticket or booking needs the number until *until* (inside the caller's transaction)."""
        store.extend(db, contact_id, until)

    def phone_of(self, db: Any, contact_id: int) -> tuple[str | None, str]:
        """(the number, or None once erased; its masked form), for the SMS worker only."""
        row = store.contact(db, contact_id)
        if row is None:
            return None, ""
        return row["phone"], row["phone_masked"]

    def last_digits_match(self, db: Any, contact_id: int | None, digits: str) -> bool:
        """Whether the number of *contact_id* ends with *digits* (arrival at the kiosk)."""
        if contact_id is None:
            return False
        phone, _ = self.phone_of(db, contact_id)
        return phone is not None and len(digits) == 4 and digits.isascii() and \
            hmac.compare_digest(phone[-4:].encode(), digits.encode())

    # ---- retention ------------------------------------------------------------------------------

    def erase_expired(self, batch: int = 500) -> int:
        """Erase the numbers no ticket or booking has needed for ``retention_hours``; returns how many."""
        now = self.clock.now()
        retention = self.settings().retention_hours * 3600
        erased = 0
        while True:
            with self.storage.write() as db:
                ids = store.contacts_to_erase(db, now - retention, batch)
                store.erase(db, ids, now)
                store.drop_codes_before(db, now - 86_400)
            erased += len(ids)
            if len(ids) < batch:
                break
        if erased:
            logger.info("erased %d phone number(s) past their retention", erased)
        return erased


def sms_params(row: Any) -> dict[str, Any]:
    """The template parameters of a queued SMS."""
    return dict(json.loads(row["params"] or "{}"))
