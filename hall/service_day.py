"""The service day closes: nothing carries over to the next morning.

At the day boundary (``[hall] day_start``) every ticket of a past day that is still waiting, called,
being served or held is closed with an ``expired`` event (reason ``day_closed``), every counter
that was signed in on a past day is closed, and each past day's wait-estimate error is recorded. The
device-owner process runs this every half minute and once when it starts — so a server that was down
over the boundary closes the day it missed before anyone is called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .domain.states import OPEN, CounterState, TicketAction
from .lobby_board import day_start_at
from .service import HallService
from .storage import repo

logger = logging.getLogger(__name__)

#: Open tickets closed per transaction (a hall that was shut for a long weekend has a few thousand).
BATCH = 500
#: Past days whose wait-estimate error a day closing records at most (hall.advisor, docs/advisor.md).
ESTIMATE_DAYS = 31
DayClosedHook = Callable[[Any, str], object]


@dataclass(frozen=True)
class DayClosed:
    """What closing the past days did."""

    tickets: int
    counters: int
    days: tuple[str, ...]


class DayCloser:
    """Closes every service day before today; ``on_day_closed(db, day)`` hooks run in the closing transaction."""

    def __init__(self, service: HallService) -> None:
        self.service = service
        self.on_day_closed: list[DayClosedHook] = []

    def close_past_days(self) -> DayClosed:
        svc = self.service
        now = svc.clock.now()
        today = svc.today(now)
        hall = svc.hall
        since = day_start_at(today, hall.tz, hall.day_start)
        states = [s.value for s in OPEN]
        closed_tickets = 0
        days: set[str] = set()
        while True:
            with svc.storage.write() as db:
                rows = db.execute(
                    f"SELECT id FROM tickets WHERE state IN ({','.join('?' * len(states))}) AND service_day < ? "
                    "ORDER BY id LIMIT ?", [*states, today, BATCH]).fetchall()
                for row in rows:
                    ticket = repo.ticket(db, row["id"])
                    assert ticket is not None
                    svc.apply(db, ticket, TicketAction.EXPIRE, counter=None, staff=None,
                              data={"reason": "day_closed", "service_day": ticket.service_day})
                    days.add(ticket.service_day)
                closed_tickets += len(rows)
                if len(rows) < BATCH:
                    counters = self._close_counters(db, since)
                    recorded = self._record_estimate_errors(db, today)
                    for day in sorted(days):
                        for hook in self.on_day_closed:
                            hook(db, day)
                    svc._committed()
                    break
                svc._committed()
        if closed_tickets or counters or recorded:
            logger.info("closed the service day(s) %s: %d open ticket(s) expired, %d counter(s) closed, "
                        "wait-estimate error recorded for %s", ", ".join(sorted(days)) or "—", closed_tickets,
                        counters, ", ".join(recorded) or "no day")
        return DayClosed(closed_tickets, counters, tuple(sorted(days)))

    def _record_estimate_errors(self, db: Any, today: str) -> list[str]:
        """Record the wait-estimate error of every past day with tickets that has none yet, newest first, going
        back at most ESTIMATE_DAYS days (a server down over a long weekend records each day it missed). Each
        step is one look-up in an index: the newest day with tickets before the one looked at."""
        from .storage.advisor import record_day_estimate_error

        recorded: list[str] = []
        before = today
        for _ in range(ESTIMATE_DAYS):
            row = db.execute("SELECT max(service_day) FROM tickets WHERE service_day < ?", [before]).fetchone()
            day = row[0] if row else None
            if day is None or db.execute("SELECT 1 FROM estimate_errors WHERE service_day = ?", [day]).fetchone():
                break
            record_day_estimate_error(db, day, at=self.service.clock.now())
            recorded.append(day)
            before = day
        return recorded

    def _close_counters(self, db: Any, since: float) -> int:
        """Counters still signed in since before today's start go back to closed."""
        rows = db.execute("SELECT number, staff FROM counters WHERE state != ? AND state_since < ?",
                          [CounterState.CLOSED.value, since]).fetchall()
        now = self.service.clock.now()
        for row in rows:
            repo.update_counter(db, row["number"], state=CounterState.CLOSED.value, state_since=now, staff=None,
                                pause_reason=None, current_ticket=None)
            repo.append_event(db, at=now, type="counter_closed", counter=row["number"], staff=None,
                              data={"reason": "day_closed", "staff": row["staff"]})
        return len(rows)
