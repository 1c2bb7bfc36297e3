"""The hall's wait estimates: a snapshot of the hall from its storage, the advisor's predictor, the range.

Called on every ticket issue (inside its transaction), every status-page update and every lobby
snapshot. The queries are bounded by the service day; the prior learned from the hall's own record
(the last four weeks) is computed once per day and process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from .advisor.predictors import WaitEstimate, estimate_wait
from .advisor.snapshot import (
    DUE_WINDOW,
    PRIORITY_WINDOW,
    CounterNow,
    DayHistory,
    MixPrior,
    ServiceMix,
    WaitSnapshot,
    build_snapshot,
    catalogue_prior,
    in_hand_of,
    recent_rate,
)
from .advisor.workload import fit_workload, prior_from_workload
from .domain.clock import Clock
from .domain.models import QueuedTicket
from .domain.routing import CounterView, OneWindowPolicy
from .storage import Storage
from .storage import advisor as store

if TYPE_CHECKING:
    from .queue_book import QueueBook

logger = logging.getLogger(__name__)

#: How many days of the record the prior is learned from, and how many finished cases it needs.
RECORD_DAYS = 28
MIN_RECORD_CASES = 200


#: Tickets ahead by group: (the oldest of the group, how many), as ``QueueIndex.ahead_groups`` gives them.
AheadGroups = Sequence[tuple[QueuedTicket, int]]


@dataclass(frozen=True)
class _HallNow:
    """What every estimate of one moment shares: the day so far and the counters."""

    history: DayHistory
    mix: ServiceMix
    counters: list[CounterNow]
    priority_rate: float
    appointments_due: int
    show_rate: float


class _ClockFree(NamedTuple):
    """What ``WaitEstimator._counters`` computed, and from which objects."""

    rows: store.DayRows
    prior: MixPrior
    views: tuple[CounterView, ...]
    counters: list[CounterNow]
    idle_mix: ServiceMix


class WaitEstimator:
    """Estimates waits from the hall's storage with the advisor's predictor (thread-safe)."""

    def __init__(self, policy: OneWindowPolicy, tz: ZoneInfo, storage: Storage | None = None) -> None:
        self.policy = policy
        self.tz = tz
        #: With the storage, the day's rows are kept per version of the day (else read for every estimate).
        self.storage = storage
        self._prior: tuple[str, MixPrior] | None = None
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, int, int, int], store.DayRows] = {}
        self._last_counters: _ClockFree | None = None

    def prior(self, db: Any, day: str) -> MixPrior:
        """The day's prior: learned from the last four weeks of the record, or the catalogue's figures."""
        with self._lock:
            if self._prior is not None and self._prior[0] == day:
                return self._prior[1]
        prior = self._learn_prior(db, day)
        with self._lock:
            self._prior = (day, prior)
        return prior

    def warm(self, storage: Storage, day: str) -> None:
        """Learn *day*'s prior now, in a read transaction of its own, if it is not known yet: so that the
        first ticket of the day does not learn it inside its write transaction (a few hundred ms)."""
        with self._lock:
            if self._prior is not None and self._prior[0] == day:
                return
        with storage.read() as db:
            self.prior(db, day)

    def _learn_prior(self, db: Any, day: str) -> MixPrior:
        minutes = store.catalogue_minutes(db)
        last = date.fromisoformat(day) - timedelta(days=1)
        record = store.visits(db, (last - timedelta(days=RECORD_DAYS - 1)).isoformat(), last.isoformat(), self.tz)
        if sum(1 for v in record if v.state == "finished") < MIN_RECORD_CASES:
            return catalogue_prior(minutes)
        learned = prior_from_workload(fit_workload(record, minutes))
        # Items the record has not seen keep the catalogue's proportions, at the record's pace.
        seen = [code for code in learned.item_seconds if code in minutes]
        pace = (sum(learned.item_seconds[c] for c in seen) / sum(minutes[c] * 60.0 for c in seen)) if seen else 1.0
        items = {code: m * 60.0 * pace for code, m in minutes.items()}
        items.update(learned.item_seconds)
        logger.info("wait estimates for %s learned from %d tickets of the record", day, len(record))
        return replace(learned, item_seconds=items)

    def day_rows(self, db: Any, day: str, prior: MixPrior) -> store.DayRows:
        """The day's rows as of the version *db* sees: read once per version, not once per ticket.

        The key is the day's version (bumped by triggers on calls, counters, priority walk-ins and bookings,
        not on an ordinary new ticket), the catalogue's (bundle items) and this process's rollback count
        (rows read inside a write that rolled back are never reused).
        """
        if self.storage is None:
            return store.day_rows(db, day, prior)
        versions = dict(db.execute("SELECT name, version FROM hall_versions WHERE name IN ('day', 'catalogue')")
                        .fetchall())
        key = (day, versions.get("day", 0), versions.get("catalogue", 0), self.storage.rollbacks)
        rows = self._rows.get(key)
        if rows is None or (rows.first_ticket_at is None and _has_ticket(db, day)):
            rows = store.day_rows(db, day, prior)
            with self._lock:
                if len(self._rows) >= 8:
                    self._rows.pop(next(iter(self._rows)))
                self._rows[key] = rows
        return rows

    def _now(self, db: Any, now: float, day: str, views: Mapping[int, CounterView]) -> _HallNow:
        prior = self.prior(db, day)
        rows = self.day_rows(db, day, prior)
        history = rows.history
        counters, idle_mix = self._counters(rows, prior, views)
        in_hand = in_hand_of(counters, now, history)
        first = rows.first_ticket_at
        return _HallNow(
            history=history, mix=ServiceMix.of_day(history, prior, in_hand) if in_hand else idle_mix,
            counters=counters,
            priority_rate=recent_rate(store.priority_walk_ins_since(rows, now - PRIORITY_WINDOW),
                                      now - (first if first is not None else now)),
            appointments_due=store.appointments_due(rows, now, DUE_WINDOW),
            show_rate=prior.appointment_show_rate,
        )

    def _counters(self, rows: store.DayRows, prior: MixPrior,
                  views: Mapping[int, CounterView]) -> tuple[list[CounterNow], ServiceMix]:
        """The counters as the estimate sees them, and the day's mix with no case in hand: neither depends on
        the clock, so both are kept while the day's rows, the prior and the counters' views stay the same
        objects (a burst of tickets between two calls computes them once)."""
        listed = tuple(views.values())
        last = self._last_counters
        if (last is not None and last.rows is rows and last.prior is prior and len(last.views) == len(listed)
                and all(a is b for a, b in zip(last.views, listed, strict=True))):
            return last.counters, last.idle_mix
        history = rows.history
        walk = history.walk_total / history.walks if history.walks else prior.walk_seconds
        counters = store.counters_now(rows, views, walk)
        if counters and not any(c.open for c in counters):  # before opening: as if every counter opens
            counters = [replace(c, open=True) for c in counters]
        mix = ServiceMix.of_day(history, prior)
        self._last_counters = _ClockFree(rows, prior, listed, counters, mix)
        return counters, mix

    def snapshots(self, db: Any, tickets: Sequence[tuple[QueuedTicket, AheadGroups | None]], now: float, day: str,
                  *, views: Mapping[int, CounterView], waiting: Sequence[QueuedTicket] = ()) -> list[WaitSnapshot]:
        """The snapshot of each ticket (waiting, or a probe not yet issued) at *now*, with the groups of
        tickets ahead of it (from the queue index), or None to find them among *waiting*.

        *views*: every counter that serves, by number, as routing sees it (open or not).
        """
        hall = self._now(db, now, day, views)
        return [build_snapshot(self.policy, ticket, hall.counters, hall.history, hall.mix, now,
                               ahead_groups=groups, waiting=waiting, priority_rate=hall.priority_rate,
                               appointments_due=hall.appointments_due, appointment_show_rate=hall.show_rate)
                for ticket, groups in tickets]

    def estimates(self, db: Any, tickets: Sequence[tuple[QueuedTicket, AheadGroups | None]], now: float, day: str,
                  *, views: Mapping[int, CounterView], waiting: Sequence[QueuedTicket] = ()) -> list[WaitEstimate]:
        """The shown estimate of each ticket."""
        return [estimate_wait(s) for s in self.snapshots(db, tickets, now, day, views=views, waiting=waiting)]

    def estimate(self, db: Any, ticket: QueuedTicket, now: float, day: str, *, views: Mapping[int, CounterView],
                 ahead_groups: AheadGroups | None = None, waiting: Sequence[QueuedTicket] = ()) -> WaitEstimate:
        """The shown estimate of one ticket: a new one (id NEWEST) at issue, or a waiting one."""
        return self.estimates(db, [(ticket, ahead_groups)], now, day, views=views, waiting=waiting)[0]


def _has_ticket(db: Any, day: str) -> bool:
    """The day's first ordinary ticket does not bump the day's version: rows read before it are re-read."""
    return db.execute("SELECT 1 FROM tickets WHERE service_day = ? LIMIT 1", [day]).fetchone() is not None


class QueueOwner(Protocol):
    """What ``waits_of`` needs of the hall service: its clock and day, storage, queue index and estimator."""

    clock: Clock
    storage: Storage
    queue: QueueBook
    wait_estimator: WaitEstimator

    def today(self, at: float | None = None) -> str: ...

    def able_views(self, db: Any) -> list[CounterView]: ...

    def views_by_number(self, db: Any) -> dict[int, CounterView]: ...


def waits_of(hall: QueueOwner, ticket_ids: Sequence[int]) -> dict[int, tuple[int, WaitEstimate]]:
    """(people ahead, live estimate) of each waiting ticket among *ticket_ids*: one index sync for all."""
    now = hall.clock.now()
    day = hall.today(now)
    hall.wait_estimator.warm(hall.storage, day)
    with hall.storage.read() as db:
        views = hall.able_views(db)
        with hall.queue.view(db, day) as index:
            waiting = [queued for ticket_id in ticket_ids if (queued := index.get(ticket_id)) is not None]
            ahead = [index.people_ahead(queued, views, now) for queued in waiting]
            groups = [(queued, index.ahead_groups(queued, views, now)) for queued in waiting]
        if not waiting:
            return {}
        estimates = hall.wait_estimator.estimates(db, groups, now, day, views=hall.views_by_number(db))
    return {queued.id: (n, estimate) for queued, n, estimate in zip(waiting, ahead, estimates, strict=True)}
