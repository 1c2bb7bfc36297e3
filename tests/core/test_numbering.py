"""Ticket numbers: letter + three digits, daily restart in the hall's time zone, never from COUNT."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from hall.domain.numbering import format_number, parse_number, service_day

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, mo: int, d: int, h: int, mi: int = 0, tz: ZoneInfo = SHANGHAI) -> float:
    return datetime(y, mo, d, h, mi, tzinfo=tz).timestamp()


@pytest.mark.parametrize("seq, number", [(1, "A001"), (42, "A042"), (999, "A999"), (1000, "A1000"), (12345, "A12345")])
def test_format_grows_past_999_instead_of_wrapping(seq, number):
    assert format_number("A", seq) == number


def test_format_rejects_zero():
    with pytest.raises(ValueError):
        format_number("A", 0)


def test_parse_round_trip_and_bad_numbers():
    assert parse_number(" b012 ") == ("B", 12)
    for bad in ("", "A1", "12A", "AB01", "A-01"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_service_day_restarts_at_day_start_local_time():
    start = time(4, 0)
    # 03:59 Shanghai still belongs to the previous service day; 04:00 starts the new one.
    assert service_day(at(2026, 11, 25, 3, 59), SHANGHAI, start).isoformat() == "2026-11-24"
    assert service_day(at(2026, 11, 25, 4, 0), SHANGHAI, start).isoformat() == "2026-11-25"


def test_service_day_uses_hall_time_zone_not_utc():
    # 01:00 UTC on the 25th is 09:00 in Shanghai on the 25th, but still the 24th in New York.
    moment = datetime(2026, 11, 25, 1, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    assert service_day(moment, SHANGHAI, time(0, 0)).isoformat() == "2026-11-25"
    assert service_day(moment, ZoneInfo("America/New_York"), time(0, 0)).isoformat() == "2026-11-24"


def test_numbers_restart_next_day_and_continue_within_a_day(hall_service, clock):
    first = hall_service.issue_ticket(service="B01")
    second = hall_service.issue_ticket(service="B02")
    other_letter = hall_service.issue_ticket(service="A01")
    assert (first.number, second.number, other_letter.number) == ("B001", "B002", "A001")
    clock.advance(24 * 3600)
    assert hall_service.issue_ticket(service="B01").number == "B001"


def test_numbering_does_not_reuse_numbers_after_cancellation(hall_service):
    first = hall_service.issue_ticket(service="B01")
    hall_service.cancel(first.id, "manager")
    assert hall_service.issue_ticket(service="B01").number == "B002"


def test_bundle_ticket_takes_the_letter_of_its_first_item(hall_service):
    ticket = hall_service.issue_ticket(bundle="P04")
    assert ticket.number.startswith("D") and ticket.items == ("D01", "D02", "D03")
