"""The wait predictors: their arithmetic on hand-made snapshots, and their error on replayed days."""

from __future__ import annotations

import heapq
import random
from dataclasses import replace
from datetime import date

import pytest

from hall.advisor.accuracy import EstimatedWait, estimate_error
from hall.advisor.generator import generate_day
from hall.advisor.predictors import (
    estimate_wait,
    item_mix,
    item_mix_priority,
    queue_length,
    queue_length_today,
    schedule_start,
    shown_range,
)
from hall.advisor.replay import FORWARD, SHOWN, replay_predictions
from hall.advisor.simulator import one_window_plan
from hall.advisor.snapshot import (
    CounterNow,
    DayHistory,
    ServiceMix,
    WaitSnapshot,
    build_snapshot,
    catalogue_prior,
    tickets_ahead,
)
from hall.domain.models import QueuedTicket
from hall.domain.routing import NEWEST, CounterView, OneWindowPolicy

from .conftest import catalogue_minutes

BASE = WaitSnapshot(priority=False, ahead=0, ahead_priority=0, ahead_cycle_seconds=0.0, counters_able=2, idle=0,
                    busy_remaining=(60.0, 200.0), mean_cycle_seconds=300.0, cycle_cv=0.6, recent_cycle_seconds=300.0,
                    head_of_line_seconds=None, last_called_wait_seconds=120.0)



def test_the_schedule_in_closed_form_is_the_counters_taking_tickets_one_by_one() -> None:
    """The start of the next ticket equals handing each ticket ahead to the counter that frees first, for
    idle and busy counters, equal free times, zero-length cases and queues far longer than the counters."""
    def one_by_one(free: list[float], each: float, ahead: int) -> float:
        heap = list(free)
        heapq.heapify(heap)
        for _ in range(ahead):
            heapq.heapreplace(heap, heap[0] + each)
        return heap[0]

    rng = random.Random(7)
    for _ in range(3000):
        free = [0.0] * rng.randint(0, 3) + [rng.uniform(0, 900) for _ in range(rng.randint(1, 10))]
        each, ahead = rng.choice([0.0, 300.0, rng.uniform(1, 600)]), rng.randint(0, 500)
        assert schedule_start(free, each, ahead) == pytest.approx(one_by_one(free, each, ahead), abs=1e-6)
    # starts 0, 100, 300, 400, …: the 5,001st is the first counter's after 2,500 rounds, the next the second's
    assert schedule_start([0.0, 100.0], 300.0, 5000) == 2500 * 300.0
    assert schedule_start([0.0, 100.0], 300.0, 5001) == 2500 * 300.0 + 100.0
    assert schedule_start([], 300.0, 10) == 0.0

def test_a_free_counter_means_no_wait():
    free = replace(BASE, idle=1, busy_remaining=(200.0,))
    for predictor in (queue_length_today, queue_length, item_mix, item_mix_priority):
        assert predictor(free) == 0.0
    assert estimate_wait(free).as_dict() == {"point": 0, "low": 0, "high": 1, "method": "item_mix_priority"}


def test_queue_length_predictors():
    four_ahead = replace(BASE, ahead=4, ahead_cycle_seconds=4 * 300.0)
    assert queue_length_today(four_ahead) == 4 * 300.0 / 2  # the hall's first estimate: no "+1"
    assert queue_length(four_ahead) == 5 * 300.0 / 2  # M/M/c: the ticket waits for a fifth departure


def test_item_mix_schedules_the_cases_in_hand_then_the_tickets_ahead():
    # One counter, 60 s left on its case, two tickets of 300 s ahead: called at 60 + 300 + 300.
    one = replace(BASE, counters_able=1, busy_remaining=(60.0,), ahead=2, ahead_cycle_seconds=600.0)
    assert item_mix(one) == pytest.approx(660.0)
    # Many counters, many ahead: the schedule takes over from the stationary share.
    many = replace(BASE, counters_able=4, busy_remaining=(50.0, 100.0, 150.0, 200.0), ahead=40,
                   ahead_cycle_seconds=40 * 300.0)
    assert item_mix(many) == pytest.approx(10 * 300.0 + 50.0, rel=0.01)
    # Longer items ahead mean a longer wait, the same number of people.
    assert item_mix(replace(many, ahead_cycle_seconds=40 * 600.0)) > 1.9 * item_mix(many)


def test_priority_arrivals_and_appointments_due_lengthen_a_walk_ins_wait_until_the_fairness_guard():
    queue = replace(BASE, counters_able=1, busy_remaining=(100.0,), ahead=3, ahead_cycle_seconds=900.0,
                    head_of_line_seconds=60.0)
    base = item_mix(queue)
    assert item_mix_priority(queue) == base
    jumped = replace(queue, priority_rate=1 / 600.0, appointments_due=2)
    assert item_mix_priority(jumped) > base + 300.0
    assert item_mix_priority(replace(jumped, priority=True)) == base  # a priority ticket is not jumped
    # When the head of the line is already overdue, the counters call overdue tickets first: no jumps.
    assert item_mix_priority(replace(jumped, head_of_line_seconds=2000.0)) == base


def test_the_shown_range_rounds_outwards_and_to_fives_from_twenty_minutes():
    assert shown_range(7.4 * 60, 12.2 * 60) == (7, 13)
    assert shown_range(18 * 60, 27 * 60) == (15, 30)
    assert shown_range(-30.0, 20.0) == (0, 1)
    crowded = replace(BASE, ahead=30, ahead_cycle_seconds=30 * 300.0)
    shown = estimate_wait(crowded)
    assert shown.low < shown.point < shown.high and shown.low % 5 == 0 and shown.high % 5 == 0


def test_the_snapshot_counts_what_routing_would_call_first():
    policy = OneWindowPolicy(1800)
    views = [CounterView(n, frozenset({"B06", "C01"}), frozenset({"pension", "injury"})) for n in (1, 2)]
    waiting = [QueuedTicket(1, "pension", frozenset({"B06"}), False, 0.0),
               QueuedTicket(2, "injury", frozenset({"C01"}), True, 50.0),
               QueuedTicket(3, "pension", frozenset({"B06"}), False, 100.0)]
    new = QueuedTicket(NEWEST, "pension", frozenset({"B06"}), False, 120.0)
    assert [t.id for t in tickets_ahead(policy, new, waiting, views, 120.0)] == [1, 2, 3]
    priority = QueuedTicket(NEWEST, "pension", frozenset({"B06"}), True, 120.0)
    assert [t.id for t in tickets_ahead(policy, priority, waiting, views, 120.0)] == [2]
    counters = [CounterNow(views[0], True, 0.0, frozenset({"C01"})), CounterNow(views[1], False)]
    history = DayHistory()
    mix = ServiceMix.of_day(history, catalogue_prior(catalogue_minutes()))
    snapshot = build_snapshot(policy, new, counters, history, mix, 120.0, waiting=waiting)
    assert (snapshot.ahead, snapshot.ahead_priority, snapshot.counters_able, snapshot.idle) == (3, 1, 1, 0)
    # A work-injury claim (15 catalogue minutes) and two pension checks (3 minutes) ahead, plus walks.
    assert snapshot.ahead_cycle_seconds == pytest.approx(
        mix.cycle(frozenset({"C01"})) + 2 * mix.cycle(frozenset({"B06"})))
    assert snapshot.head_of_line_seconds == 120.0
    assert snapshot.busy_remaining[0] == pytest.approx(15 * 60 + 40 - 120, rel=0.01)


def test_estimate_error_worked_example():
    error = estimate_error([EstimatedWait(10, 5, 15, 12.0), EstimatedWait(10, 5, 15, 16.0),
                            EstimatedWait(0, 0, 1, 0.5), EstimatedWait(20, None, None, 10.0)])
    assert error.tickets == 4 and error.ranged == 3
    assert error.mean_abs_minutes == pytest.approx((2 + 6 + 0.5 + 10) / 4)
    assert error.p90_abs_minutes == 10.0
    assert error.bias_minutes == pytest.approx((2 + 6 + 0.5 - 10) / 4)
    assert error.coverage == pytest.approx(2 / 3)


def test_on_replayed_days_the_shown_estimate_beats_the_halls_first_one_and_knows_its_error(seed_workload):
    days = [generate_day(seed_workload, date(2026, 3, 11), random.Random(500 + n)) for n in range(4)]
    comparison, per_day = replay_predictions(days, one_window_plan(seed_workload, 10), OneWindowPolicy(1800),
                                             catalogue_prior(catalogue_minutes()), forward_every=25, forward_runs=10)
    errors = comparison.errors
    assert comparison.tickets == sum(len(d) for d in days)
    assert errors[SHOWN].mean_abs_minutes < errors["queue_length_today"].mean_abs_minutes
    assert errors[SHOWN].mean_abs_minutes < errors["head_of_line"].mean_abs_minutes
    assert errors[SHOWN].coverage >= 0.75
    assert FORWARD in comparison.sampled and comparison.forward_seconds_per_ticket > 0
    assert len(per_day) == 4 and all(p.shown.low <= p.shown.point <= p.shown.high for p in per_day[0])
