"""Working days follow the State Council's schedule (调休 included) and the hall's own overrides."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime

import pytest

from hall.config import ConfigError, HallSettings, parse_config
from hall.domain.clock import FixedClock
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.ratings import add_working_days, followup_due
from hall.service import HallService
from hall.storage import ratings as rating_store
from hall.workdays import CHINA, WEEKDAYS, WorkCalendar, calendar_of
from tests.conftest import SHANGHAI, install_demo_data, login


def test_spring_festival_week_2026():
    # 15–23 February are the holiday; Saturdays 14 and 28 February are working days (调休).
    assert CHINA.is_working_day(date(2026, 2, 14)) and CHINA.is_working_day(date(2026, 2, 28))
    assert not any(CHINA.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    # Friday 13 Feb + 5 working days: Sat 14, then Tue 24 … Fri 27 (Mon–Fri counting gave Fri 20).
    assert add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)
    assert WEEKDAYS.add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 20)
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)


def test_national_day_week_2026():
    # 1–7 October off; Sunday 20 September and Saturday 10 October are working days.
    assert CHINA.is_working_day(date(2026, 9, 20)) and CHINA.is_working_day(date(2026, 10, 10))
    assert not any(CHINA.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)  # Thu 8, Fri 9, Sat 10
    # Friday 18 September + 1: Sunday 20 is worked (调休), the Saturday is not.
    assert add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)


def test_the_halls_own_days_win_over_the_national_schedule():
    own = calendar_of(HallSettings(holidays=("2026-10-09",), working_days=("2026-10-11",)))
    assert not own.is_working_day(date(2026, 10, 9)) and own.is_working_day(date(2026, 10, 11))
    assert own.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 11)  # Thu 8, Sat 10, Sun 11
    plain = calendar_of(HallSettings(national_calendar=False))
    assert plain.is_working_day(date(2026, 10, 1)) and not plain.is_working_day(date(2026, 10, 10))


def test_a_year_the_package_does_not_know_counts_monday_to_friday(caplog):
    calendar = WorkCalendar()
    assert not calendar.national_schedule_known(date(2099, 1, 1))
    with caplog.at_level(logging.WARNING, logger="hall.workdays"):
        assert calendar.add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)  # Friday → Monday
    assert "2099" in caplog.text and "working_days" in caplog.text


def test_follow_up_deadline_over_national_day(hall_service):
    opened = datetime(2026, 9, 30, 15, 0, tzinfo=SHANGHAI).timestamp()
    assert followup_due(opened, 1, SHANGHAI)[0] == date(2026, 10, 8)
    # Through the hall service: a bad rating on 30 September, 5 working days →
    # Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13.
    clock = FixedClock(opened)
    service = HallService(hall_service.storage, HallSettings(), make_policy("one-window", 1800), clock, EventBus())
    ticket = service.issue_ticket(service="B01")
    service.call_next(1, "clerk1")
    service.start(1, "clerk1")
    service.finish(1, "clerk1")
    service.rate(ticket.id, 1, device_id=None, device_counter=1)
    with service.storage.read() as db:
        assert rating_store.followup_of_ticket(db, ticket.id)["due_day"] == "2026-10-13"


def test_case_deadline_over_the_adjusted_sunday_and_mid_autumn(config, tmp_path):
    from hall.web import create_app
    from tests.cases.test_backoffice import finish

    friday = datetime(2026, 9, 18, 10, 0, tzinfo=SHANGHAI).timestamp()
    for n, (hall, due) in enumerate((
            (config.hall, "2026-09-24"),  # Sun 20, Mon 21 … Thu 24 (25–27 are Mid-autumn)
            (replace(config.hall, working_days=("2026-09-19",)), "2026-09-23"),  # the hall also opens Sat 19
            (replace(config.hall, working_days=("2026-09-19",), holidays=("2026-09-21",)), "2026-09-24"))):
        app = create_app(replace(config, hall=hall, db_path=tmp_path / f"hall{n}.db"), clock=FixedClock(friday))
        ctx = app.extensions["onewindow"]
        try:
            install_demo_data(ctx.storage, ctx.accounts, friday)
            client, clerk = app.test_client(), app.test_client()
            login(clerk, "clerk1")
            finish(client, clerk, 1, service="A05")  # 5 working days
            assert clerk.get("/api/v1/cases").get_json()["cases"][0]["due_day"] == due
        finally:
            ctx.close()


def test_calendar_settings_are_validated():
    config = parse_config({"hall": {"holidays": ["2026-10-09"], "working_days": ["2026-10-11"],
                                    "national_calendar": False}})
    assert config.hall.working_days == ["2026-10-11"] and config.hall.national_calendar is False
    for raw, message in (({"working_days": ["2026-02-30"]}, "working_days: '2026-02-30' is not a date"),
                         ({"working_days": "2026-10-11"}, "working_days must be a list"),
                         ({"national_calendar": "yes"}, "national_calendar must be true or false")):
        with pytest.raises(ConfigError, match=message):
            parse_config({"hall": raw})
