"""Online appointments through the API: plans and slots on the calendar, booking with its code and notice, full
slots and one booking a day per number, reminders, check-in on the phone or by ID card, late arrival as a walk-in
ticket, cancelling gives the place and the quota back."""

from __future__ import annotations

from datetime import datetime

import pytest

from hall.quotas import QuotaBook, QuotaExhausted
from tests.conftest import MORNING, SHANGHAI, login
from tests.phone.conftest import settle, verified_client


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


@pytest.fixture
def planned(phone_app):
    """Item B03 bookable in 30-minute slots of 2, from an hour ahead, a week ahead at most."""
    manager = phone_app.test_client()
    login(manager, "manager")
    answer = manager.put("/api/v1/admin/appointment-plans/item/B03",
                         json={"slot_minutes": 30, "capacity": 2, "min_lead_minutes": 60, "max_days_ahead": 7})
    assert answer.status_code == 200, answer.get_json()
    return manager


def slots(client, day: str = "2026-11-25") -> list[dict]:
    answer = client.get(f"/api/v1/phone/slots?scope=item&code=B03&date={day}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["slots"]


def book(client, start: float, **extra):
    return client.post("/api/v1/phone/bookings", json={"scope": "item", "code": "B03", "slot_start": start, **extra})


def test_slots_follow_the_service_hours_the_calendar_and_the_lead_time(phone_app, planned):
    today = slots(phone_app.test_client())
    assert [s["time"] for s in today][:3] == ["09:00", "09:30", "10:00"] and today[-1]["time"] == "16:30"
    assert "12:00" not in [s["time"] for s in today]  # lunch
    assert [s["time"] for s in today if s["bookable"]][0] == "10:00"  # an hour ahead at least
    assert slots(phone_app.test_client(), "2026-11-28") == []  # Saturday
    assert slots(phone_app.test_client(), "2026-12-05") == []  # beyond a week
    planned.put("/api/v1/admin/appointment-plans/item/B03/days/2026-11-26", json={"capacity": 0})
    assert {s["capacity"] for s in slots(phone_app.test_client(), "2026-11-26")} == {0}
    assert planned.get("/api/v1/admin/appointment-plans").get_json()["plans"][0]["days"][0]["capacity"] == 0


def test_a_booking_its_code_its_notice_and_the_refusals(phone_app, ph, planned):
    client = verified_client(phone_app, ph)
    refused = book(client, at("2026-11-25T09:30"))
    assert refused.status_code == 409 and refused.get_json()["error"] == "booking_refused"
    assert "太近" in refused.get_json()["message"]
    made = book(client, at("2026-11-25T10:30"), sms=True)
    assert made.status_code == 201, made.get_json()
    booking = made.get_json()
    assert len(booking["code"]) == 12 and booking["state"] == "booked" and booking["page"].startswith("/phone/b/")
    assert [n["kind"] for n in booking["notices"]] == ["booked"] and "code" not in booking["notices"][0]["params"]
    settle(phone_app)
    booked_sms = [m for m in ph.gateway.sent if m.kind == "booked"]
    assert booked_sms and booked_sms[0].params["code"] == booking["code"]
    again = book(client, at("2026-11-25T14:00"))
    assert again.status_code == 409 and again.get_json()["details"]["reason"] == "same_day"
    for phone in ("13900000001", "13900000002"):
        other = verified_client(phone_app, ph, phone)
        assert book(other, at("2026-11-25T11:00")).status_code == 201
    third = verified_client(phone_app, ph, "13900000003")
    full = book(third, at("2026-11-25T11:00"))
    assert full.status_code == 409 and full.get_json()["error"] == "slot_full"
    assert [s["left"] for s in slots(third) if s["time"] == "11:00"] == [0]
    anonymous = phone_app.test_client()
    assert anonymous.post("/api/v1/phone/bookings", json={"code": "B03", "slot_start": 1}).status_code == 400


def test_bookings_hold_their_quota_and_cancelling_gives_it_back(phone_app, ph, planned, clock):
    ctx = phone_app.extensions["onewindow"]
    QuotaBook(ctx.storage, clock).save("manager", "item", "B03", {"daily": 2})
    client = verified_client(phone_app, ph)
    booking = book(client, at("2026-11-25T10:30")).get_json()
    kiosk = phone_app.test_client()
    assert kiosk.post("/api/v1/tickets", json={"service": "B03"}).status_code == 201
    assert kiosk.post("/api/v1/tickets", json={"service": "B03"}).get_json()["error"] == "quota_exhausted"
    left = {s["time"]: s["left"] for s in slots(client)}["10:30"]
    assert client.post(f"/api/v1/phone/bookings/{booking['token']}/cancel", json={}).status_code == 200
    assert {s["time"]: s["left"] for s in slots(client)}["10:30"] == left + 1
    assert kiosk.post("/api/v1/tickets", json={"service": "B03"}).status_code == 201
    with pytest.raises(QuotaExhausted):
        ctx.service.issue_ticket(service="B03")


def test_reminder_then_check_in_on_the_phone_ahead_of_walk_ins(phone_app, ph, planned, clock):
    client = verified_client(phone_app, ph)
    booking = book(client, at("2026-11-25T10:30"), sms=True).get_json()
    assert ph.plans.send_reminders() == 0
    clock.set(at("2026-11-25T09:31"))
    assert ph.plans.send_reminders() == 1 and ph.plans.send_reminders() == 0
    page = client.get(f"/api/v1/phone/bookings/{booking['token']}").get_json()
    assert [n["kind"] for n in page["notices"]] == ["booked", "reminder"]
    assert page["notices"][1]["params"]["time"] == "11-25 10:30"
    settle(phone_app)
    assert [m.kind for m in ph.gateway.sent if m.kind != "code"] == ["booked", "reminder"]
    clock.set(at("2026-11-25T10:00"))
    walk_in = phone_app.test_client().post("/api/v1/tickets", json={"service": "B03"}).get_json()
    clock.set(at("2026-11-25T10:05"))
    wrong = client.post(f"/api/v1/phone/bookings/{booking['token']}/check-in", json={"code": "000000"})
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "arrival_refused"
    checked = client.post(f"/api/v1/phone/bookings/{booking['token']}/check-in",
                          json={"code": ph.arrival.code(clock.now())})
    assert checked.status_code == 201, checked.get_json()
    ticket = checked.get_json()["ticket"]
    assert ticket["priority"] and ticket["appointment"] and ticket["channel"] == "appointment"
    assert ticket["people_ahead_now"] == 0  # ahead of the walk-in who came before
    assert phone_app.test_client().get(f"/api/v1/status/{walk_in['token']}").get_json()["people_ahead_now"] == 1
    assert client.get(f"/api/v1/phone/bookings/{booking['token']}").get_json()["ticket"] == checked.get_json()["token"]


def test_late_arrival_becomes_a_walk_in_even_when_the_day_is_full(phone_app, ph, planned, clock):
    ctx = phone_app.extensions["onewindow"]
    QuotaBook(ctx.storage, clock).save("manager", "item", "B03", {"daily": 1})
    client = verified_client(phone_app, ph)
    booking = book(client, at("2026-11-25T10:00")).get_json()
    clock.set(at("2026-11-25T11:10"))
    here = client.post("/api/v1/phone/here", json={"code": ph.arrival.code(clock.now())})
    assert here.status_code == 200 and here.get_json()["kind"] == "booking" and here.get_json()["late"] is True
    ticket = here.get_json()["ticket"]
    assert not ticket["priority"] and ticket["channel"] == "walk_in" and ticket["appointment"]
    assert client.get(f"/api/v1/phone/bookings/{booking['token']}").get_json()["late"] is True


def test_check_in_by_id_card_is_the_kiosk_readers_hook(phone_app, ph, planned, clock):
    ctx = phone_app.extensions["onewindow"]
    _, kiosk = ctx.accounts.add_device("kiosk", name="east")
    client = verified_client(phone_app, ph)
    bad = book(client, at("2026-11-25T10:30"), id_number="110101199003074518")
    assert bad.status_code == 400 and "身份证" in bad.get_json()["message"]
    assert book(client, at("2026-11-25T10:30"), id_number="110101199003074514").status_code == 201
    with ctx.storage.read() as db:
        stored = db.execute("SELECT id_digest FROM appointments").fetchone()[0]
    assert len(stored) == 64 and "110101" not in stored
    clock.set(at("2026-11-25T10:10"))
    headers = {"Authorization": f"Bearer {kiosk}"}
    checked = phone_app.test_client().post("/api/v1/appointments/check-in-id",
                                           json={"id_number": "110101199003074514"}, headers=headers)
    assert checked.status_code == 201 and checked.get_json()["ticket"]["priority"] is True
    again = phone_app.test_client().post("/api/v1/appointments/check-in-id", json={"id_number": "110101199003074514"},
                                         headers=headers)
    assert again.status_code == 404  # checked in already: the booking is no longer open


def test_the_clock_starts_at_the_fixture_morning():
    assert datetime.fromtimestamp(MORNING, SHANGHAI).strftime("%a %H:%M") == "Wed 09:00"
