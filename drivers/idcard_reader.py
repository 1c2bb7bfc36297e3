"""A GA 467 ID-card reader on a serial port: polls for a card and reports each card placed once.

The poll thread asks the reader's SAM for its status once per port opening, then every
``poll_interval`` seconds sends find card; when one is found it selects and reads the base
text and calls ``on_card`` with the parsed ``IdCard`` — once per placement: while the same card
lies on the reader it is not reported again, and it counts as removed after ``removed_after``
polls that find no card. Unplug and replug are handled by the reconnecting line; a reader that
stops answering is reported offline after ``failures_before_offline`` unanswered commands.

Privacy: the card's name and ID number are never logged; the card on the reader is
remembered only as a keyed digest under a key made for this process.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable

from drivers.exchange import AnsweringLine, LineWorker, PortDown
from drivers.idcard import (
    FIND_CARD,
    READ_BASE_TEXT,
    SAM_STATUS,
    SELECT_CARD,
    Answer,
    IdCard,
    IdCardDataError,
    answer_parser,
    command_frame,
    parse_read_answer,
)
from drivers.serial_port import StatusCallback

logger = logging.getLogger(__name__)

STATE_OK = "ok"
STATE_OFFLINE = "offline"
STATE_ERROR = "error"

CardCallback = Callable[[IdCard], None]
"""Called on the reader's poll thread with each card placed on it."""


class IdCardReader(LineWorker[Answer]):
    """One reader on one serial port: ``start()`` it, get ``on_card`` calls, ``close()`` it."""

    def __init__(
        self,
        url: str,
        on_card: CardCallback,
        on_status: StatusCallback,
        *,
        baudrate: int = 115200,
        poll_interval: float = 0.3,
        answer_timeout: float = 1.0,
        read_timeout: float = 3.0,
        failures_before_offline: int = 3,
        removed_after: int = 2,
        reconnect_interval: float = 2.0,
        line_read_timeout: float = 0.05,
    ) -> None:
        if min(poll_interval, answer_timeout, read_timeout) <= 0 or failures_before_offline < 1 or removed_after < 1:
            raise ValueError("timeouts and intervals must be > 0, counts >= 1")
        self.url = url
        self._on_card = on_card
        self._on_status = on_status
        self._poll_interval = poll_interval
        self._answer_timeout = answer_timeout
        self._read_timeout = read_timeout
        self._failures_before_offline = failures_before_offline
        self._removed_after = removed_after
        self._presence_key = secrets.token_bytes(32)
        self._state: str | None = None
        self._state_lock = threading.Lock()
        super().__init__(AnsweringLine(url, answer_parser, self._port_status, baudrate=baudrate,
                                       read_timeout=line_read_timeout, reconnect_interval=reconnect_interval),
                         f"ID-card reader {url}")
        # Poll-thread state.
        self._failures = 0
        self._present: str | None = None  # keyed digest of the card on the reader
        self._misses = 0

    @property
    def state(self) -> str | None:
        """``ok``, ``offline`` or ``error``; None before the reader first answered or failed."""
        with self._state_lock:
            return self._state

    # -- poll thread ---------------------------------------------------------------------

    def run(self) -> None:
        """The poll loop: check the SAM once per port opening, then look for a card every poll."""
        openings = 0
        verified = False
        while self.wait_port():
            if self._line.openings != openings:
                openings, verified = self._line.openings, False
                self._present, self._misses, self._failures = None, 0, 0
            try:
                verified = self._poll(verified)
            except PortDown:
                continue
            except Exception:  # thread boundary: a bug must not stop the kiosk's reader for good
                logger.exception("ID-card reader %s: poll failed", self.url)
                self._report(STATE_ERROR, "driver error, see the log")
            self._line.wait(lambda openings=openings: self._stop.is_set() or not self._line.port_up
                            or self._line.openings != openings, self._poll_interval)

    def _poll(self, verified: bool) -> bool:
        """One poll; returns whether the reader's SAM has been checked since the port opened."""
        if not verified:
            status = self._ask(SAM_STATUS)
            if status is None:
                return False
            if not status.ok:
                self._report(STATE_ERROR, f"reader SAM reports {status.meaning}")
                return False
            self._report(STATE_OK, "reader answers")
        found = self._ask(FIND_CARD)
        if found is None:
            return True
        card = self._read_card() if found.found else None
        if card is None:
            self._no_card()
            return True
        self._misses = 0
        digest = card.keyed_digest(self._presence_key)
        if digest == self._present:
            return True
        self._present = digest
        logger.info("ID-card reader %s: a card was read", self.url)
        try:
            self._on_card(card)
        except Exception as exc:  # thread boundary: the listener's bug must not stop the reader
            # Only the exception's type: its message or traceback may quote the card.
            logger.error("ID-card reader %s: on_card failed with %s", self.url, type(exc).__name__)
        return True

    def _read_card(self) -> IdCard | None:
        selected = self._ask(SELECT_CARD)
        if selected is None or not selected.ok:
            return None
        answer = self._ask(READ_BASE_TEXT, self._read_timeout)
        if answer is None:
            return None
        if not answer.ok:
            logger.warning("ID-card reader %s: reading the card failed: %s", self.url, answer.meaning)
            return None
        try:
            return parse_read_answer(answer.data)
        except IdCardDataError as exc:  # the message names the field, never its value
            logger.warning("ID-card reader %s: unreadable card: %s", self.url, exc)
            return None

    def _no_card(self) -> None:
        if self._present is None:
            return
        self._misses += 1
        if self._misses >= self._removed_after:
            self._present, self._misses = None, 0
            logger.debug("ID-card reader %s: the card was taken away", self.url)

    def _ask(self, code: tuple[int, int], timeout: float | None = None) -> Answer | None:
        """Send one command; None (and a failure counted) if the reader does not answer."""
        answer = self._line.ask(command_frame(code), lambda _answer: True, timeout or self._answer_timeout)
        if answer is None:
            self._failures += 1
            if self._failures >= self._failures_before_offline:
                self._report(STATE_OFFLINE, f"reader did not answer {self._failures} command(s)")
            return None
        self._failures = 0
        if self.state == STATE_OFFLINE:
            self._report(STATE_OK, "reader answers again")
        return answer

    def _port_status(self, url: str, state: str, message: str) -> None:
        if state != STATE_OK:
            self._report(STATE_OFFLINE, message)

    def _report(self, state: str, message: str) -> None:
        with self._state_lock:
            if state == self._state:
                return
            self._state = state
        (logger.info if state == STATE_OK else logger.warning)("ID-card reader %s is now %s: %s",
                                                               self.url, state, message)
        try:
            self._on_status(self.url, state, message)
        except Exception:  # thread boundary
            logger.exception("ID-card reader %s: status listener failed", self.url)
