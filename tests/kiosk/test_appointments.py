"""Appointments: managers book, citizens check in at a kiosk within the window and go ahead of walk-ins."""

from __future__ import annotations

from tests.conftest import login, printer_worker, wait_print


def book(manager, slot_start: str = "2026-11-25T09:15", **body) -> dict:
    response = manager.post("/api/v1/appointments", json={"bundle": "P07", "slot_start": slot_start, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_checked_in_appointment_is_called_before_earlier_walk_ins(client, manager, clerk, ctx, clock):
    booking = book(manager, service="B03", bundle=None)
    assert len(booking["code"]) == 12 and booking["state"] == "booked"
    walk_ins = [client.post("/api/v1/tickets", json={"service": "B03"}).get_json() for _ in range(2)]
    clock.advance(60)
    checked = client.post("/api/v1/appointments/check-in",
                          json={"code": booking["code"][:4] + " " + booking["code"][4:], "kiosk": "west"})
    assert checked.status_code == 201
    ticket = checked.get_json()
    assert ticket["people_ahead"] == 0 and ticket["token"] and ticket["again"] is False
    # The clerk's call-next takes the appointment first, then the walk-ins in their order.
    counter = _counter_for(ctx, "B03")
    called = [clerk.post(f"/api/v1/counters/{counter}/call-next", json={}).get_json()["ticket"]["number"]]
    for _ in walk_ins:
        clerk.post(f"/api/v1/counters/{counter}/no-show", json={})
        called.append(clerk.post(f"/api/v1/counters/{counter}/call-next", json={}).get_json()["ticket"]["number"])
    assert called == [ticket["number"], walk_ins[0]["number"], walk_ins[1]["number"]]
    listed = manager.get("/api/v1/appointments").get_json()["appointments"]
    assert [(a["code"], a["state"], a["ticket_number"]) for a in listed] == [
        (booking["code"], "checked_in", ticket["number"])]


def _counter_for(ctx, item: str) -> int:
    from hall.storage import repo

    with ctx.storage.read() as db:
        return next(c.number for c in repo.counters(db) if item in c.items)


def test_second_check_in_returns_the_same_ticket_without_printing_again(client, manager, ctx):
    code = book(manager)["code"]
    first = client.post("/api/v1/appointments/check-in", json={"code": code, "kiosk": "west"}).get_json()
    wait_print(ctx, first["id"])
    again = client.post("/api/v1/appointments/check-in", json={"code": code, "kiosk": "west"})
    assert again.status_code == 200 and again.get_json()["number"] == first["number"] and again.get_json()["again"]
    assert len(printer_worker(ctx, "printer:west").simulated_output()) == 1
    # The printed ticket says appointment, not the priority lane.
    data = printer_worker(ctx, "printer:west").simulated_output()[0]
    assert "职工退休 · 预约\n".encode("gb18030") in data
    assert b"\x1dB\x01" not in data  # no inverted 绿色通道 banner (the hall notice may still mention it)


def test_too_early_is_refused_plainly_and_late_becomes_a_walk_in_ticket(client, manager, clock):
    early = book(manager, slot_start="2026-11-25T10:00")["code"]  # it is 09:00: check-in opens at 09:30
    refused = client.post("/api/v1/appointments/check-in", json={"code": early})
    assert refused.status_code == 404 and refused.get_json()["error"] == "check_in_refused"
    clock.advance(30 * 60)
    assert client.post("/api/v1/appointments/check-in", json={"code": early}).status_code == 201
    late = book(manager, slot_start="2026-11-25T09:40", slot_minutes=30)["code"]
    clock.advance(41 * 60)  # 10:11, the 09:40-10:10 slot is over: a walk-in ticket, never a dead end
    walk_in = client.post("/api/v1/appointments/check-in", json={"code": late})
    assert walk_in.status_code == 201 and walk_in.get_json()["late"] is True
    assert walk_in.get_json()["priority"] is False and walk_in.get_json()["channel"] == "walk_in"
    clock.advance(86_400)  # the next day it is refused like any other code
    assert client.post("/api/v1/appointments/check-in", json={"code": early}).status_code == 404


def test_unknown_bad_and_cancelled_codes(client, manager):
    assert client.post("/api/v1/appointments/check-in", json={"code": "000000000000"}).get_json()["error"] == \
        "check_in_refused"
    assert client.post("/api/v1/appointments/check-in", json={"code": "12ab"}).status_code == 400
    code = book(manager)["code"]
    assert manager.post(f"/api/v1/appointments/{code}/cancel", json={}).status_code == 200
    cancelled = client.post("/api/v1/appointments/check-in", json={"code": code}).get_json()
    assert cancelled["error"] == "check_in_refused"


def test_booking_needs_a_manager_and_valid_input(client, clerk, manager):
    body = {"service": "B03", "slot_start": "2026-11-25T10:00"}
    assert client.post("/api/v1/appointments", json=body).status_code == 401
    assert clerk.post("/api/v1/appointments", json=body).status_code == 403
    assert client.get("/api/v1/appointments").status_code == 401
    for bad in ({"service": "B03", "slot_start": "tomorrow"}, {"service": "NOPE", "slot_start": "2026-11-25T10:00"},
                {"slot_start": "2026-11-25T10:00"}, {"service": "B03", "slot_start": "2026-11-25T08:00"},
                {"service": "B03", "slot_start": "2026-11-25T10:00", "slot_minutes": 1000}):
        response = manager.post("/api/v1/appointments", json=bad)
        assert 400 <= response.status_code < 500 and response.get_json()["error"], bad


def test_managers_page_lists_todays_bookings(client, manager):
    code = book(manager)["code"]
    page = manager.get("/console/appointments?lang=zh").get_data(as_text=True)
    assert code in page and "09:15–09:45" in page and "职工退休" in page and "已预约" in page
    assert client.get("/console/appointments").status_code == 302
    login(client, "clerk1")
    assert client.get("/console/appointments").status_code == 403
