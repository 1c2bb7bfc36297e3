"""One definition of the figures: the hall's own report and the prefecture's rollups agree on the same events."""

from __future__ import annotations

import random
from datetime import date

import pytest

from hall.domain.errors import HallError
from hall.domain.figures import BIN_EDGES, Tally, bin_of, figures, hist_percentile, within
from hall.reports import report
from region.reports import check_rollups, whole_months
from region.web.context import RegionContext

from .conftest import DemoHall

COMPARED = ("issued", "called", "served", "no_shows", "cancelled", "waiting_minutes_mean", "service_minutes_mean",
            "service_level", "rated", "unrated", "satisfaction_rate", "rating_rate")


def busy_day(hall: DemoHall, seed: int = 7, tickets: int = 80) -> None:
    """A day with every kind of outcome: served, rated (well and badly), unrated, no-shows, cancelled,
    transferred and held tickets, at three counters, with waits long and short."""
    rng = random.Random(seed)
    service = hall.service
    items = ["A01", "B01", "C01", "D01", "E01"]
    issued = []
    for n in range(tickets):
        ticket = service.issue_ticket(service=rng.choice(items)) if n % 9 else service.issue_ticket(bundle="P01")
        issued.append(ticket)
        hall.clock.advance(rng.uniform(5, 90))
        if n % 3:
            continue
        for counter in (1, 2, 3):
            try:
                called = service.call_next(counter, f"clerk{counter}")
            except HallError:
                continue
            if called is None:
                continue
            hall.clock.advance(rng.uniform(10, 60))
            roll = rng.random()
            if roll < 0.1:
                service.no_show(counter, f"clerk{counter}")
                continue
            service.start(counter, f"clerk{counter}")
            hall.clock.advance(rng.uniform(60, 900))
            if roll < 0.15:
                service.hold(counter, f"clerk{counter}")
                continue
            if roll < 0.2:
                service.transfer(counter, f"clerk{counter}", to_counter=1 + counter % 3)
                continue
            finished = service.finish(counter, f"clerk{counter}")
            if roll < 0.8:
                service.rate(finished.id, rng.choice([5, 5, 4, 4, 3, 2, 1]), device_id=counter,
                             device_counter=counter)
    for ticket in issued[-6:-3]:
        try:
            service.cancel(ticket.id, "manager", "left")
        except HallError:
            pass
    hall.clock.advance(3600)
    service.expire_ratings()


def test_the_hall_and_the_prefecture_give_the_same_figures_from_the_same_events(demo_hall: DemoHall,
                                                                                region_ctx: RegionContext) -> None:
    busy_day(demo_hall)
    demo_hall.ship_all()
    day = date.fromisoformat(demo_hall.service.today())
    for group_by in ("category", "item"):
        mine = report(demo_hall.storage, day, day, group_by, tz=demo_hall.service.hall.tz, target_minutes=15)
        theirs = region_ctx.reports.report(day, day, group_by, target_minutes=15)
        assert mine["total"]["issued"] > 50 and mine["total"]["no_shows"] and mine["total"]["unrated"]
        assert {k: mine["total"][k] for k in COMPARED} == {k: theirs["total"][k] for k in COMPARED}
        hall_rows = {str(r["key"]): {k: r[k] for k in COMPARED} for r in mine["rows"]}
        prefecture_rows = {r["key"]: {k: r[k] for k in COMPARED} for r in theirs["rows"]}
        assert hall_rows == prefecture_rows
        # p90 from the histogram: the upper edge of the minute that holds the exact nearest-rank value.
        exact, binned = mine["total"]["waiting_minutes_p90"], theirs["total"]["waiting_minutes_p90"]
        assert exact <= binned < exact + 1
    assert check_rollups(region_ctx.db, 1) == []


def test_reports_by_hall_agency_region_and_period_add_up(tmp_path, register, region_client,
                                                       region_ctx: RegionContext) -> None:
    from .conftest import ClientTransport

    halls = []
    for n, (agency, region) in enumerate((("A01", "522301"), ("A01", "522301"), ("A02", "522722"))):
        hall = DemoHall(tmp_path / f"h{n}.db", f"H00{n}", register(f"H00{n}", agency, region),
                        ClientTransport(region_client))
        hall.serve_citizens(5 + n)
        hall.ship_all()
        halls.append(hall)
    day = date.fromisoformat(halls[0].service.today())
    by_hall = region_ctx.reports.report(day, day, "hall")
    assert [r["issued"] for r in by_hall["rows"]] == [5, 6, 7]
    by_agency = region_ctx.reports.report(day, day, "agency")
    assert {r["key"]: r["issued"] for r in by_agency["rows"]} == {"A01": 11, "A02": 7}
    assert region_ctx.reports.report(day, day, "region", filters={"region": "5227"})["total"]["issued"] == 7
    month = region_ctx.reports.report(day.replace(day=1), day, "month")
    week = region_ctx.reports.report(day, day, "week")
    assert month["total"]["issued"] == week["total"]["issued"] == by_hall["total"]["issued"] == 18
    assert by_hall["rows"][0]["label"] == "H000 社保大厅"
    for hall in halls:
        hall.close()


def test_histogram_bins_make_the_service_level_exact_for_whole_minute_targets() -> None:
    waits = [0, 1, 59.5, 60, 60.01, 899, 900, 900.5, 3600, 3601, 10800, 99999]
    tally = Tally()
    for w in waits:
        tally.add_wait(w)
    assert within(tally.wait_hist, 15) == sum(1 for w in waits if w <= 900)
    assert within(tally.wait_hist, 1) == sum(1 for w in waits if w <= 60)
    assert bin_of(0) == 0 and bin_of(60) == 1 and bin_of(60.01) == 2 and bin_of(99999) == len(BIN_EDGES) - 1
    assert hist_percentile(tally.wait_hist, 0.5) == 900
    assert figures(tally, 15)["waiting_minutes_p90"] == 180.0
    assert figures(Tally(), 15)["service_level"] is None


@pytest.mark.parametrize(("start", "end", "months"), [
    ("2026-01-01", "2026-12-31", ("2026-01-01", "2026-12-01")),
    ("2026-01-15", "2026-03-10", ("2026-02-01", "2026-02-01")),
    ("2026-01-15", "2026-01-20", None),
    ("2025-12-01", "2026-01-31", ("2025-12-01", "2026-01-01")),
])
def test_whole_months_of_a_range(start: str, end: str, months) -> None:
    found = whole_months(date.fromisoformat(start), date.fromisoformat(end))
    assert (found and tuple(d.isoformat() for d in found)) == months or (found is None and months is None)


def test_whole_months_from_the_month_rollup_and_the_days_around_them_add_up(demo_hall: DemoHall,
                                                                           region_ctx: RegionContext) -> None:
    from datetime import datetime

    from tests.conftest import SHANGHAI

    for when, citizens in ((datetime(2026, 10, 20, 9), 2), (datetime(2026, 11, 5, 9), 3),
                           (datetime(2026, 11, 30, 9), 1), (datetime(2026, 12, 10, 9), 4)):
        demo_hall.clock.set(when.replace(tzinfo=SHANGHAI).timestamp())
        demo_hall.serve_citizens(citizens)
    demo_hall.ship_all()
    start, end = date(2026, 10, 15), date(2026, 12, 20)
    by_day = region_ctx.reports.report(start, end, "day")  # every day from the day rollups
    assert [r["issued"] for r in by_day["rows"]] == [2, 3, 1, 4]
    for group_by, filters in (("hall", {}), ("month", {}), ("item", {}), ("category", {"category": "enterprise"})):
        mixed = region_ctx.reports.report(start, end, group_by, filters=filters)  # November from the month rollup
        assert mixed["total"]["issued"] == 10
        assert {k: mixed["total"][k] for k in COMPARED} == {k: by_day["total"][k] for k in COMPARED}
    months = region_ctx.reports.report(start, end, "month")
    assert [(r["key"], r["issued"]) for r in months["rows"]] == [("2026-10-01", 2), ("2026-11-01", 4),
                                                                 ("2026-12-01", 4)]


def test_cases_completed_and_follow_ups_open_and_overdue_reach_the_prefecture(demo_hall: DemoHall,
                                                                             region_ctx: RegionContext) -> None:
    from hall.accounts import StaffMember
    from hall.cases import BackOffice, CaseStep
    from hall.ratings import FollowupAction, Followups

    service, clock = demo_hall.service, demo_hall.clock
    back_office = BackOffice(service)
    service.on_finish = back_office.open_cases
    for item in ("A01", "A05", "B02"):  # one instant item, two reviewed ones (each a back-office case)
        service.issue_ticket(service=item)
        clock.advance(60)
        service.call_next(1, "clerk1")
        service.start(1, "clerk1")
        clock.advance(300)
        finished = service.finish(1, "clerk1")
        service.rate(finished.id, 1, device_id=1, device_counter=1)  # three bad ratings, three follow-ups
    day = date.fromisoformat(service.today())
    demo_hall.ship_all()
    total = region_ctx.reports.report(day, day, "hall")["total"]
    assert (total["accepted"], total["completed"], total["bad_ratings"]) == (3, 1, 3)
    assert (total["followups_open"], total["followups_overdue"]) == (3, 0)

    reviewer = StaffMember("review", "后台复审", frozenset({"backoffice"}), None)
    approver = StaffMember("approver", "后台批准", frozenset({"backoffice"}), None)
    clerk = StaffMember("clerk2", "综合柜员 2", frozenset({"clerk"}), 2)
    case = back_office.list("accepted")[0]["id"]
    for step, member in ((CaseStep.REVIEW, reviewer), (CaseStep.APPROVE, approver), (CaseStep.DELIVER, clerk)):
        back_office.take(case, step, member, counter=2)
    followups = Followups(demo_hall.storage, clock)
    clock.advance(14 * 86400)  # past every deadline
    assert len(followups.sweep_overdue()) == 3
    first = followups.list("open")[0]["id"]
    followups.act(first, FollowupAction.CALLBACK, "manager",
                  {"date": "2026-11-26", "contact": "电话", "said": "已解释"}, is_manager=True)
    followups.act(first, FollowupAction.CLOSE, "manager", {"rectification": "加强培训"}, is_manager=True)
    demo_hall.ship_all()
    total = region_ctx.reports.report(day, day, "hall")["total"]
    assert total["completed"] == 2
    assert (total["followups_open"], total["followups_overdue"]) == (2, 2)
    assert check_rollups(region_ctx.db, 1) == []
