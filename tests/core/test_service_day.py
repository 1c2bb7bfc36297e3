"""The service day closes at day_start: nothing carries over to the next morning (issue 12, point 4)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hall.config import HallSettings
from hall.domain.clock import FixedClock
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.reports import day_summary
from hall.service import HallService
from hall.service_day import DayCloser
from hall.storage import repo
from tests.conftest import MORNING, SHANGHAI, sign_in_demo_clerks

EVENING = datetime(2026, 11, 25, 16, 30, tzinfo=SHANGHAI).timestamp()
NEXT_MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI).timestamp()


def _day_of_tickets(hall_service: HallService, clock: FixedClock) -> dict[str, int]:
    """A day that ends with one ticket waiting, one held, one called and one being served."""
    for service in ("A01", "A01", "B01", "B01", "C01", "C01"):
        hall_service.issue_ticket(service=service)
    clock.set(EVENING)
    served = hall_service.call_next(1, "clerk1")
    hall_service.start(1, "clerk1")
    hall_service.finish(1, "clerk1")
    hall_service.call_next(2, "clerk2")
    hall_service.hold(2, "clerk2")  # the citizen went to fetch a document and never came back
    called = hall_service.call_next(3, "clerk3")
    being_served = hall_service.call_next(4, "clerk4")
    hall_service.start(4, "clerk4")
    assert served and called and being_served
    return {"served": served.id, "called": called.id, "serving": being_served.id}


def test_yesterdays_tickets_are_expired_at_the_boundary_not_called_the_next_morning(hall_service, clock):
    ids = _day_of_tickets(hall_service, clock)
    yesterday = hall_service.today()
    clock.set(NEXT_MORNING)  # 04:00 has passed: a new service day
    closed = DayCloser(hall_service).close_past_days()
    assert closed.tickets == 5 and closed.days == (yesterday,) and closed.counters == 5
    with hall_service.storage.read() as db:
        left = repo.tickets_of_day(db, yesterday)
        expired = [e for t in left for e in repo.events_of_ticket(db, t.id) if e["type"] == "expired"]
    assert {t.state.value for t in left} == {"finished", "expired"}
    assert len(expired) == 5 and all(e["data"]["reason"] == "day_closed" for e in expired)
    assert hall_service.ticket(ids["served"]).state.value == "finished"
    # The morning: counters are closed until the clerks sign in; yesterday's A002 is never called.
    with hall_service.storage.read() as db:
        assert {c.state.value for c in repo.counters(db)} == {"closed"}
    sign_in_demo_clerks(hall_service.storage, clock.now())
    first = hall_service.issue_ticket(service="A01")
    assert first.number == "A001" and first.people_ahead == 0
    assert hall_service.call_next(1, "clerk1").id == first.id
    assert hall_service.call_next(2, "clerk2") is None
    # Reports count them as expired, not as waiting for ever.
    summary = day_summary(hall_service.storage, yesterday)
    assert summary["issued"] == 6


def test_a_server_that_was_down_over_the_boundary_closes_the_day_before_anyone_is_called(storage, clock):
    from hall.demo import catalogue_document, load_catalogue

    load_catalogue(storage, catalogue_document(), clock.now())
    sign_in_demo_clerks(storage, clock.now())
    first = HallService(storage, HallSettings(), make_policy("one-window", 1800), clock, EventBus())
    for _ in range(3):
        first.issue_ticket(service="A01")
    # The server stops in the evening and starts again two days later (a weekend), at 08:30.
    clock.set(NEXT_MORNING + timedelta(days=2).total_seconds() - 1800)
    restarted = HallService(storage, HallSettings(), make_policy("one-window", 1800), clock, EventBus())
    assert DayCloser(restarted).close_past_days().tickets == 3
    assert DayCloser(restarted).close_past_days().tickets == 0  # closing is done once
    sign_in_demo_clerks(storage, clock.now())
    assert restarted.call_next(1, "clerk1") is None  # nothing of the old day is called
    assert restarted.issue_ticket(service="A01").number == "A001"


def test_the_status_page_of_an_expired_ticket_says_so(client, ctx, clock):
    ticket = client.post("/api/v1/tickets", json={"service": "A01", "print": False}).get_json()
    clock.set(NEXT_MORNING)
    DayCloser(ctx.service).close_past_days()
    status = client.get(f"/api/v1/status/{ticket['token']}").get_json()
    assert status["state"] == "expired" and status["people_ahead_now"] == 0
    page = client.get(f"/t/{ticket['token']}").get_data(as_text=True)
    assert ticket["number"] in page and "当日服务已结束" in page  # the page's words for "expired"


def test_the_day_closer_runs_in_the_owner_process_at_start(app, ctx, clock):
    # The fixture's process is the device owner: its day closer ran once at start (nothing to close yet).
    process = app.extensions.get("onewindow_process")
    assert ctx.owner is not None and (process is None or process.is_owner)
    assert MORNING == clock.now()
