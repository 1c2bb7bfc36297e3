"""Routing policies: priority, fairness, one-window versus dedicated queues."""

from __future__ import annotations

import pytest

from hall.domain.models import QueuedTicket
from hall.domain.routing import CounterView, DedicatedPolicy, OneWindowPolicy, make_policy, people_ahead

PENSION = frozenset({"B01", "B02"})
CARD = frozenset({"E01"})
EVERYTHING = PENSION | CARD


def counter(number: int, items=EVERYTHING, dedicated: str | None = None) -> CounterView:
    cats = frozenset(("pension" if i.startswith("B") else "card") for i in items)
    return CounterView(number, frozenset(items), cats, dedicated)


def ticket(tid: int, at: float, items=frozenset({"B01"}), priority=False, **kw) -> QueuedTicket:
    category = "pension" if next(iter(items)).startswith("B") else "card"
    return QueuedTicket(tid, category, frozenset(items), priority, at, **kw)


def test_oldest_first():
    policy = OneWindowPolicy(1800)
    waiting = [ticket(2, 200), ticket(1, 100), ticket(3, 300)]
    assert policy.choose(counter(1), waiting, now=400).id == 1


def test_priority_ahead_of_older_walk_ins():
    policy = OneWindowPolicy(1800)
    waiting = [ticket(1, 100), ticket(2, 200, priority=True)]
    assert policy.choose(counter(1), waiting, now=300).id == 2


def test_fairness_guard_puts_overdue_tickets_before_priority():
    policy = OneWindowPolicy(fairness_target_seconds=600)
    waiting = [ticket(1, 0), ticket(2, 500, priority=True)]
    assert policy.choose(counter(1), waiting, now=300).id == 2  # nobody overdue yet: priority first
    assert policy.choose(counter(1), waiting, now=601).id == 1  # ticket 1 waited past the target


def test_counter_only_gets_what_it_is_authorised_for():
    policy = OneWindowPolicy(1800)
    waiting = [ticket(1, 100, items=frozenset({"E01"})), ticket(2, 200)]
    assert policy.choose(counter(1, items=PENSION), waiting, now=300).id == 2
    assert policy.choose(counter(1, items=frozenset({"B01"})), [ticket(3, 1, items=PENSION)], now=5) is None


def test_transfer_targets():
    policy = OneWindowPolicy(1800)
    to_counter_2 = ticket(1, 100, target_counter=2)
    assert not policy.eligible(counter(1), to_counter_2)
    assert policy.eligible(counter(2, items=CARD), to_counter_2)  # sent there on purpose
    to_card = ticket(2, 100, target_category="card")
    assert policy.eligible(counter(3, items=CARD), to_card)
    assert not policy.eligible(counter(4, items=PENSION), to_card)


def test_dedicated_policy_serves_only_its_category_while_one_window_serves_all():
    waiting = [ticket(1, 100, items=CARD), ticket(2, 200)]
    pension_desk = counter(1, dedicated="pension")
    assert DedicatedPolicy(1800).choose(pension_desk, waiting, now=300).id == 2
    assert OneWindowPolicy(1800).choose(pension_desk, waiting, now=300).id == 1


def test_make_policy_by_name():
    assert isinstance(make_policy("dedicated", 60), DedicatedPolicy)
    with pytest.raises(ValueError, match="unknown routing policy"):
        make_policy("random", 60)


def test_people_ahead_counts_only_tickets_served_first_by_able_counters():
    policy = OneWindowPolicy(1800)
    waiting = [ticket(1, 100), ticket(2, 150, items=CARD), ticket(3, 200, priority=True)]
    new = ticket(9, 300)
    # Counter 1 serves pensions only; the card ticket is not ahead of a pension ticket there.
    assert people_ahead(policy, new, waiting, [counter(1, items=PENSION)], now=300) == 2
    assert people_ahead(policy, new, waiting, [counter(1)], now=300) == 3


def test_estimate_wait():
    from hall.domain.estimate import estimate_wait_minutes, mean_service_minutes

    assert estimate_wait_minutes(0, 3, 10) == 0
    assert estimate_wait_minutes(5, 2, 6) == 15
    assert estimate_wait_minutes(1, 0, 7) == 7  # no counter open: as if one
    assert mean_service_minutes([60, 120], 9) == 9  # too few samples: catalogue figure
    assert mean_service_minutes([60, 120, 180], 9) == 2


def test_routing_in_the_service_follows_priority(hall_service, clock):
    walk_in = hall_service.issue_ticket(service="B01")
    clock.advance(30)
    priority = hall_service.issue_ticket(service="B01", priority=True)
    assert priority.people_ahead == 0 and walk_in.people_ahead == 0
    assert hall_service.call_next(1, "clerk1").id == priority.id


def test_estimated_wait_grows_with_the_queue_and_shrinks_with_open_counters(hall_service):
    for _ in range(10):
        hall_service.issue_ticket(service="B01")
    five_open = hall_service.issue_ticket(service="B01")
    for number in (2, 3, 4, 5):
        hall_service.pause(number, None, "training")
    one_open = hall_service.issue_ticket(service="B01")
    assert five_open.people_ahead == 10 and one_open.people_ahead == 11
    assert one_open.estimated_wait_minutes > 4 * five_open.estimated_wait_minutes > 0


def test_estimate_adds_up_the_items_ahead_at_todays_pace(hall_service, clock):
    for number in (2, 3, 4, 5):
        hall_service.pause(number, None, "training")
    for _ in range(6):  # today A01 takes 5 minutes, half the catalogue's 10: the hall runs at half its pace
        hall_service.issue_ticket(service="A01")
        hall_service.call_next(1, None)
        clock.advance(30)
        hall_service.start(1, None)
        clock.advance(300)
        hall_service.finish(1, None)
    hall_service.issue_ticket(service="B06")  # pension check: 3 catalogue minutes, 1.5 today
    hall_service.issue_ticket(service="B06")
    behind_quick = hall_service.issue_ticket(service="E05")
    for _ in range(3):
        hall_service.call_next(1, None)
        hall_service.no_show(1, None)
    hall_service.issue_ticket(service="C01")  # work-injury claim: 15 catalogue minutes, 7.5 today
    hall_service.issue_ticket(service="C01")
    behind_slow = hall_service.issue_ticket(service="E05")
    assert behind_quick.people_ahead == behind_slow.people_ahead == 2
    # The one open counter takes both tickets ahead in turn, each for its item's time plus the walk.
    assert 3 <= behind_quick.estimated_wait_minutes <= 5
    assert 14 <= behind_slow.estimated_wait_minutes <= 19
    for ticket in (behind_quick, behind_slow):
        assert ticket.estimated_wait_low <= ticket.estimated_wait_minutes <= ticket.estimated_wait_high
