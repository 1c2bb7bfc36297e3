"""The citizen's phone in one hall process: numbers, remote tickets, online bookings, notices and their workers.

Every process builds one ``PhoneHall`` (``app.extensions["onewindow.phone"]``) for its requests; the
device-owner process also runs its workers (``start_owner``): the SMS sender, the notice watcher, the
sweeper of remote tickets not confirmed in time, booking reminders and the retention job that erases
phone numbers no longer needed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from typing import Any

from .admission import Admission, RulesWatch
from .appointment_plans import AppointmentPlans
from .appointments import AppointmentBook
from .config import Config
from .contacts import Contacts
from .domain.events import HallEvent
from .notices.book import Notices
from .notices.sender import SmsSender
from .notices.sms import SmsGateway, make_gateway
from .notices.watcher import NoticeWatcher
from .periodic import PeriodicTask
from .phone_config import PhoneSettings
from .remote import ArrivalCodes, RemoteQueue
from .service import HallService
from .storage import appointments as appointment_store

logger = logging.getLogger(__name__)

NO_SHOW_SWEEP_SECONDS = 1.0
REMINDER_SECONDS = 5.0
RETENTION_SECONDS = 60.0


def derived_key(secret: str, purpose: str) -> bytes:
    """A key of its own for each use of the hall's secret (phone hashes, ID digests, arrival codes)."""
    return hmac.new(secret.encode(), f"onewindow:{purpose}".encode(), hashlib.sha256).digest()


class PhoneHall:
    """What the phone pages, the kiosk's arrival and the console need, and the owner's phone workers."""

    def __init__(self, service: HallService, config: Config, secret: str, *,
                 gateway: SmsGateway | None = None) -> None:
        admission = service.admission
        if not isinstance(admission, Admission):
            raise RuntimeError("the hall service has no admission check installed")
        self.service = service
        self.config = config
        self.watch: RulesWatch = admission.watch
        self.gateway = gateway if gateway is not None else make_gateway(config.sms)
        self.contacts = Contacts(service.storage, service.clock, derived_key(secret, "phone"), self.settings,
                                 on_queued=self._wake_sender)
        kinds = frozenset(config.sms.templates) if self.gateway is not None else frozenset()
        self.notices = Notices(service, self.contacts, self.settings, sms_kinds=kinds,
                               per_number_per_day=config.sms.per_number_per_day, on_sms=self._wake_sender)
        self.arrival = ArrivalCodes(derived_key(secret, "arrival"))
        self.remote = RemoteQueue(service, self.watch, self.contacts, self.notices, self.arrival)
        self.book = AppointmentBook(service)
        self.plans = AppointmentPlans(service, self.book, self.contacts, self.notices, derived_key(secret, "id-number"))
        self.sender: SmsSender | None = None
        self.watcher: NoticeWatcher | None = None
        self._tasks: list[PeriodicTask] = []

    @property
    def sms_enabled(self) -> bool:
        return self.gateway is not None

    def settings(self) -> PhoneSettings:
        """The [phone] settings in force (configuration and what managers saved)."""
        with self.service.storage.read() as db:
            return self.watch.current(db).phone

    def open_bookings(self, contact: int, *, today_only: bool = False) -> list[dict[str, Any]]:
        """The number's bookings not yet checked in or cancelled, from today on (or of today only)."""
        today = self.service.today()
        with self.service.storage.read() as db:
            found = appointment_store.open_bookings_of_contact(db, contact, today)
        return [b for b in found if b["token"] and (not today_only or b["service_day"] == today)]

    def _wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    # ---- the device-owner process -----------------------------------------------------------------

    def start_owner(self) -> tuple[list[Callable[[HallEvent], None]], list[PeriodicTask]]:
        """Start the owner's phone workers; returns the bus listeners to subscribe and the periodic tasks."""
        self.watcher = NoticeWatcher(self.service, self.notices).start()
        if self.gateway is not None:
            self.sender = SmsSender(self.service.storage, self.service.clock, self.gateway, self.contacts,
                                    self.config.sms).start()
        self._tasks = [
            PeriodicTask("remote-no-shows", NO_SHOW_SWEEP_SECONDS, self.remote.sweep_no_shows),
            PeriodicTask("booking-reminders", REMINDER_SECONDS, self.plans.send_reminders, run_at_start=True),
            PeriodicTask("phone-retention", RETENTION_SECONDS, self.contacts.erase_expired, run_at_start=True),
        ]
        return [self.watcher.on_event], self._tasks

    def close_owner(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
            self.watcher = None
        if self.sender is not None:
            self.sender.close()
            self.sender = None

    def owner_tasks(self) -> dict[str, Any]:
        """The running owner tasks by name (tests wait on their runs)."""
        return {task.name: task for task in self._tasks}
