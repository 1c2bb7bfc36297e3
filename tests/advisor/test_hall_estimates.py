"""The estimates in the hall: stored with each ticket, live on the status page and the lobby, every query
bounded by an index and the day, and each finished day's error recorded."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hall.advisor.accuracy import EstimatedWait, estimate_error
from hall.domain.models import QueuedTicket
from hall.domain.routing import NEWEST
from hall.lobby_board import LobbyBoard
from hall.snapshots import lobby_snapshot
from hall.storage import advisor as store

from .conftest import SHANGHAI, record_days

#: Small tables every request may read whole.
SMALL_TABLES = {"counters", "counter_items", "service_items", "bundle_items", "bundles", "categories", "settings",
                "staff"}


def test_each_ticket_keeps_its_shown_range_and_the_day_error_is_recorded(hall_service, clock, storage):
    for number in (2, 3, 4, 5):
        hall_service.pause(number, None, "training")
    first = hall_service.issue_ticket(service="B06")
    second = hall_service.issue_ticket(service="B06")
    third = hall_service.issue_ticket(service="E05")
    assert first.estimated_wait_minutes == 0 and (first.estimated_wait_low, first.estimated_wait_high) == (0, 1)
    assert second.estimated_wait_low <= second.estimated_wait_minutes <= second.estimated_wait_high
    assert third.estimated_wait_minutes > second.estimated_wait_minutes
    start = clock.now()
    for minutes in (1, 7, 30):  # called after 1, 7 and 30 minutes
        clock.set(start + minutes * 60)
        hall_service.call_next(1, None)
        hall_service.no_show(1, None)
    day = hall_service.today()
    with storage.write() as db:
        error = store.record_day_estimate_error(db, day, at=clock.now())
        store.record_day_estimate_error(db, day, at=clock.now())  # recording twice keeps one row
        rows = store.estimate_errors(db, day, day)
    expected = estimate_error([EstimatedWait(t.estimated_wait_minutes, t.estimated_wait_low, t.estimated_wait_high,
                                             minutes) for t, minutes in ((first, 1), (second, 7), (third, 30))])
    assert error == expected and error.tickets == 3
    assert len(rows) == 1 and rows[0]["mean_abs_minutes"] == pytest.approx(expected.mean_abs_minutes)
    assert rows[0]["coverage"] == pytest.approx(expected.coverage)


def test_the_recorded_error_of_a_day_is_the_replays_own(storage, hall_service, seed_workload):
    from hall.advisor.replay import SHOWN, replay_predictions
    from hall.advisor.simulator import one_window_plan
    from hall.advisor.snapshot import catalogue_prior
    from hall.domain.routing import OneWindowPolicy

    from .conftest import catalogue_minutes

    day = date(2026, 3, 11)
    record_days(storage, seed_workload, [day], counters=10, seed=5)
    with storage.write() as db:
        recorded = store.record_day_estimate_error(db, day.isoformat())
    # The same day replayed without the database gives the same figures.
    import random

    from hall.advisor.generator import generate_day

    comparison, _ = replay_predictions([generate_day(seed_workload, day, random.Random(5000))],
                                       one_window_plan(seed_workload, 10), OneWindowPolicy(1800),
                                       catalogue_prior(catalogue_minutes()))
    assert recorded.tickets == comparison.errors[SHOWN].tickets
    assert recorded.mean_abs_minutes == pytest.approx(comparison.errors[SHOWN].mean_abs_minutes, abs=1e-6)
    assert recorded.coverage == pytest.approx(comparison.errors[SHOWN].coverage)


def test_the_prior_is_learned_from_the_record_once_there_is_one(storage, hall_service, seed_workload):
    estimator = hall_service.wait_estimator
    with storage.read() as db:
        before = estimator.prior(db, "2026-03-16")
    assert before.item_seconds["B06"] == 180.0  # the catalogue's 3 minutes
    record_days(storage, seed_workload, [date(2026, 3, d) for d in (9, 10, 11, 12, 13)], counters=10)
    with storage.read() as db:
        assert estimator.prior(db, "2026-03-16") is before  # learned once per day
        learned = estimator.prior(db, "2026-03-17")
    assert learned.item_seconds["B06"] == pytest.approx(seed_workload.service_times["B06"].mean, rel=0.1)
    assert learned.pace_cases > 0 and learned.bundle_seconds


def test_every_query_of_an_estimate_is_bounded_by_an_index(storage, hall_service, seed_workload, clock):
    record_days(storage, seed_workload, [date(2026, 11, d) for d in (23, 24)], counters=10)
    for _ in range(5):
        hall_service.issue_ticket(service="B06")
    hall_service.call_next(1, None)
    statements: list[str] = []
    now, day = clock.now(), hall_service.today()
    with storage.read() as db:
        db.conn.set_trace_callback(statements.append)
        try:
            queued = QueuedTicket(NEWEST, "pension", frozenset({"B06"}), False, now)
            views = hall_service.able_views(db)
            with hall_service.queue.view(db, day) as index:
                groups = index.ahead_groups(queued, views, now)
            estimate = hall_service.wait_estimator.estimate(db, queued, now, day,
                                                            views=hall_service.views_by_number(db), ahead_groups=groups)
        finally:
            db.conn.set_trace_callback(None)
    assert sum(n for _, n in groups) == 4 and estimate.point > 0
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) >= 6
    for sql in selects:
        for step in (r[3] for r in storage.query("EXPLAIN QUERY PLAN " + sql)):
            # Tickets, events and appointments only through an index search; small tables may be read whole.
            if step.startswith("SCAN "):
                assert step.split()[1] in SMALL_TABLES | {"c"}, (sql, step)
            if "tickets" in step and step.startswith("SEARCH"):
                assert "service_day=?" in step or "state=?" in step or "rowid=?" in step, (sql, step)


def test_the_status_page_and_the_lobby_get_a_live_range(app, ctx, client, clerk, clock):
    issued = [client.post("/api/v1/tickets", json={"service": "B06", "print": False}).get_json() for _ in range(12)]
    for number in (2, 3, 4, 5):
        ctx.service.pause(number, None, "training")
    last = issued[-1]
    assert {"point", "low", "high"} <= set(last["wait_estimate"])
    status = client.get(f"/api/v1/status/{last['token']}").get_json()
    live = status["wait_estimate"]
    assert live["low"] <= live["point"] <= live["high"] and live["method"] == "item_mix_priority"
    # Four of five counters paused: the live estimate of the same ticket grows.
    assert live["point"] > last["wait_estimate"]["point"]
    snapshot = lobby_snapshot(ctx.service, LobbyBoard(), "zh")
    pension = next(q for q in snapshot["queues"] if q["category"] == "pension")
    low, high = pension["estimated_wait_range"]
    assert low <= pension["estimated_wait_minutes"] <= high and high > 0
    assert clerk.post("/api/v1/counters/1/call-next", json={}).status_code == 200
    called = client.get(f"/api/v1/status/{issued[0]['token']}").get_json()
    assert called["state"] == "called" and called["wait_estimate"]["point"] == issued[0]["estimated_wait_minutes"]


def test_the_estimate_of_a_day_before_opening_assumes_the_counters_open(hall_service, clock):
    clock.set(datetime(2026, 11, 25, 8, 40, tzinfo=SHANGHAI).timestamp())
    for number in range(1, 6):
        hall_service.pause(number, None, "not yet open")
    tickets = [hall_service.issue_ticket(service="E01") for _ in range(12)]
    assert 0 < tickets[-1].estimated_wait_minutes < 60


def test_the_first_ticket_of_the_day_learns_the_prior_outside_its_write_transaction(storage, hall_service):
    on_the_writer: list[str] = []
    storage.conn.set_trace_callback(on_the_writer.append)
    try:
        hall_service.issue_ticket(service="B06")
    finally:
        storage.conn.set_trace_callback(None)
    assert any(s.startswith("BEGIN IMMEDIATE") for s in on_the_writer)
    assert not any("t.service_day BETWEEN" in s for s in on_the_writer)  # the record was read by a reader
    with storage.read() as db:
        day = hall_service.today()
        assert hall_service.wait_estimator.prior(db, day) is hall_service.wait_estimator.prior(db, day)
