"""The prefecture sender: ships the hall's event log, in order, after the last acknowledged id.

The log is the outbox. Each batch holds the events after the cursor plus what the prefecture's
reports need of them (ticket references, ratings with their chain links, names of staff, counters
and items) and today's live figures; the prefecture stores each (hall, event id) once and answers
with the id it has up to, which becomes the cursor in the hall's own database. While the prefecture
is unreachable the hall works as usual and the sender retries with backoff. A hall restored from
an older backup has a log that ends before what it already shipped: the prefecture refuses to mix
the two histories and the sender reports the divergence instead of sending.

The owner process builds one ``Outbox`` with the storage, settings and clock and calls
``start()``/``close()``; ``run_once()`` is one attempt, for tests and the command line.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import random
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .domain.clock import Clock
from .domain.numbering import service_day
from .storage import Storage, repo
from .storage import outbox as store

if TYPE_CHECKING:
    from .config import HallSettings, PrefectureSettings

logger = logging.getLogger(__name__)

INGEST_PATH = "/api/v1/ingest"
CATALOGUE_PATH = "/api/v1/catalogue"


class OutboxError(Exception):
    """The sender cannot work as configured."""


def check_prefecture_settings(settings: PrefectureSettings) -> None:
    """ConfigError unless [prefecture] is empty or names an https URL (http only to the loopback), a token
    and a hall code."""
    from .config import ConfigError

    if not settings.url:
        return
    parts = urllib.parse.urlsplit(settings.url)
    loopback = False
    try:
        loopback = parts.hostname == "localhost" or ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        pass
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigError("[prefecture] url must be https://… (plain http only to this machine, 127.0.0.1)")
    if not settings.hall_code:
        raise ConfigError("[prefecture] hall_code is required: the code the prefecture registered this hall under")
    if not 1 <= settings.interval_seconds <= 3600:
        raise ConfigError("[prefecture] interval_seconds must be 1..3600")
    if not 1 <= settings.batch_size <= 5000:
        raise ConfigError("[prefecture] batch_size must be 1..5000")


class Transport(Protocol):
    """Sends one request to the prefecture; returns the HTTP status and the parsed JSON answer."""

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                timeout: float) -> tuple[int, dict[str, Any]]: ...


class HttpTransport:
    """urllib over HTTPS (certificate checked, optionally against the CA file of the settings)."""

    def __init__(self, ca_file: str = "") -> None:
        self.context = ssl.create_default_context(cafile=ca_file or None)

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                timeout: float) -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.context) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                answer = json.loads(exc.read() or b"{}")
            except ValueError:
                answer = {"message": exc.reason}
            return exc.code, answer


@dataclass(frozen=True)
class ShipResult:
    """What one attempt did: shipped, idle (nothing new), failed (retry later), diverged or refused."""

    status: str
    sent: int = 0
    acknowledged: int = 0
    backlog: int = 0
    message: str = ""


CatalogueApplier = Callable[[dict[str, Any]], object]
"""Applies a catalogue version document fetched from the prefecture (hall.catalogue_sync)."""


def shipping_status(storage: Storage) -> dict[str, Any]:
    """The outbox as every process sees it (it lives in the database): acknowledged, backlog, failures, errors.

    ``state`` sums it up for the console: ``ok`` (nothing waits or the last attempt worked), ``retrying``
    (attempts fail; the hall works as usual and the log waits), ``diverged`` (the prefecture refuses this log).
    """
    with storage.read() as db:
        row = store.state(db)
        head = store.head(db)
    state = "diverged" if row["diverged"] else "retrying" if row["failures"] else "ok"
    return {**row, "head": head, "backlog": max(0, head - row["acknowledged"]), "state": state}


class Outbox:
    """Ships the event log to the prefecture in batches; one per hall, in the device-owner process."""

    def __init__(self, storage: Storage, settings: PrefectureSettings, hall: HallSettings, clock: Clock, *,
                 transport: Transport | None = None, apply_catalogue: CatalogueApplier | None = None) -> None:
        if not settings.url:
            raise OutboxError("no [prefecture] url configured")
        self.storage = storage
        self.settings = settings
        self.hall = hall
        self.clock = clock
        self.transport = transport or HttpTransport(settings.ca_file)
        self.apply_catalogue = apply_catalogue
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ---- one attempt ---------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.token}", "Content-Type": "application/json",
                "Accept": "application/json"}

    def build_batch(self, cursor: int) -> dict[str, Any]:
        """The next batch after *cursor*, with everything the prefecture needs to store and report it."""
        now = self.clock.now()
        day = service_day(now, self.hall.tz, self.hall.day_start_time).isoformat()
        with self.storage.read() as db:
            events = store.events_after(db, cursor, self.settings.batch_size)
            issued = [e["ticket"] for e in events if e["type"] == "issued" and e["ticket"] is not None]
            tickets = store.tickets(db, issued)
            rated = [e["ticket"] for e in events if e["type"] in store.RATING_TYPES and e["ticket"] is not None]
            refs = store.references(
                db, staff=[e["staff"] for e in events], counters=[e["counter"] for e in events],
                items=[t["item"] for t in tickets], bundles=[t["bundle"] for t in tickets],
                categories=[t["category"] for t in tickets])
            batch = {
                "hall": self.settings.hall_code, "after": cursor, "head": store.head(db), "events": events,
                "tickets": tickets, "ratings": store.ratings(db, rated), "refs": refs,
                "live": store.live(db, day, now),
                "catalogue_version": repo.get_setting(db, "catalogue_version"),
                "settings": {"timezone": self.hall.timezone, "wait_target_minutes": self.hall.wait_target_minutes,
                             "region_code": self.settings.region_code,
                             "department_code": self.settings.department_code},
            }
        return batch

    def run_once(self) -> ShipResult:
        """Send one batch (or a heartbeat with the live figures) and record the answer."""
        with self._lock:
            return self._run_once()

    def _run_once(self) -> ShipResult:
        with self.storage.read() as db:
            cursor = store.state(db)["acknowledged"]
        batch = self.build_batch(cursor)
        now = self.clock.now()
        body = json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            status, answer = self.transport.request("POST", self.settings.url.rstrip("/") + INGEST_PATH, body,
                                                    self._headers(), self.settings.timeout_seconds)
        except (OSError, ValueError) as exc:
            return self._failed(now, f"prefecture unreachable: {exc}", batch)
        if status == 200:
            acknowledged = int(answer["acknowledged"])
            with self.storage.write() as db:
                store.update_state(db, acknowledged=acknowledged, acknowledged_at=now, failures=0, last_error=None,
                                   diverged=None, last_attempt_at=now, attempts=store.state(db)["attempts"] + 1)
            self._catch_up_catalogue(answer.get("catalogue_version"), batch.get("catalogue_version"))
            backlog = max(0, batch["head"] - acknowledged)
            return ShipResult("shipped" if batch["events"] else "idle", len(batch["events"]), acknowledged, backlog)
        message = str(answer.get("message") or answer.get("error") or f"HTTP {status}")
        if status == 409 and answer.get("error") == "gap":
            acknowledged = int(answer.get("acknowledged", 0))
            if acknowledged <= batch["head"]:
                # The prefecture has less than we thought (its database was restored): resend from there.
                with self.storage.write() as db:
                    store.update_state(db, acknowledged=acknowledged, last_error=message, last_attempt_at=now)
                logger.warning("prefecture holds events up to %s only; resending from there", acknowledged)
                return ShipResult("failed", 0, acknowledged, batch["head"] - acknowledged, message)
        if status == 409:
            with self.storage.write() as db:
                store.update_state(db, diverged=message, last_error=message, last_attempt_at=now,
                                   failures=store.state(db)["failures"] + 1)
            logger.error("the prefecture refuses this hall's log: %s", message)
            return ShipResult("diverged", 0, cursor, batch["head"] - cursor, message)
        if status in (401, 403, 422, 400):
            logger.error("the prefecture refused the batch after %s (HTTP %s): %s", cursor, status, message)
            return self._failed(now, f"refused (HTTP {status}): {message}", batch, status="refused")
        return self._failed(now, f"HTTP {status}: {message}", batch)

    def _failed(self, now: float, message: str, batch: dict[str, Any], status: str = "failed") -> ShipResult:
        with self.storage.write() as db:
            row = store.state(db)
            store.update_state(db, failures=row["failures"] + 1, attempts=row["attempts"] + 1, last_error=message,
                               last_attempt_at=now)
        logger.warning("shipping to the prefecture failed: %s", message)
        return ShipResult(status, 0, batch["after"], batch["head"] - batch["after"], message)

    def _catch_up_catalogue(self, latest: Any, applied: Any) -> None:
        if self.apply_catalogue is None or not isinstance(latest, int) or latest <= (applied or 0):
            return
        status, document = self.transport.request(
            "GET", f"{self.settings.url.rstrip('/')}{CATALOGUE_PATH}/{latest}", None, self._headers(),
            self.settings.timeout_seconds)
        if status != 200:
            logger.warning("could not fetch catalogue version %s (HTTP %s)", latest, status)
            return
        self.apply_catalogue(document)

    # ---- what the console shows ----------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Last shipped, backlog, failures, last error and divergence, with the seconds to the next attempt."""
        found = shipping_status(self.storage)
        return {**found, "next_attempt_in": round(self.delay(found["failures"]), 1)}

    def delay(self, failures: int) -> float:
        """Seconds to the next attempt: the interval, doubled per failure up to the maximum, ±10%."""
        base = float(self.settings.interval_seconds)
        if failures:
            base = min(float(self.settings.max_backoff_seconds), base * 2 ** min(failures, 16))
        return base * random.uniform(0.9, 1.1)

    # ---- the background thread -------------------------------------------------------------

    def start(self) -> None:
        """Ship in a background thread until close()."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="prefecture-outbox", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Ship now instead of at the next interval (new events, or a test)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.run_once()
            except Exception:  # the thread boundary: log and keep shipping
                logger.exception("prefecture sender failed")
                result = ShipResult("failed")
            if result.status == "shipped" and result.backlog > 0:
                continue
            with self.storage.read() as db:
                failures = store.state(db)["failures"]
            self._wake.wait(self.delay(failures if result.status != "shipped" else 0))
            self._wake.clear()

    def close(self) -> None:
        """Stop the thread after the attempt in progress."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.timeout_seconds + 5)
            self._thread = None
