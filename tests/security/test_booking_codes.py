"""Issue 13, point 8: booking codes are long, check-ins are throttled, and "wrong" and "not now" look alike; a
booking checked in after its slot on its own day becomes a walk-in ticket (issue 16)."""

from __future__ import annotations

import pytest

from tests.kiosk.test_appointments import book


def check_in(client, code: str, kiosk: str = "west"):
    return client.post("/api/v1/appointments/check-in", json={"code": code, "kiosk": kiosk})


def test_codes_have_12_random_digits(manager):
    codes = {book(manager)["code"] for _ in range(20)}
    assert len(codes) == 20 and all(len(c) == 12 and c.isdigit() for c in codes)


def test_every_code_that_cannot_be_checked_in_gets_one_answer_and_a_late_one_is_a_walk_in(client, manager, clock):
    early = book(manager, slot_start="2026-11-25T11:00")["code"]
    late = book(manager, slot_start="2026-11-25T08:55", slot_minutes=10)["code"]  # 08:55-09:05
    yesterday = book(manager, slot_start="2026-11-25T09:05", slot_minutes=10)["code"]  # 09:05-09:15, never came
    cancelled = book(manager)["code"]
    manager.post(f"/api/v1/appointments/{cancelled}/cancel", json={})
    used = book(manager)["code"]
    assert check_in(client, used, kiosk="east").status_code == 201
    clock.advance(6 * 60)  # 09:06: the late slot is over, on its own day
    walk_in = check_in(client, late)
    assert walk_in.status_code == 201 and walk_in.get_json()["late"] is True  # an ordinary walk-in ticket
    assert walk_in.get_json()["channel"] == "walk_in" and not walk_in.get_json()["priority"]
    answers = []
    for code in ("123456789012", early, cancelled, used):  # `used` again, from another kiosk
        response = check_in(client, code)
        answers.append((response.status_code, response.get_json()))
    clock.advance(24 * 3600)  # the next morning: yesterday's booking is over on another day
    for code in (yesterday, "123456789012"):
        response = check_in(client, code)
        answers.append((response.status_code, response.get_json()))
    assert len({repr(a) for a in answers}) == 1, answers  # nothing tells a valid code from a wrong one
    status, body = answers[0]
    assert status == 404 and body["error"] == "check_in_refused" and "details" not in body


def test_a_double_tap_at_the_same_kiosk_still_gets_its_ticket(client, manager, clock):
    code = book(manager)["code"]
    first = check_in(client, code).get_json()
    clock.advance(60)
    again = check_in(client, code)
    assert again.status_code == 200 and again.get_json()["id"] == first["id"] and again.get_json()["again"]
    clock.advance(5 * 60)
    assert check_in(client, code).status_code == 404  # later, a used code is refused like a wrong one


def test_guessing_from_one_kiosk_is_throttled(client):
    statuses = [check_in(client, f"{n:012d}").status_code for n in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]  # "10 per minute" per client address
    refused = check_in(client, "000000000099")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_codes_booked_before_the_upgrade_still_check_in(client, ctx, manager):
    from hall.storage import appointments as store

    booking = book(manager)
    with ctx.storage.write() as db:  # an 8-digit code from the old scheme
        db.execute("UPDATE appointments SET code = '87654321' WHERE code = ?", [booking["code"]])
    assert check_in(client, "8765 4321").status_code == 201
    with ctx.storage.read() as db:
        assert store.appointment(db, "87654321")["state"] == "checked_in"


@pytest.mark.parametrize("typed", ["1234", "1234567890123", "12345678901a", ""])
def test_malformed_codes_are_refused_with_a_message(client, typed):
    response = check_in(client, typed)
    assert response.status_code == 400 and "12 位数字" in response.get_json()["message"]


@pytest.mark.e2e
def test_a_citizen_types_the_12_digit_code_at_the_kiosk(live_server, page):
    from datetime import datetime, timedelta

    from tests.conftest import SHANGHAI
    from tests.faults.realserver import staff_session

    base = live_server.url
    soon = (datetime.now(SHANGHAI) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")  # the hall's local time
    booking = staff_session(base, "manager").post(f"{base}/api/v1/appointments",
                                                  json={"service": "A01", "slot_start": soon}, timeout=30).json()
    page.goto(f"{base}/kiosk/default/appointment")
    for digit in "123456789012":  # a wrong code first: the one plain answer
        page.click(f"#keypad [data-key='{digit}']")
    assert page.text_content("#code") == "1234 5678 9012"
    page.click("#check-in")
    page.wait_for_function("() => document.getElementById('take-error').textContent.includes('30')")
    page.click("#keypad [data-key='clear']")
    for digit in booking["code"]:
        page.click(f"#keypad [data-key='{digit}']")
    with page.expect_navigation():
        page.click("#check-in")
    assert "/ticket/" in page.url and page.text_content("#ticket-number").strip()
