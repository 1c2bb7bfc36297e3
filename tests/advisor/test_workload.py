"""The workload fit: what it learns from a record matches what the record was drawn from."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from hall.advisor.errors import NoHistory
from hall.advisor.generator import generate_day
from hall.advisor.simulator import one_window_plan, simulate_day, visits_of
from hall.advisor.timeline import Sessions
from hall.advisor.workload import ServiceTime, fit_workload, normal_quantile, prior_from_workload
from hall.domain.routing import make_policy
from hall.storage import advisor as store

from .conftest import SHANGHAI, catalogue_minutes, record_days


def working_days(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@pytest.fixture(scope="module")
def fitted(seed_workload):
    """Eight weeks of the seed hall (with two month starts) simulated on 14 counters, then fitted."""
    policy = make_policy("one-window", 1800)
    plan = one_window_plan(seed_workload, 14)
    visits = []
    for n, day in enumerate(working_days(date(2026, 3, 2), 40)):
        run = simulate_day(generate_day(seed_workload, day, random.Random(n)), plan, policy)
        visits += visits_of(run, day)
    return fit_workload(visits, catalogue_minutes()), visits


def test_the_fit_recovers_arrivals_by_weekday_and_quarter_and_the_month_start_surge(seed_workload, fitted):
    workload, _ = fitted
    assert workload.sessions == Sessions(((36, 48), (54, 68)))  # 9:00–12:00 and 13:30–17:00
    for weekday in range(5):
        truth = seed_workload.daily_arrivals(weekday)
        assert workload.daily_arrivals(weekday) == pytest.approx(truth, rel=0.06)
    # The morning peak is where it was drawn: 9:30 is the busiest quarter-hour, 16:45 the quietest.
    busiest = max(workload.sessions.quarters(), key=lambda q: workload.quarter_rate(0, q))
    assert busiest in (37, 38, 39)
    assert workload.month_start_measured
    assert workload.month_start_factor == pytest.approx(1.3, abs=0.1)


def test_the_fit_recovers_service_walk_no_show_and_priority(seed_workload, fitted):
    workload, _ = fitted
    assert workload.mean_service_seconds() == pytest.approx(seed_workload.mean_service_seconds(), rel=0.04)
    for code in ("B06", "E01", "A02"):  # frequent items: fitted to within a few per cent
        assert workload.service_times[code].mean == pytest.approx(seed_workload.service_times[code].mean, rel=0.08)
        assert workload.service_times[code].cv == pytest.approx(0.6, abs=0.1)
    assert workload.walk.mean == pytest.approx(40.0, rel=0.05)
    assert workload.no_show_rate == pytest.approx(0.04, abs=0.01)
    assert workload.recall_rate == pytest.approx(0.10, abs=0.015)
    assert workload.priority_share == pytest.approx(0.05, abs=0.01)
    assert workload.appointment_share == pytest.approx(0.06, abs=0.01)
    assert 0.04 < workload.day_pace_sd < 0.13  # drawn with 0.08
    prior = prior_from_workload(workload)
    assert prior.item_seconds["B06"] == workload.service_times["B06"].mean
    assert 20 < prior.pace_cases < 200


def test_the_fit_learns_from_the_halls_own_tables(tmp_path, seed_workload):
    from hall.demo import catalogue_document, load_catalogue
    from hall.storage import open_storage

    storage = open_storage(tmp_path / "hall.db")
    load_catalogue(storage, catalogue_document(), 0.0, counters=10)
    days = working_days(date(2026, 3, 9), 5)
    runs = record_days(storage, seed_workload, days, counters=12)
    with storage.read() as db:
        visits = store.visits(db, days[0].isoformat(), days[-1].isoformat(), SHANGHAI)
    storage.close()
    assert len(visits) == sum(len(r.tickets) for r in runs)
    first = visits[0]
    assert 9 * 3600 <= first.issued < 9.1 * 3600  # seconds since the day's local midnight
    simulated = runs[0].tickets[0]
    assert first.first_called == pytest.approx(simulated.called)
    assert sum(v.recalls for v in visits) == sum(t.arrival.recalls for r in runs for t in r.tickets
                                                 if t.called is not None)
    workload = fit_workload(visits, catalogue_minutes())
    assert workload.no_show_rate == pytest.approx(
        sum(1 for r in runs for t in r.tickets if t.arrival.no_show and t.called is not None) / len(visits), abs=0.002)
    handling = [t.finished - t.started for r in runs for t in r.tickets
                if t.arrival.service.code == "B06" and t.finished is not None]
    logs = [math.log(h) for h in handling]
    assert workload.service_times["B06"].mu == pytest.approx(sum(logs) / len(logs))


def test_nothing_to_learn_from_is_a_clear_error():
    with pytest.raises(NoHistory):
        fit_workload([], {})


def test_lognormal_residual_life_and_quantiles():
    duration = ServiceTime.from_mean(300.0, 0.6)
    assert duration.mean == pytest.approx(300.0)
    rng = random.Random(3)
    draws = [duration.sample(rng) for _ in range(200_000)]
    beyond = [d - 400.0 for d in draws if d > 400.0]
    assert duration.mean_residual(400.0) == pytest.approx(sum(beyond) / len(beyond), rel=0.02)
    assert duration.quantile(0.9) == pytest.approx(sorted(draws)[int(0.9 * len(draws))], rel=0.02)
    assert normal_quantile(0.975) == pytest.approx(1.959964, abs=1e-6)
    assert normal_quantile(0.01) == pytest.approx(-2.326348, abs=1e-6)
