"""Service hours: sessions per weekday on the State Council's calendar, the next opening, early openings."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hall.config import ConfigError, parse_config
from hall.hours import EarlyOpening, HoursError, OpeningHours, Session, early_until, parse_sessions
from hall.workdays import CHINA, WorkCalendar
from tests.conftest import SHANGHAI

HOURS = OpeningHours(enforce=True)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def opening(text: str, hours: OpeningHours = HOURS, calendar: WorkCalendar = CHINA):
    return hours.opening(at(text), SHANGHAI, calendar)


def test_open_inside_a_session_and_closed_at_lunch_with_the_afternoon_next():
    assert opening("2026-11-25T09:00").open  # Wednesday
    assert opening("2026-11-25T11:59:59").open
    lunch = opening("2026-11-25T12:00")
    assert not lunch.open and lunch.next_opening == datetime(2026, 11, 25, 13, 30, tzinfo=SHANGHAI)
    assert opening("2026-11-25T13:30").closes_at == datetime(2026, 11, 25, 17, 0, tzinfo=SHANGHAI)


def test_early_morning_friday_evening_and_the_weekend():
    assert opening("2026-11-25T04:14").next_opening == datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    friday = opening("2026-11-27T17:30")
    assert not friday.open and friday.next_opening == datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    assert not opening("2026-11-28T10:00").open  # Saturday


def test_national_day_week_is_closed_and_its_adjusted_saturday_works():
    eve = opening("2026-09-30T17:30")
    assert not eve.open
    assert eve.next_opening == datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)  # 国庆 1–7 October
    assert HOURS.day_hours(date(2026, 10, 1), CHINA).reason == "public_holiday"
    assert HOURS.day_hours(date(2026, 10, 3), CHINA).reason == "public_holiday"  # a Saturday inside the holiday
    saturday = HOURS.day_hours(date(2026, 10, 10), CHINA)
    assert saturday.reason == "adjusted_working_day" and saturday.sessions == HOURS.week[0]
    assert opening("2026-10-10T10:00").open


def test_spring_festival_adjusted_working_saturday():
    assert HOURS.day_hours(date(2026, 2, 14), CHINA).reason == "adjusted_working_day"
    assert opening("2026-02-14T09:30").open
    assert not opening("2026-02-17T09:30").open  # 春节


def test_the_halls_own_days_win_over_the_national_schedule():
    own = WorkCalendar(holidays=frozenset({date(2026, 11, 26)}), working_days=frozenset({date(2026, 11, 28)}))
    assert not opening("2026-11-26T10:00", calendar=own).open
    assert opening("2026-11-25T17:30", calendar=own).next_opening == datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    assert opening("2026-11-28T10:00", calendar=own).open
    assert not opening("2026-10-10T10:00", calendar=WorkCalendar(national=False)).open


def test_weekend_sessions_of_their_own_and_stop_before_the_end():
    hours = OpeningHours.from_dict({"week": {"saturday": ["09:00-12:00"]}, "stop_before_minutes": 30}, HOURS)
    assert opening("2026-11-28T10:00", hours).open
    assert not opening("2026-11-28T11:40", hours).open
    assert opening("2026-11-25T16:29", hours).open and not opening("2026-11-25T16:31", hours).open
    assert opening("2026-11-25T16:29", hours).closes_at == datetime(2026, 11, 25, 16, 30, tzinfo=SHANGHAI)
    assert not opening("2026-10-03T10:00", hours).open  # a Saturday inside the National Day holiday


def test_not_enforced_means_always_open():
    assert OpeningHours().opening(at("2026-11-25T03:00"), SHANGHAI, CHINA).open


def test_an_early_opening_covers_until_the_next_session():
    now = at("2026-11-25T08:20")
    until = early_until(HOURS, now, SHANGHAI, CHINA)
    assert until == at("2026-11-25T09:00")
    early = OpeningHours(enforce=True, early=EarlyOpening(now, until, "manager"))
    state = early.opening(now + 60, SHANGHAI, CHINA)
    assert state.open and state.early and state.closes_at == datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert early.opening(until, SHANGHAI, CHINA).open and not early.opening(until, SHANGHAI, CHINA).early
    assert not early.opening(now - 60, SHANGHAI, CHINA).open
    assert early_until(HOURS, at("2026-11-27T18:00"), SHANGHAI, CHINA) == at("2026-11-28T10:00")  # at most 16 h


def test_display_text_groups_days_with_the_same_sessions():
    assert HOURS.display("zh") == "周一至周五 9:00–12:00，13:30–17:00"
    assert HOURS.display("en") == "Mon – Fri 9:00–12:00, 13:30–17:00"
    saturday = OpeningHours.from_dict({"week": {"saturday": ["09:00-12:00"]}})
    assert saturday.display("zh") == "周一至周五 9:00–12:00，13:30–17:00；周六 9:00–12:00"


@pytest.mark.parametrize("bad", [["9-12"], ["12:00-09:00"], ["09:00-12:00", "11:00-13:00"], "09:00-12:00",
                                 ["09:70-10:00"], ["00:00-25:00"]])
def test_bad_sessions_are_refused_with_a_reason(bad):
    with pytest.raises(HoursError):
        parse_sessions(bad, "monday")


def test_sessions_parse_as_people_write_them():
    assert parse_sessions(["13:30–17:00", "9:00 至 12:00"], "x") == (Session(540, 720), Session(810, 1020))
    assert parse_sessions(["00:00-24:00"], "x") == (Session(0, 1440),)


def test_the_configuration_file_section():
    config = parse_config({"service_hours": {"weekdays": ["08:30-12:00", "14:00-17:30"], "saturday": ["09:00-12:00"],
                                             "stop_before_minutes": 15}})
    hours = config.service_hours
    assert hours.enforce and hours.stop_before_minutes == 15
    assert hours.week[0] == (Session(510, 720), Session(840, 1050)) and hours.week[5] == (Session(540, 720),)
    with pytest.raises(ConfigError, match="service_hours"):
        parse_config({"service_hours": {"monday": ["late"]}})
    with pytest.raises(ConfigError, match="unknown"):
        parse_config({"service_hours": {"mondays": []}})
    assert not parse_config({}).service_hours.enforce
