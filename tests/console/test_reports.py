"""Each report grouping on the crafted data set, against figures worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from hall.accounts import Accounts
from hall.domain.errors import InvalidInput
from hall.reports import day_summary, parse_range, report, verify_projection
from tests.conftest import SHANGHAI

from .conftest import craft_tickets

DAY1 = date(2026, 11, 25)
DAY2 = date(2026, 11, 26)


@pytest.fixture
def hall(hall_service, storage, clock):
    craft_tickets(hall_service, Accounts(storage, clock), clock)
    return hall_service


def run(hall, group_by, *, day_from=DAY1, day_to=DAY1, staff=None):
    return report(hall.storage, day_from, day_to, group_by, tz=SHANGHAI, target_minutes=15, lang="en", staff=staff)


def figures(row, *names):
    return tuple(row[n] for n in names)


COUNTS = ("issued", "called", "served", "no_shows", "cancelled")
WAITS = ("waiting_minutes_mean", "waiting_minutes_p50", "waiting_minutes_p90", "waiting_minutes_max")
SERVICE = ("service_minutes_mean", "service_minutes_p90")
RATES = ("service_level", "rated", "unrated", "satisfaction_rate", "rating_rate")


def test_total_of_day_one(hall):
    total = run(hall, "day")["total"]
    # waits 5, 20, 30, 2 min; services 10, 4, 6 min; 2 of 4 called within 15 min; ratings 5 and 2, T5 unrated.
    assert figures(total, *COUNTS) == (5, 4, 3, 1, 1)
    assert figures(total, *WAITS) == (14.25, 5.0, 30.0, 30.0)
    assert figures(total, *SERVICE) == (6.67, 10.0)
    assert figures(total, *RATES) == (0.5, 2, 1, 0.5, 0.6667)


def test_by_hour_of_issue(hall):
    rows = {r["key"]: r for r in run(hall, "hour")["rows"]}
    assert list(rows) == [9, 10]
    nine, ten = rows[9], rows[10]
    assert nine["label"] == "09:00–09:59"
    assert figures(nine, *COUNTS) == (3, 3, 2, 1, 0)
    assert figures(nine, *WAITS) == (18.33, 20.0, 30.0, 30.0)
    assert figures(nine, *SERVICE) == (7.0, 10.0)
    assert figures(nine, *RATES) == (0.3333, 2, 0, 0.5, 1.0)
    assert figures(ten, *COUNTS) == (2, 1, 1, 0, 1)
    assert figures(ten, *WAITS) == (2.0, 2.0, 2.0, 2.0)
    assert figures(ten, *SERVICE) == (6.0, 6.0)
    assert figures(ten, *RATES) == (1.0, 0, 1, None, 0.0)


def test_by_day_over_a_range(hall):
    data = run(hall, "day", day_to=DAY2)
    rows = {r["key"]: r for r in data["rows"]}
    assert list(rows) == ["2026-11-25", "2026-11-26"]
    assert figures(rows["2026-11-26"], *COUNTS) == (1, 1, 0, 0, 0)
    assert figures(rows["2026-11-26"], *WAITS) == (1.0, 1.0, 1.0, 1.0)
    assert rows["2026-11-26"]["service_minutes_mean"] is None
    assert data["total"]["issued"] == 6 and data["total"]["waiting_minutes_mean"] == 11.6  # (5+20+30+2+1)/5


def test_by_item_counts_a_bundle_once(hall):
    rows = {r["key"]: r for r in run(hall, "item")["rows"]}
    assert set(rows) == {"A01", "B01", "bundle:P01"}
    assert figures(rows["A01"], *COUNTS) == (3, 2, 2, 0, 1)
    assert figures(rows["A01"], *WAITS) == (12.5, 5.0, 20.0, 20.0)
    assert figures(rows["B01"], *COUNTS) == (1, 1, 0, 1, 0)
    assert figures(rows["bundle:P01"], *COUNTS) == (1, 1, 1, 0, 0)
    assert rows["bundle:P01"]["label"] and rows["A01"]["label"] != "A01"


def test_by_category(hall):
    rows = {r["key"]: r for r in run(hall, "category")["rows"]}
    assert figures(rows["enterprise"], *COUNTS) == (4, 3, 3, 0, 1)
    assert figures(rows["enterprise"], *WAITS) == (9.0, 5.0, 20.0, 20.0)  # 5, 20, 2
    assert figures(rows["enterprise"], *RATES) == (0.6667, 2, 1, 0.5, 0.6667)
    assert figures(rows["pension"], *COUNTS) == (1, 1, 0, 1, 0)
    assert rows["pension"]["service_level"] == 0.0


def test_by_counter_and_by_clerk(hall):
    counters = {r["key"]: r for r in run(hall, "counter")["rows"]}
    assert list(counters) == [1, 2, None]  # the cancelled ticket was never at a counter
    assert figures(counters[1], *COUNTS) == (2, 2, 1, 1, 0)
    assert figures(counters[1], *WAITS) == (17.5, 5.0, 30.0, 30.0)
    assert figures(counters[2], *SERVICE) == (5.0, 6.0)
    assert counters[None]["label"] == "—"
    clerks = {r["key"]: r for r in run(hall, "clerk")["rows"]}
    assert figures(clerks["clerk2"], *COUNTS) == (2, 2, 2, 0, 0)
    assert figures(clerks["clerk2"], *RATES) == (0.5, 1, 1, 0.0, 0.5)


def test_a_clerk_sees_only_their_own_tickets(hall):
    mine = run(hall, "day", staff="clerk1")
    assert mine["clerk"] == "clerk1"
    assert figures(mine["total"], *COUNTS) == (2, 2, 1, 1, 0)
    assert mine["total"]["waiting_minutes_mean"] == 17.5


def test_report_agrees_with_day_summary(hall):
    summary = day_summary(hall.storage, "2026-11-25")
    total = run(hall, "day")["total"]
    assert summary["issued"] == total["issued"] and summary["finished"] == total["served"]
    assert summary["waiting_minutes_mean"] == total["waiting_minutes_mean"]
    assert summary["waiting_minutes_p90"] == total["waiting_minutes_p90"]


def test_projection_equals_the_event_log(hall):
    assert verify_projection(hall.storage) == []


def test_projection_check_finds_a_tampered_time(hall):
    with hall.storage.write() as db:
        db.execute("UPDATE tickets SET first_called_at = first_called_at + 1 WHERE number = 'A002'")
    problems = verify_projection(hall.storage)
    assert [(p["field"]) for p in problems] == ["first_called_at"]


def test_empty_range_and_bad_input(hall):
    empty = run(hall, "hour", day_from=date(2026, 1, 1), day_to=date(2026, 1, 2))
    assert empty["rows"] == [] and empty["total"]["issued"] == 0 and empty["total"]["waiting_minutes_mean"] is None
    with pytest.raises(InvalidInput):
        run(hall, "weekday")
    with pytest.raises(InvalidInput):
        parse_range("2026-11-30", "2026-11-01", "2026-11-30")
    with pytest.raises(InvalidInput):
        parse_range("yesterday", None, "2026-11-30")
    with pytest.raises(InvalidInput):
        parse_range("2020-01-01", "2026-11-30", "2026-11-30")
    assert parse_range(None, None, "2026-11-30") == (date(2026, 11, 24), date(2026, 11, 30))
