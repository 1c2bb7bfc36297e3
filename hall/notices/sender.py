"""The SMS worker of the device-owner process: sends what is queued, retries with backoff, logs masked numbers.

Messages are rows of ``sms_messages`` (queued by any server process in the transaction that decided to
send them). The worker takes the due ones in order, looks the number up only at the moment it sends
(an erased number is never sent to), and records the outcome: sent (with the gateway's id; a code's
digits are scrubbed), retried after 5 s, 10 s, 20 s … (at most ``max_attempts``), failed or dropped.
"""

from __future__ import annotations

import logging
import threading

from ..contacts import Contacts, sms_params
from ..domain.clock import Clock
from ..phone_config import SmsSettings
from ..storage import Storage
from ..storage import contacts as store
from .sms import SmsError, SmsGateway, SmsMessage, ordered_params

logger = logging.getLogger(__name__)

BATCH = 20
POLL_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 300


def backoff(attempts: int) -> float:
    """Seconds before the next try after *attempts* failed ones."""
    return float(min(5 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


class SmsSender:
    """Sends queued SMS through *gateway*; ``start()`` runs it on its own thread, ``wake()`` hurries it."""

    def __init__(self, storage: Storage, clock: Clock, gateway: SmsGateway, contacts: Contacts,
                 settings: SmsSettings) -> None:
        self.storage = storage
        self.clock = clock
        self.gateway = gateway
        self.contacts = contacts
        self.settings = settings
        self.sent = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ran = threading.Condition()
        self._turn = threading.Lock()  # one turn at a time: a message is never sent twice
        self.runs = 0

    def start(self) -> "SmsSender":
        self._thread = threading.Thread(target=self._loop, name="sms-sender", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wait_runs(self, count: int, timeout: float) -> bool:
        """Block until the worker has looked at the outbox *count* times (tests)."""
        with self._ran:
            return self._ran.wait_for(lambda: self.runs >= count, timeout=timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # thread boundary: the next turn tries again
                logger.exception("the SMS worker failed; retrying")
            with self._ran:
                self.runs += 1
                self._ran.notify_all()
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def run_once(self) -> int:
        """Send every message that is due now; returns how many were sent."""
        with self._turn:
            now = self.clock.now()
            with self.storage.read() as db:
                due = store.due_sms(db, now, BATCH)
            sent = 0
            for message in due:
                sent += self._send(message)
            self.sent += sent
        return sent

    def _send(self, row: dict) -> int:
        with self.storage.read() as db:
            phone, masked = self.contacts.phone_of(db, row["contact"])
        template = self.settings.templates.get(row["kind"])
        now = self.clock.now()
        attempts = row["attempts"] + 1
        if phone is None or not template:
            reason = "number erased" if phone is None else f"no template for {row['kind']}"
            self._done(row, "dropped", now, reason, None, attempts)
            logger.warning("SMS %d to %s dropped: %s", row["id"], row["phone_masked"], reason)
            return 0
        message = SmsMessage(phone, masked, row["kind"], template, ordered_params(row["kind"], sms_params(row)))
        try:
            result = self.gateway.send(message)
        except SmsError as exc:
            if exc.retry and attempts < self.settings.max_attempts:
                with self.storage.write() as db:
                    store.sms_retry(db, row["id"], at=now + backoff(attempts), error=str(exc)[:200],
                                    attempts=attempts)
                logger.warning("SMS %d to %s failed (try %d of %d), retrying: %s", row["id"], masked, attempts,
                               self.settings.max_attempts, exc)
            else:
                self._done(row, "failed", now, str(exc)[:200], None, attempts)
                logger.error("SMS %d to %s failed for good after %d tries: %s", row["id"], masked, attempts, exc)
            return 0
        self._done(row, "sent", now, None, result.gateway_id[:80], attempts)
        logger.info("SMS %d (%s) sent to %s", row["id"], row["kind"], masked)
        return 1

    def _done(self, row: dict, state: str, at: float, error: str | None, gateway_id: str | None,
              attempts: int) -> None:
        with self.storage.write() as db:
            store.sms_done(db, row["id"], state=state, at=at, error=error, gateway_id=gateway_id, attempts=attempts,
                           scrub=row["kind"] in ("code", "booked"))
