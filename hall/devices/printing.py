"""Ticket printers: each station takes its printer's jobs from the database and acknowledges them.

A job is a row queued in the ticket's own transaction (``hall.storage.print_jobs``). The station of
one printer claims the oldest queued job, renders the ticket's layout, hands it to the printer and
records the result — ``printed`` only after the printer accepted the bytes — with a ``printed`` /
``print_failed`` event in the ticket's log. The printer is the driver's ``PrinterWorker`` for a printer
attached to this server, or ``hall.devices.remote.RemotePrinter`` for one on a kiosk PC's agent: the
same station, the job seen over the network. A job whose printer could not be reached at all (the
agent went away before answering) goes back to the queue and is delivered again; the agent remembers
the jobs it printed, so it prints each once. Jobs a dead process had taken are queued again when the
station starts; on close the station prints what is queued first (SIGTERM). A job no printer took
within ``[printing] give_up_seconds`` is given up (``PrintGiveUp``): failed, and offered for reprint.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from drivers.printer import PrinterSettings, PrinterStatus, PrinterWorker, PrintJob, ResultCallback, StatusCallback
from drivers.ticket import TicketLayout

from ..catalogue import Catalogue
from ..domain import events as ev
from ..domain.models import Ticket
from ..service import HallService
from ..storage import print_jobs, repo
from .status import DeviceStatusStore

logger = logging.getLogger(__name__)

#: How long a station waits for the driver to print one ticket.
PRINT_TIMEOUT = 60.0
#: Queued jobs are looked for at least this often even without a wake-up (jobs from other processes).
POLL_SECONDS = 1.0
#: What a job's result says when its printer never answered: the job is queued again, not failed.
UNDELIVERED = "undelivered"


class Printer(Protocol):
    """What a station prints on: ``PrinterWorker``, or a printer behind an agent.

    ``submit`` returns at once; the printer calls the station's ``on_result(job_id, ok, error)`` once per
    job — ``error`` is ``UNDELIVERED`` when the job never reached a printer that could answer.
    """

    def submit(self, job: PrintJob) -> bool: ...

    def close(self, timeout: float | None = 30.0) -> None: ...


PrinterFactory = Callable[[StatusCallback, ResultCallback], Printer]


def local_printer(settings: PrinterSettings, name: str) -> PrinterFactory:
    """A factory of the driver's worker for a printer attached to this server."""
    def make(on_status: StatusCallback, on_result: ResultCallback) -> Printer:
        return PrinterWorker(settings, name=name, on_status=on_status, on_result=on_result)

    return make


class StatusSink(Protocol):
    """Where a station reports its printer's state (``DeviceStatusStore``, or one that adds the agent)."""

    def set_status(self, device: str, state: str, message: str = "") -> None: ...


def printer_name(kiosk: str | None, own_printers: set[str]) -> str:
    """The printer a kiosk's tickets go to: its own ("printer:<kiosk>") when it has one, else the hall's."""
    own = f"printer:{kiosk}" if kiosk else None
    return own if own in own_printers else "printer"


def ticket_layout(service: HallService, catalogue: Catalogue, ticket: Ticket, status_url: str,
                  lang: str) -> TicketLayout:
    """The one description of a ticket, for the printer and for the on-screen preview alike."""
    hall = service.hall
    service_name = catalogue.service_name(item=ticket.item, bundle=ticket.bundle, lang=lang)
    if ticket.appointment:
        service_name += " · " + ("Appointment" if lang == "en" else "预约")
    with service.storage.read() as db:
        notices = repo.get_setting(db, "notices", {}) or {}
    return TicketLayout(
        hall_name=hall.name if lang == "zh" else hall.name_en,
        number=ticket.number,
        service_name=service_name,
        people_ahead=ticket.people_ahead,
        estimated_wait_minutes=ticket.estimated_wait_minutes,
        estimated_wait_range=(None if ticket.estimated_wait_low is None or ticket.estimated_wait_high is None
                              else (ticket.estimated_wait_low, ticket.estimated_wait_high)),
        issued_at=datetime.fromtimestamp(ticket.issued_at, hall.tz),
        status_url=status_url,
        notices=tuple(notices.get(lang) or notices.get("zh") or []),
        # An appointment is ordered like a priority ticket but is not the 绿色通道.
        priority=ticket.priority and not ticket.appointment,
        lang=lang,
    )


class PrintStation:
    """One printer on this server and the thread that feeds it its jobs."""

    def __init__(self, name: str, settings: PrinterSettings | None, service: HallService, catalogue: Catalogue,
                 status: DeviceStatusStore | StatusSink, on_done: Callable[[], None] | None = None, *,
                 printer: PrinterFactory | None = None, description: str = "") -> None:
        if printer is None and settings is None:
            raise ValueError("a print station needs printer settings or a printer factory")
        self.name = name
        self.on_done = on_done
        self.settings = settings
        self.service = service
        self.catalogue = catalogue
        self.status = status
        self.description = description or (f"{settings.backend} printer ready" if settings else "printer ready")
        self._factory = printer or local_printer(settings, name)  # type: ignore[arg-type]
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{name}:{id(self):x}"
        self.worker: Any = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._thread: threading.Thread | None = None
        self._result: tuple[bool, str | None] | None = None
        self._printed = threading.Event()
        self._idle = threading.Condition()
        self._busy = False

    def start(self, *, announce: bool = True) -> None:
        """Start the printer and the thread; jobs taken before (by a dead process or agent) are queued again."""
        self.worker = self._factory(self._printer_status, self._on_result)
        with self.service.storage.write() as db:
            requeued = print_jobs.requeue_sent(db, self.name)
        if requeued:
            logger.warning("printer %s: %d job(s) taken before a restart are queued again", self.name, requeued)
        if announce:
            self.status.set_status(self.name, "ok", self.description)
        self._thread = threading.Thread(target=self._run, name=f"print-station-{self.name}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job may be waiting (a ticket was issued or a reprint asked for)."""
        self._wake.set()

    def close(self, timeout: float = 30.0, *, drain: bool = True) -> None:
        """Print every queued job (within *timeout*), then stop the printer; without *drain*, stop after the
        job in hand (the printer went away: what is queued waits for the next station)."""
        self._stop.set()
        self._wake.set()
        if not drain:
            self._abort.set()
            if self.worker is not None:  # its job in hand comes back undelivered: the thread stops at once
                self.worker.close(timeout)
                self.worker = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.worker is not None:
            self.worker.close(timeout)
            self.worker = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no job of this printer is queued or printing (for tests)."""
        def idle() -> bool:
            with self.service.storage.read() as db:
                return not self._busy and print_jobs.open_count(db, self.name) == 0

        with self._idle:
            self._wake.set()
            return self._idle.wait_for(idle, timeout)

    # ---- the station's thread -----------------------------------------------------------------

    def _run(self) -> None:
        while not self._abort.is_set():
            try:
                printed = self._print_one()
            except Exception:  # thread boundary: the next job must still print
                logger.exception("printer %s: a job failed unexpectedly", self.name)
                printed = False
            if printed:
                continue
            with self._idle:
                self._idle.notify_all()
            if self._stop.is_set():
                return
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _print_one(self) -> bool:
        """Claim, print and acknowledge the oldest queued job; False when there is none."""
        svc = self.service
        if self._abort.is_set():
            return False
        with svc.storage.read() as db:  # most wake-ups (a ticket not to print, another printer's) find nothing:
            if not print_jobs.has_queued(db, self.name):  # no write lock taken from the tickets for them
                return False
        with svc.storage.write() as db:
            job = print_jobs.claim_next(db, self.name, self.worker_id, svc.clock.now())
        if job is None:
            return False
        self._busy = True
        try:
            ticket = svc.ticket(job["ticket"])
            layout = ticket_layout(svc, self.catalogue, ticket, job["status_url"], job["lang"])
            ok, error = self._send(job["id"], layout)
            if error == UNDELIVERED:
                self._release(job)
                return False
            self._acknowledge(job, ok, error)
        finally:
            self._busy = False
        if self.on_done is not None:
            self.on_done()
        return True

    def _release(self, job: dict[str, Any]) -> None:
        """The printer could not be reached: queue the job again for the next delivery."""
        with self.service.storage.write() as db:
            print_jobs.release(db, job["id"], self.worker_id)
        logger.warning("printer %s: job %d did not reach the printer; it is queued again", self.name, job["id"])

    def _send(self, job_id: int, layout: TicketLayout) -> tuple[bool, str | None]:
        assert self.worker is not None
        self._printed.clear()
        self._result = None
        if not self.worker.submit(PrintJob(job_id=str(job_id), layout=layout)):
            return False, "the printer is shutting down"
        if not self._printed.wait(PRINT_TIMEOUT):
            return False, f"the printer did not answer within {PRINT_TIMEOUT:.0f} s"
        return self._result or (False, "no result")

    def _acknowledge(self, job: dict[str, Any], ok: bool, error: str | None) -> None:
        svc = self.service
        with svc.storage.write() as db:
            done = print_jobs.finish(db, job["id"], ok=ok, error=error, at=svc.clock.now())
            if done is not None and done["state"] == ("printed" if ok else "failed"):
                svc.note_in(db, job["ticket"], "printed" if ok else "print_failed",
                            {"job": job["id"], "printer": self.name, "reprint": bool(job["reprint"]),
                             **({"error": error} if error else {})})

    def _on_result(self, job_id: str, ok: bool, error: str | None) -> None:
        self._result = (ok, error)
        self._printed.set()

    def _printer_status(self, status: PrinterStatus) -> None:
        self.status.set_status(self.name, status.state, status.message)


class PrintStations:
    """Every printer attached to this server; woken when a ticket is issued or a reprint is queued."""

    def __init__(self, stations: list[PrintStation]) -> None:
        self.stations = {s.name: s for s in stations}
        self._done = threading.Condition()
        for station in stations:
            station.on_done = self._job_done

    def _job_done(self) -> None:
        with self._done:
            self._done.notify_all()

    def wait_printed(self, storage_read: Callable[[], dict[str, Any] | None], timeout: float = 10.0
                     ) -> dict[str, Any] | None:
        """Block until *storage_read()* (a ticket's latest job) is printed or failed; returns that job."""
        def done() -> bool:
            job = storage_read()
            return job is not None and job["state"] in ("printed", "failed")

        with self._done:
            self._done.wait_for(done, timeout)
        return storage_read()

    def start(self) -> None:
        for station in self.stations.values():
            station.start()

    def close(self) -> None:
        for station in self.stations.values():
            station.close()

    def on_event(self, event: ev.HallEvent) -> None:
        if isinstance(event, ev.TicketIssued) or (isinstance(event, ev.TicketNoted)
                                                  and event.kind == "print_queued"):
            for station in self.stations.values():
                station.wake()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return all(station.wait_idle(timeout) for station in self.stations.values())

    def worker(self, name: str) -> PrinterWorker | None:
        station = self.stations.get(name)
        return station.worker if station else None



class PrintGiveUp:
    """Gives up the jobs no printer took within ``[printing] give_up_seconds``: failed, offered for reprint.

    A job waits in the queue while its printer's agent is away; after this long the citizen has left the
    kiosk, so the ticket is not printed later for someone else to find: the kiosk, the console and the
    counter offer its reprint instead. Run by the device owner every ``SWEEP_SECONDS``.
    """

    SWEEP_SECONDS = 1.0

    def __init__(self, service: HallService, give_up_seconds: int) -> None:
        self.service = service
        self.give_up_seconds = give_up_seconds

    def sweep(self) -> int:
        """Give up the stale jobs; how many."""
        svc = self.service
        now = svc.clock.now()
        before = now - self.give_up_seconds
        with svc.storage.read() as db:  # the usual case, nothing stale, costs one indexed read and no write
            if db.execute("SELECT 1 FROM print_jobs WHERE state = 'queued' AND created_at < ? LIMIT 1",
                          [before]).fetchone() is None:
                return 0
        error = f"not printed within {self.give_up_seconds} s"
        with svc.storage.write() as db:
            jobs = print_jobs.give_up_queued(db, created_before=before, at=now, error=error)
            for job in jobs:
                svc.note_in(db, job["ticket"], "print_failed",
                            {"job": job["id"], "printer": job["printer"], "reprint": bool(job["reprint"]),
                             "error": error, "given_up": True})
        for job in jobs:
            logger.warning("printer %s: job %d of ticket %d given up: %s", job["printer"], job["id"], job["ticket"],
                           error)
        return len(jobs)
