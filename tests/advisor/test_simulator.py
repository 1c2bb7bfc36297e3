"""The simulator against an M/M/c queue with a known answer, and its plan and routing semantics."""

from __future__ import annotations

import math
import random

import pytest

from hall.advisor.generator import Arrival
from hall.advisor.metrics import day_figures
from hall.advisor.simulator import DaySimulation, Plan, dedicated_plan, dedicated_windows, one_window_plan, simulate_day
from hall.advisor.staffing import erlang_c, service_level
from hall.advisor.timeline import Sessions
from hall.advisor.workload import Service
from hall.domain.routing import CounterView, DedicatedPolicy, OneWindowPolicy

ITEM = Service("X01", "pension", frozenset({"X01"}))


def arrival(at: float, service: float, *, priority: bool = False, what: Service = ITEM, no_show: bool = False,
            walk: float = 0.0) -> Arrival:
    return Arrival(at=at, service=what, priority=priority, appointment=False, service_seconds=service,
                   walk_seconds=walk, no_show=no_show)


def all_day_plan(counters: int) -> Plan:
    views = tuple(CounterView(n, frozenset({"X01"}), frozenset({"pension"})) for n in range(1, counters + 1))
    numbers = tuple(range(1, counters + 1))
    return Plan(views, {q: numbers for q in range(96)}, Sessions(((0, 96),)))


def test_mmc_waits_match_erlang_c():
    """3 counters, Poisson arrivals at 28.8 an hour, exponential 5-minute service: load 2.4, ρ = 0.8."""
    rate, mean_service, counters = 0.008, 300.0, 3
    load = rate * mean_service
    # Erlang C by hand: B(3, 2.4) = 0.26841, C = 3B / (3 − 2.4(1 − B)) = 0.6472; W = C / (cμ − λ) = 323.6 s.
    assert erlang_c(counters, load) == pytest.approx(0.6472, abs=1e-4)
    expected_wait = erlang_c(counters, load) / (counters / mean_service - rate)
    assert expected_wait == pytest.approx(323.6, abs=0.5)
    waits, within = [], []
    rng = random.Random(11)
    for _ in range(40):
        at, arrivals = rng.expovariate(rate), []
        while at < 24 * 3600:
            arrivals.append(arrival(at, rng.expovariate(1 / mean_service)))
            at += rng.expovariate(rate)
        run = simulate_day(arrivals, all_day_plan(counters), OneWindowPolicy(10**9))
        steady = [t.wait for t in run.tickets if 2 * 3600 < t.arrival.at < 22 * 3600]
        waits += steady
        within += [w <= 300.0 for w in steady]
    assert len(waits) > 20_000
    assert sum(waits) / len(waits) == pytest.approx(expected_wait, rel=0.08)
    assert sum(within) / len(within) == pytest.approx(service_level(counters, load, mean_service, 300.0), abs=0.02)
    assert sum(w > 0 for w in waits) / len(waits) == pytest.approx(erlang_c(counters, load), abs=0.03)


def test_the_routing_policy_decides_priority_goes_first():
    """One counter, busy until 600 s; a walk-in at 10 s and a priority ticket at 20 s: priority is called first."""
    arrivals = [arrival(0.0, 600.0), arrival(10.0, 60.0), arrival(20.0, 60.0, priority=True)]
    run = simulate_day(arrivals, all_day_plan(1), OneWindowPolicy(1800))
    walk_in, priority = run.tickets[1], run.tickets[2]
    assert priority.called == pytest.approx(600.0) and walk_in.called == pytest.approx(660.0)
    # Past the fairness target the walk-in goes first after all: that rule is the policy's too.
    run = simulate_day(arrivals, all_day_plan(1), OneWindowPolicy(585))  # the walk-in waited 590 s, priority 580
    assert run.tickets[1].called == pytest.approx(600.0)


def test_walk_no_show_and_the_counter_busy_meanwhile():
    arrivals = [arrival(0.0, 100.0, walk=30.0), arrival(1.0, 100.0, no_show=True), arrival(2.0, 50.0)]
    sim = DaySimulation(arrivals, all_day_plan(1), OneWindowPolicy(1800), no_show_wait_seconds=120.0)
    run = sim.run()
    first, missed, last = run.tickets
    assert (first.called, first.started, first.finished) == (0.0, 30.0, 130.0)
    assert missed.called == 130.0 and missed.started is None and missed.finished is None
    assert last.called == 250.0  # the counter waited 120 s for the citizen who never came
    assert run.busy[1] == [(0.0, 130.0), (130.0, 250.0), (250.0, 300.0)]


def test_counters_follow_the_plan_per_quarter_hour_and_finish_their_case_first():
    views = (CounterView(1, frozenset({"X01"}), frozenset({"pension"})),
             CounterView(2, frozenset({"X01"}), frozenset({"pension"})))
    plan = Plan(views, {36: (1, 2), 37: (1,)}, Sessions(((36, 38),)))  # 9:00–9:30, counter 2 only until 9:15
    start = 9 * 3600.0
    arrivals = [arrival(start + 60 * i, 600.0) for i in range(6)]
    run = simulate_day(arrivals, plan, OneWindowPolicy(1800))
    by_counter: dict[int, list[float]] = {}
    for t in run.tickets:
        by_counter.setdefault(t.counter, []).append(t.called - start)
    # Counter 2 calls at 9:01 and 9:11; it leaves the plan at 9:15 but finishes that case (9:21) first.
    assert by_counter[2] == [60.0, 660.0]
    assert run.open[2] == [(start, start + 1260.0)]
    # Counter 1 keeps calling after the last quarter-hour until nobody waits (tickets taken are served).
    assert all(t.called is not None for t in run.tickets)
    assert run.open[1][-1][1] == max(t.finished for t in run.tickets)
    figures, per_hour = day_figures([run], 900.0)
    assert figures.tickets == 6 and 0 < figures.utilisation <= 1


def test_dedicated_windows_serve_their_category_only(seed_workload):
    windows = dedicated_windows(seed_workload, 10)
    assert sum(windows.values()) == 10 and min(windows.values()) >= 1 and windows["pension"] >= 2
    plan = dedicated_plan(seed_workload, {c: n for c, n in windows.items() if c != "injury"})
    arrivals = [arrival(9 * 3600.0, 60.0, what=seed_workload.services["C01"]),
                arrival(9 * 3600.0 + 1, 60.0, what=seed_workload.services["B06"])]
    run = simulate_day(arrivals, plan, DedicatedPolicy(1800))
    injury, pension = run.tickets
    assert injury.called is None and pension.called == pytest.approx(9 * 3600.0 + 1)
    run = simulate_day(arrivals, one_window_plan(seed_workload, 1), OneWindowPolicy(1800))
    assert all(t.called is not None for t in run.tickets)


def test_a_month_of_the_seed_hall_runs(seed_workload):
    from datetime import date, timedelta

    from hall.advisor.generator import generate_day

    plan = one_window_plan(seed_workload, 10)
    policy = OneWindowPolicy(1800)
    day = date(2026, 3, 2)
    runs = []
    for n in range(22):
        runs.append(simulate_day(generate_day(seed_workload, day, random.Random(n)), plan, policy))
        day += timedelta(days=1 if day.weekday() < 4 else 3)
    figures, per_hour = day_figures(runs, 900.0)
    assert 600 * 22 < figures.tickets < 760 * 22
    assert figures.called == figures.tickets
    assert per_hour[9].mean_wait > per_hour[15].mean_wait  # the morning peak
    assert not math.isnan(figures.utilisation)
