"""Personal data over time: erased when its purpose is over (the retention job), and every unmasked view of it
recorded in the audit log (GB/T 35273: storage limitation, and a record of who accessed personal data).

What is kept (docs/security.md): a follow-up's call-back contact and what the citizen said are erased
``[privacy] followup_contact_days`` after the follow-up was closed (or voided); its other notes
(rectification, appeal, decision, closing note) stay, with every phone and ID number in them masked. A
back-office case's notes are masked ``case_note_days`` after the case was delivered or rejected. Ratings,
dates and who did what stay for the reports. Ended staff logins are forgotten after 30 days.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from . import audit
from .config import PrivacySettings
from .domain.clock import Clock
from .privacy import mask_text
from .sessions import StaffSessions
from .storage import Storage
from .storage import retention as store

logger = logging.getLogger(__name__)

DAY = 86400.0
#: Rows handled per table and run: a run's cost does not grow with history.
BATCH = 500
#: How often the device-owner process runs the job.
INTERVAL_SECONDS = 3600.0
ERASED = ("callback_contact", "callback_said")


@dataclass(frozen=True)
class RetentionRun:
    """What one run erased."""

    followups: int
    cases: int
    logins: int


class RetentionJob:
    """Erases personal data whose time is up; run every hour by the process that owns background work."""

    def __init__(self, storage: Storage, clock: Clock, settings: PrivacySettings, sessions: StaffSessions) -> None:
        self.storage = storage
        self.clock = clock
        self.settings = settings
        self.sessions = sessions

    def run(self) -> RetentionRun:
        now = self.clock.now()
        with self.storage.write() as db:
            followups = store.to_erase(db, store.FOLLOWUPS, now - self.settings.followup_contact_days * DAY, BATCH)
            cases = store.to_erase(db, store.CASES, now - self.settings.case_note_days * DAY, BATCH)
            for kept, rows in ((store.FOLLOWUPS, followups), (store.CASES, cases)):
                for row in rows:
                    store.erase(db, kept, row["id"], {name: None if name in ERASED else mask_text(row[name])
                                                      for name in kept.fields}, now)
        logins = self.sessions.purge()
        if followups or cases or logins:
            logger.info("retention: erased the personal data of %d follow-up(s) and %d case(s); forgot %d login(s)",
                        len(followups), len(cases), logins)
        return RetentionRun(len(followups), len(cases), logins)


def record_unmasked_view(storage: Storage, clock: Clock, actor: str, what: str, ids: Iterable[int],
                         fields: Iterable[str]) -> None:
    """Note in the audit log that *actor* was shown personal data unmasked (e.g. follow-ups' contacts)."""
    shown = sorted(set(ids))
    if not shown:
        return
    with storage.write() as db:
        audit.record(db, clock, actor, "personal_data.view", f"{what}:{','.join(map(str, shown[:50]))}", None,
                     {"fields": sorted(set(fields)), "count": len(shown)})
