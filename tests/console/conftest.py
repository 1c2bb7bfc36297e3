"""A crafted day of tickets whose report figures are worked out by hand in the tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hall.accounts import Accounts
from hall.domain.clock import FixedClock
from hall.service import HallService

MINUTE = 60.0


@dataclass
class Crafted:
    """Ticket ids of the crafted data set."""

    t1: int
    t2: int
    t3: int
    t4: int
    t5: int
    t6: int


def craft_tickets(service: HallService, accounts: Accounts, clock: FixedClock) -> Crafted:
    """Six tickets over two days (the clock starts 2026-11-25 09:00 Shanghai).

    Day 1, target 15 min:
      T1 A01 09:00, called 09:05 by clerk1 at counter 1, started 09:06, finished 09:16, rated 5
      T2 A01 09:00, called 09:20 by clerk2 at counter 2, started 09:21, finished 09:25, rated 2
      T3 B01 09:00, called 09:30 by clerk1 at counter 1, no-show
      T4 A01 10:00, cancelled 10:02 (never called)
      T5 bundle P01 10:10, called 10:12 by clerk2 at counter 2, started 10:13, finished 10:19, unrated
    Day 2:
      T6 A01 2026-11-26 09:00, called 09:01 by clerk1 at counter 1
    """
    start = clock.now()
    at = lambda minutes: clock.set(start + minutes * MINUTE)  # noqa: E731
    evaluator1, _ = accounts.add_device("evaluator", counter=1)
    evaluator2, _ = accounts.add_device("evaluator", counter=2)
    t1 = service.issue_ticket(service="A01").id
    t2 = service.issue_ticket(service="A01").id
    t3 = service.issue_ticket(service="B01").id
    at(5)
    service.call_specific(1, "clerk1", "A001")
    at(6)
    service.start(1, "clerk1")
    at(16)
    service.finish(1, "clerk1")
    service.rate(t1, 5, device_id=evaluator1.id, device_counter=1)
    at(20)
    service.call_specific(2, "clerk2", "A002")
    at(21)
    service.start(2, "clerk2")
    at(25)
    service.finish(2, "clerk2")
    service.rate(t2, 2, device_id=evaluator2.id, device_counter=2)
    at(30)
    service.call_specific(1, "clerk1", "B001")
    service.no_show(1, "clerk1")
    at(60)
    t4 = service.issue_ticket(service="A01").id
    at(62)
    service.cancel(t4, "manager", "left")
    at(70)
    t5 = service.issue_ticket(bundle="P01").id
    at(72)
    service.call_specific(2, "clerk2", "A004")
    at(73)
    service.start(2, "clerk2")
    at(79)
    service.finish(2, "clerk2")
    at(85)
    assert service.expire_ratings() == 1
    at(24 * 60)
    t6 = service.issue_ticket(service="A01").id
    at(24 * 60 + 1)
    service.call_specific(1, "clerk1", "A001")
    return Crafted(t1, t2, t3, t4, t5, t6)


@pytest.fixture
def crafted(ctx, clock) -> Crafted:
    """The crafted tickets in the app's hall; the clock is left on day 2."""
    return craft_tickets(ctx.service, ctx.accounts, clock)
