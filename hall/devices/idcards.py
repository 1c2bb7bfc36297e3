"""ID cards swiped at a kiosk: what the hall keeps of the holder, and how the kiosk page hears of the swipe.

Privacy (个人信息保护法 Art. 28, GB/T 35273): the full ID number is never stored or logged. The hall keeps
a keyed hash (HMAC-SHA256 under a key in the instance folder, ``id_card_key``, readable by the server's
user only) for the one-open-ticket-per-item rule, the masked number (``5323**********1234``) and the
masked name (``张*``). A read becomes a *swipe*: a row with a random token that expires after
``[id_card] swipe_seconds``, and a ``card_swiped`` event in the log naming only the kiosk and the row;
every server process tells its own page of that kiosk (``kiosk.sockets``), which takes its ticket with
the token. The reader may be attached to the server (``[[id_card_readers]]`` in hall.toml, run by the
device owner) or to the kiosk PC's agent: both end in ``CardDesk.on_card``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from drivers.idcard_reader import IdCardReader

from ..domain.models import PersonRef
from ..service import HallService
from ..storage import agents as store
from .wire import CardHolder

logger = logging.getLogger(__name__)

KEY_FILE = "id_card_key"
SWIPED = "card_swiped"
StatusSetter = Callable[[str, str, str], None]


def person_key(instance: Path) -> bytes:
    """The hall's key for ID-number hashes: made once in the instance folder (mode 0600), then read."""
    path = instance / KEY_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
    key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    if len(key) < 32:
        raise RuntimeError(f"{path} holds a key shorter than 32 bytes; the one-ticket rule needs the hall's own key")
    return key


def person_ref(key: bytes, holder: CardHolder) -> PersonRef:
    """What the hall keeps of a card holder: the keyed hash of the ID number and the masked forms."""
    digest = hmac.new(key, holder.id_number.upper().encode("ascii", errors="replace"), hashlib.sha256).hexdigest()
    return PersonRef(digest, holder.masked_id_number, holder.masked_name)


class CardDesk:
    """Turns a card read at a kiosk into a swipe the kiosk page can take a ticket with."""

    def __init__(self, service: HallService, key: bytes, swipe_seconds: int) -> None:
        self.service = service
        self.key = key
        self.swipe_seconds = swipe_seconds

    def on_card(self, kiosk: str, holder: CardHolder) -> int | None:
        """A card was read at *kiosk*: keep the swipe and tell the kiosk's pages; the swipe's id (None: refused)."""
        svc = self.service
        now = svc.clock.now()
        today = datetime.fromtimestamp(now, svc.hall.tz).date()
        if holder.valid_until is not None and holder.valid_until < today:
            svc.record_event(SWIPED, data={"kiosk": kiosk, "swipe": None, "refused": "expired"})
            return None
        person = person_ref(self.key, holder)
        with svc.storage.write() as db:
            swipe = store.add_swipe(db, token=secrets.token_urlsafe(18), kiosk=kiosk, person=person, at=now,
                                    expires_at=now + self.swipe_seconds)
            svc.record_event(SWIPED, data={"kiosk": kiosk, "swipe": swipe})
        logger.info("kiosk %s: an ID card was swiped", kiosk)
        return swipe

    def person(self, token: str, kiosk: str) -> PersonRef | None:
        """The person of a swipe at *kiosk* that has not expired."""
        with self.service.storage.read() as db:
            return store.swipe_by_token(db, token, kiosk, self.service.clock.now())


def card_holder(card: Any) -> CardHolder:
    """The holder of a card the driver read (``drivers.idcard.IdCard``)."""
    until = card.valid_until if isinstance(card.valid_until, date) else None
    return CardHolder(card.name, card.id_number.upper(), until)


class AttachedReaders:
    """The ID-card readers attached to this server (``[[id_card_readers]]``), each for one kiosk."""

    def __init__(self, entries: tuple[Mapping[str, Any], ...], desk: CardDesk, set_status: StatusSetter) -> None:
        self.readers = [
            IdCardReader(str(entry["port"]), self._on_card(str(entry["kiosk"]), desk),
                         self._on_status(str(entry["kiosk"]), set_status), baudrate=int(entry.get("baudrate", 115200)))
            for entry in entries
        ]

    @staticmethod
    def _on_card(kiosk: str, desk: CardDesk) -> Callable[[Any], None]:
        def on_card(card: Any) -> None:
            desk.on_card(kiosk, card_holder(card))

        return on_card

    @staticmethod
    def _on_status(kiosk: str, set_status: StatusSetter) -> Callable[[str, str, str], None]:
        return lambda url, state, message: set_status(reader_name(kiosk), state, message)

    def start(self) -> None:
        for reader in self.readers:
            reader.start()

    def close(self) -> None:
        for reader in self.readers:
            reader.close()


def reader_name(kiosk: str) -> str:
    """A kiosk's reader on the managers' console."""
    return f"idcard:{kiosk}"
