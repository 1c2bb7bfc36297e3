"""Turns hall events into notices for followed tickets: a listener of the device-owner process.

* a followed ticket is called (or recalled): "you are called to counter N" (SMS on the first call only);
* the queue moved: every followed waiting ticket of the day whose "tell me at N ahead" is reached gets
  "your turn is near", once (people ahead from the queue index: one sync for all of them);
* a back-office case of a followed ticket is approved: "your case is ready for pickup".

The listener only queues work; a job thread of its own does it (``HallListener`` must return at once).
Several queue changes in a row are checked once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..domain import events as ev
from ..periodic import JobThread
from ..service import HallService
from ..snapshots import waiting_status
from ..storage import phone as store
from .book import Notices, ticket_subject

logger = logging.getLogger(__name__)

_QUEUE_CHANGES = (ev.TicketIssued, ev.TicketCalled, ev.CaseFinished, ev.TicketMissed, ev.TicketTransferred,
                  ev.TicketHeld, ev.TicketCancelled, ev.TicketExpired, ev.TicketMovedBack, ev.CounterOpened,
                  ev.CounterResumed)


class NoticeWatcher:
    """HallListener of the owner process: called, turn-is-near and ready-for-pickup notices."""

    def __init__(self, service: HallService, notices: Notices) -> None:
        self.service = service
        self.notices = notices
        self.jobs = JobThread("notices")
        self._ahead_queued = False
        self._lock = threading.Lock()

    def start(self) -> "NoticeWatcher":
        self.jobs.start()
        return self

    def close(self) -> None:
        self.jobs.close()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.jobs.wait_idle(timeout)

    def on_event(self, event: ev.HallEvent) -> None:
        ticket = event.ticket or {}
        ticket_id = ticket.get("id")
        if isinstance(event, (ev.TicketCalled, ev.TicketRecalled)) and ticket_id is not None:
            first = isinstance(event, ev.TicketCalled)
            self.jobs.put(lambda: self._called(int(ticket_id), ticket, event, first))
        elif isinstance(event, ev.TicketNoted) and event.kind == "case_approved" and ticket_id is not None:
            self.jobs.put(lambda: self._ready(int(ticket_id), ticket))
        if isinstance(event, _QUEUE_CHANGES):
            with self._lock:
                if self._ahead_queued:
                    return
                self._ahead_queued = True
            self.jobs.put(self._check_ahead)

    def _called(self, ticket_id: int, ticket: dict[str, Any], event: ev.HallEvent, first: bool) -> None:
        with self.service.storage.write() as db:
            watch = store.watch(db, ticket_id)
            if watch is None:
                return
            params = {"number": ticket.get("number"), "counter": event.counter}
            if not ticket.get("arrived", True):
                params["arrive_within_seconds"] = self._grace()
            self.notices.emit(db, subject=ticket_subject(ticket_id), kind="called", key=str(event.event_id),
                              params=params, ticket_id=ticket_id, contact=watch["contact"],
                              sms=bool(watch["sms"]) and first)

    def _grace(self) -> int:
        admission = self.service.admission
        watch = getattr(admission, "watch", None)
        if watch is None:
            return 0
        with self.service.storage.read() as db:
            return int(watch.current(db).phone.no_show_after_seconds)

    def _ready(self, ticket_id: int, ticket: dict[str, Any]) -> None:
        with self.service.storage.write() as db:
            watch = store.watch(db, ticket_id)
            if watch is None:
                return
            self.notices.emit(db, subject=ticket_subject(ticket_id), kind="ready", params={
                "number": ticket.get("number")}, ticket_id=ticket_id, contact=watch["contact"],
                sms=bool(watch["sms"]))

    def _check_ahead(self) -> None:
        with self._lock:
            self._ahead_queued = False
        svc = self.service
        day = svc.today()
        with svc.storage.read() as db:
            pending = store.pending_watches(db, day)
        if not pending:
            return
        positions = waiting_status(svc, [w["ticket"] for w in pending])
        for watch in pending:
            position = positions.get(watch["ticket"])
            if position is None or position["people_ahead_now"] > watch["ahead"]:
                continue
            with svc.storage.write() as db:
                number = db.execute("SELECT number FROM tickets WHERE id = ?", [watch["ticket"]]).fetchone()[0]
                store.mark_ahead_notified(db, watch["ticket"], svc.clock.now())
                self.notices.emit(db, subject=ticket_subject(watch["ticket"]), kind="ahead", params={
                    "number": number, "ahead": position["people_ahead_now"],
                    "minutes": position["estimated_wait_minutes"]}, ticket_id=watch["ticket"],
                    contact=watch["contact"], sms=bool(watch["sms"]))
        logger.debug("checked %d followed ticket(s) for their turn", len(pending))
