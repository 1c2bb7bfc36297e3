"""The phone's API through the Flask app with its owner process running: verification, remote tickets with
arrival, more time and no-shows, following any ticket, notices and their SMS, and the refusals (4xx, in Chinese,
nothing changed)."""

from __future__ import annotations

import pytest

from hall.storage import repo
from tests.conftest import login
from tests.phone.conftest import PHONE, last_code, settle, verified_client


def test_a_verified_number_takes_one_remote_ticket(phone_app, ph):
    client = verified_client(phone_app, ph)
    assert client.get("/api/v1/phone/me").get_json()["masked"] == "138****1234"
    taken = client.post("/api/v1/phone/tickets", json={"service": "E02", "ahead": 2})
    assert taken.status_code == 201, taken.get_json()
    ticket = taken.get_json()
    assert ticket["remote"] and not ticket["arrived"] and ticket["more_time"] and ticket["following"]["ahead"] == 2
    again = client.post("/api/v1/phone/tickets", json={"service": "E03"})
    assert again.status_code == 409 and again.get_json()["error"] == "already_queued"
    assert "已有一张远程" in again.get_json()["message"]
    assert client.get("/api/v1/phone/me").get_json()["ticket"] == ticket["token"]
    # The masked number is all the log holds; the code's digits were scrubbed once sent.
    ctx = phone_app.extensions["onewindow"]
    with ctx.storage.read() as db:
        row = db.execute("SELECT phone_masked, params, state FROM sms_messages").fetchone()
    assert row["phone_masked"] == "138****1234" and "code" not in row["params"] and row["state"] == "sent"


def test_taking_needs_a_verified_number_and_wrong_codes_are_refused(phone_app, ph):
    client = phone_app.test_client()
    refused = client.post("/api/v1/phone/tickets", json={"service": "E02"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "wrong_code"
    assert client.post("/api/v1/phone/codes", json={"phone": "12345"}).get_json()["error"] == "bad_phone_number"
    assert client.post("/api/v1/phone/codes", json={"phone": "+86 138-0000-1234"}).status_code == 202
    wrong = client.post("/api/v1/phone/verify", json={"phone": PHONE, "code": "000000" if last_code(ph) != "000000"
                                                     else "111111"})
    assert wrong.status_code == 400 and "验证码" in wrong.get_json()["message"]
    flood = client.post("/api/v1/phone/codes", json={"phone": PHONE})
    assert flood.status_code == 429 and flood.get_json()["error"] == "too_many_codes"
    for _ in range(5):  # five wrong tries spend the code
        client.post("/api/v1/phone/verify", json={"phone": PHONE, "code": "999999"})
    assert client.post("/api/v1/phone/verify", json={"phone": PHONE, "code": last_code(ph)}).status_code == 400


def test_a_flood_from_one_address_is_limited(phone_app, ph, clock):
    client = phone_app.test_client()
    answers = [client.post("/api/v1/phone/codes", json={"phone": f"1390000{n:04d}"}).status_code for n in range(22)]
    assert answers[:20] == [202] * 20 and answers[20:] == [429, 429]


def test_arrival_by_the_lobby_code_and_at_the_kiosk(phone_app, ph, clock):
    client = verified_client(phone_app, ph)
    token = client.post("/api/v1/phone/tickets", json={"service": "E02"}).get_json()["token"]
    bad = client.post(f"/api/v1/phone/tickets/{token}/arrived", json={"code": "123"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "arrival_refused"
    code = ph.arrival.code(clock.now())
    arrived = client.post(f"/api/v1/phone/tickets/{token}/arrived", json={"code": code}).get_json()
    assert arrived["arrived"] is True
    # The kiosk: number and the last four digits of the phone.
    other = verified_client(phone_app, ph, "13900005678")
    number = other.post("/api/v1/phone/tickets", json={"service": "E03"}).get_json()["number"]
    kiosk = phone_app.test_client()
    assert kiosk.post("/api/v1/kiosk/arrivals", json={"number": number, "digits": "1234"}).status_code == 400
    done = kiosk.post("/api/v1/kiosk/arrivals", json={"number": number.lower(), "digits": "5678", "kiosk": "east"})
    assert done.status_code == 200 and done.get_json()["arrived"]
    ctx = phone_app.extensions["onewindow"]
    with ctx.storage.read() as db:
        assert [r[0] for r in db.execute("SELECT type FROM events WHERE type = 'arrived'")] == ["arrived", "arrived"]


def test_more_time_moves_back_once_and_the_queue_follows(phone_app, ph, clock):
    client = verified_client(phone_app, ph)
    ticket = client.post("/api/v1/phone/tickets", json={"service": "E02"}).get_json()
    kiosk = phone_app.test_client()
    behind = []
    for _ in range(7):
        clock.advance(20)
        behind.append(kiosk.post("/api/v1/tickets", json={"service": "E02"}).get_json())
    assert client.get(f"/api/v1/phone/tickets/{ticket['token']}").get_json()["people_ahead_now"] == 0
    moved = client.post(f"/api/v1/phone/tickets/{ticket['token']}/more-time", json={})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["people_ahead_now"] == 5 and moved.get_json()["moved_back"]
    again = client.post(f"/api/v1/phone/tickets/{ticket['token']}/more-time", json={})
    assert again.status_code == 409 and again.get_json()["error"] == "more_time_refused"
    clerk = phone_app.test_client()
    login(clerk, "clerk5")
    called = [clerk.post("/api/v1/counters/5/call-next", json={}).get_json()["ticket"]["number"]]
    for _ in range(6):
        clerk.post("/api/v1/counters/5/no-show", json={})
        called.append(clerk.post("/api/v1/counters/5/call-next", json={}).get_json()["ticket"]["number"])
    assert called == [t["number"] for t in behind[:5]] + [ticket["number"], behind[5]["number"]]
    ctx = phone_app.extensions["onewindow"]
    with ctx.storage.read() as db:
        assert db.execute("SELECT count(*) FROM events WHERE type = 'moved_back'").fetchone()[0] == 1


def test_an_unarrived_remote_ticket_becomes_a_no_show_after_the_grace(phone_app, ph, clock):
    client = verified_client(phone_app, ph)
    ticket = client.post("/api/v1/phone/tickets", json={"service": "E02"}).get_json()
    clerk = phone_app.test_client()
    login(clerk, "clerk5")
    assert clerk.post("/api/v1/counters/5/call-next", json={}).get_json()["ticket"]["number"] == ticket["number"]
    settle(phone_app)
    view = client.get(f"/api/v1/phone/tickets/{ticket['token']}").get_json()
    assert view["state"] == "called" and view["arrive_by"] == pytest.approx(clock.now() + 300)
    clock.advance(299)
    assert ph.remote.sweep_no_shows() == 0
    clock.advance(2)
    assert ph.remote.sweep_no_shows() == 1
    view = client.get(f"/api/v1/phone/tickets/{ticket['token']}").get_json()
    assert view["state"] == "no_show" and [n["kind"] for n in view["notices"]][-1] == "no_show"
    # An arrived one stays called.
    other = verified_client(phone_app, ph, "13900005678")
    token = other.post("/api/v1/phone/tickets", json={"service": "E02"}).get_json()["token"]
    other.post(f"/api/v1/phone/tickets/{token}/arrived", json={"code": ph.arrival.code(clock.now())})
    clerk.post("/api/v1/counters/5/call-next", json={})
    clock.advance(600)
    assert ph.remote.sweep_no_shows() == 0


def test_notices_at_n_ahead_and_when_called_with_their_sms(phone_app, ph):
    ph.gateway.sent.clear()
    client = verified_client(phone_app, ph)
    kiosk = phone_app.test_client()
    for _ in range(4):
        kiosk.post("/api/v1/tickets", json={"service": "E02"})
    ticket = client.post("/api/v1/phone/tickets", json={"service": "E02", "ahead": 2, "sms": True}).get_json()
    settle(phone_app)
    assert [n["kind"] for n in client.get(f"/api/v1/phone/tickets/{ticket['token']}").get_json()["notices"]] == []
    clerk = phone_app.test_client()
    login(clerk, "clerk5")
    clerk.post("/api/v1/counters/5/call-next", json={})
    settle(phone_app)
    assert client.get(f"/api/v1/phone/tickets/{ticket['token']}").get_json()["notices"] == []
    clerk.post("/api/v1/counters/5/no-show", json={})
    clerk.post("/api/v1/counters/5/call-next", json={})
    settle(phone_app)
    notices = client.get(f"/api/v1/phone/tickets/{ticket['token']}").get_json()["notices"]
    assert [(n["kind"], n["params"]["ahead"]) for n in notices] == [("ahead", 2)]
    for _ in range(3):
        clerk.post("/api/v1/counters/5/no-show", json={})
        clerk.post("/api/v1/counters/5/call-next", json={})
    settle(phone_app)
    notices = client.get(f"/api/v1/phone/tickets/{ticket['token']}").get_json()["notices"]
    assert [n["kind"] for n in notices] == ["ahead", "called"] and notices[1]["params"]["counter"] == 5
    assert notices[1]["sms"] is False  # no template for "called" in this hall's [sms]: page only
    kinds = [m.kind for m in ph.gateway.sent]
    assert kinds == ["code"]


def test_following_a_kiosk_ticket_and_sms_needs_a_verified_number(phone_app, ph):
    kiosk = phone_app.test_client()
    ticket = kiosk.post("/api/v1/tickets", json={"service": "E02"}).get_json()
    anonymous = phone_app.test_client()
    assert anonymous.put(f"/api/v1/phone/tickets/{ticket['token']}/follow", json={"ahead": 3}).status_code == 200
    assert anonymous.put(f"/api/v1/phone/tickets/{ticket['token']}/follow",
                         json={"sms": True}).get_json()["error"] == "wrong_code"
    client = verified_client(phone_app, ph)
    followed = client.put(f"/api/v1/phone/tickets/{ticket['token']}/follow", json={"ahead": 99, "sms": True})
    assert followed.get_json()["following"] == {"ahead": 10, "sms": True, "phone": "138****1234", "notified": False}


def test_forged_tokens_and_bad_input_are_4xx_in_chinese(phone_app):
    client = phone_app.test_client()
    for method, url, body in (("get", "/api/v1/phone/tickets/forged", None),
                              ("post", "/api/v1/phone/tickets/forged/more-time", {}),
                              ("get", "/api/v1/phone/bookings/forged", None)):
        answer = getattr(client, method)(url, json=body)
        assert 400 <= answer.status_code < 500 and any("\u4e00" <= c <= "\u9fff" for c in answer.get_json()["message"])
    page = client.get("/phone/t/forged")
    assert page.status_code == 404 and "没有这张号" in page.get_data(as_text=True)


def test_phone_numbers_are_erased_after_their_retention(phone_app, ph, clock):
    client = verified_client(phone_app, ph)
    client.post("/api/v1/phone/tickets", json={"service": "E02"})
    ctx = phone_app.extensions["onewindow"]
    clock.advance(20 * 3600)  # the service day is over (at 04:00), its retention (24 h more) is not
    assert ph.contacts.erase_expired() == 0
    clock.advance(24 * 3600)
    assert ph.contacts.erase_expired() == 1
    with ctx.storage.read() as db:
        row = db.execute("SELECT phone, phone_hash, phone_masked FROM contacts").fetchone()
    assert row["phone"] is None and row["phone_hash"] is None and row["phone_masked"] == "138****1234"
    assert client.get("/api/v1/phone/me").get_json()["verified"] is False


def test_the_arrival_screen_and_the_id_card_check_in_need_their_devices(phone_app, ph):
    ctx = phone_app.extensions["onewindow"]
    _, lobby = ctx.accounts.add_device("lobby", name="lobby-1")
    _, kiosk = ctx.accounts.add_device("kiosk", name="kiosk-1")
    client = phone_app.test_client()
    assert client.get("/phone/arrival").status_code == 403
    assert client.get(f"/phone/arrival?token={kiosk}").status_code == 403
    screen = client.get(f"/phone/arrival?token={lobby}").get_data(as_text=True)
    assert ph.arrival.code(ctx.service.clock.now()) in screen and "<svg" in screen
    assert client.post("/api/v1/appointments/check-in-id", json={"id_number": "x"}).status_code == 401
    assert client.post("/api/v1/appointments/check-in-id", json={"id_number": "x"},
                       headers={"Authorization": f"Bearer {lobby}"}).status_code == 403
    refused = client.post("/api/v1/appointments/check-in-id", json={"id_number": "110101199003074514"},
                          headers={"Authorization": f"Bearer {kiosk}"})
    assert refused.status_code == 404 and refused.get_json()["error"] == "check_in_refused"
    with ctx.storage.read() as db:
        assert repo.is_empty(db) is False


def test_a_followed_case_ready_for_pickup(phone_app, ph):
    client = verified_client(phone_app, ph)
    ticket = client.post("/api/v1/phone/tickets", json={"service": "C01"}).get_json()  # 工伤认定: reviewed
    clerk = phone_app.test_client()
    login(clerk, "clerk5")
    for action in ("call-next", "start", "finish"):
        assert clerk.post(f"/api/v1/counters/5/{action}", json={}).status_code == 200
    ctx = phone_app.extensions["onewindow"]
    with ctx.storage.read() as db:
        case = db.execute("SELECT id FROM cases WHERE ticket = ?", [ticket["id"]]).fetchone()[0]
    for username, step in (("review", "review"), ("approve", "approve")):
        back = phone_app.test_client()
        login(back, username)
        assert back.post(f"/api/v1/cases/{case}/{step}", json={}).status_code == 200
    settle(phone_app)
    kinds = [n["kind"] for n in client.get(f"/api/v1/phone/tickets/{ticket['token']}").get_json()["notices"]]
    assert kinds[-1] == "ready"


def test_sms_to_one_number_stop_at_its_daily_limit(phone_app, ph):
    client = verified_client(phone_app, ph)
    ticket = client.post("/api/v1/phone/tickets", json={"service": "E02", "sms": True}).get_json()
    ctx = phone_app.extensions["onewindow"]
    ph.notices.per_number_per_day = 3  # the code counted already
    with ctx.storage.write() as db:
        contact = db.execute("SELECT contact FROM ticket_watch WHERE ticket = ?", [ticket["id"]]).fetchone()[0]
        sent = [ph.notices.emit(db, subject=f"t:{ticket['id']}", kind="reminder", key=str(n), params={"time": "x"},
                                ticket_id=ticket["id"], contact=contact, sms=True) for n in range(4)]
    with ctx.storage.read() as db:
        queued = db.execute("SELECT count(*) FROM sms_messages WHERE kind = 'reminder'").fetchone()[0]
    assert all(sent) and queued == 2  # four notices on the page, two more SMS only


def test_the_arrival_code_cannot_be_guessed_from_home(phone_app, ph, clock):
    client = verified_client(phone_app, ph)
    ticket = client.post("/api/v1/phone/tickets", json={"service": "E02"}).get_json()
    right = ph.arrival.code(clock.now())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(8):
        assert client.post(f"/api/v1/phone/tickets/{ticket['token']}/arrived", json={"code": wrong}).status_code == 400
    refused = client.post(f"/api/v1/phone/tickets/{ticket['token']}/arrived", json={"code": right})
    assert refused.status_code == 400  # eight wrong tries: no code is taken any more, the kiosk's digits neither
    assert phone_app.test_client().post("/api/v1/kiosk/arrivals", json={"number": ticket["number"],
                                                                        "digits": "1234"}).status_code == 400
    clerk = phone_app.test_client()  # the clerk who calls the citizen standing at the counter starts serving
    login(clerk, "clerk5")
    clerk.post("/api/v1/counters/5/call-next", json={})
    assert clerk.post("/api/v1/counters/5/start", json={}).status_code == 200
    clock.advance(600)
    assert ph.remote.sweep_no_shows() == 0
