"""Live-hall alerts: the pure rules, the live snapshot, and the push to /console when time alone changes them."""

from __future__ import annotations

from hall.alerts import hall_alerts
from hall.privacy import mask_id_number, mask_phone, mask_text
from tests.conftest import login, received

NOW = 1_000_000.0
LIMITS = {"wait_target_minutes": 15, "max_waiting_per_counter": 3, "pause_alert_minutes": 20}


def snapshot(**changes):
    base = {
        "limits": LIMITS, "waiting_total": 0, "devices": [], "followups": None,
        "categories": [{"category": "enterprise", "name": "企业", "oldest_queue_at": None, "oldest_number": None}],
        "counters": [{"number": 1, "state": "open", "state_since": NOW - 3600, "pause_reason": None},
                     {"number": 2, "state": "open", "state_since": NOW - 3600, "pause_reason": None}],
    }
    return {**base, **changes}


def kinds(snap, now=NOW):
    return [(a.kind, a.key) for a in hall_alerts(snap, now)]


def test_a_quiet_hall_has_no_alerts():
    assert kinds(snapshot()) == []


def test_wait_over_target_starts_after_exactly_the_target():
    queues = [{"category": "enterprise", "name": "企业", "oldest_queue_at": NOW - 15 * 60, "oldest_number": "A001"}]
    assert kinds(snapshot(categories=queues, waiting_total=1)) == []
    alert = hall_alerts(snapshot(categories=queues, waiting_total=1), NOW + 1)[0]
    assert (alert.kind, alert.params["number"], alert.params["minutes"], alert.params["target"]) == (
        "wait_over_target", "A001", 15, 15)


def test_too_many_waiting_per_open_counter():
    assert kinds(snapshot(waiting_total=6)) == []  # 3 per counter is the limit
    assert kinds(snapshot(waiting_total=7)) == [("too_many_waiting", "crowded")]
    closed = [{"number": 1, "state": "paused", "state_since": NOW, "pause_reason": "lunch"}]
    assert kinds(snapshot(waiting_total=1, counters=closed)) == []
    assert kinds(snapshot(waiting_total=4, counters=closed)) == [("too_many_waiting", "crowded")]


def test_paused_too_long_device_fault_and_overdue_follow_up():
    counters = [{"number": 3, "state": "paused", "state_since": NOW - 21 * 60, "pause_reason": "会议"},
                {"number": 4, "state": "paused", "state_since": NOW - 19 * 60, "pause_reason": ""}]
    devices = [{"device": "printer", "state": "paper_out", "message": "纸尽"}, {"device": "speech", "state": "ok"}]
    followups = [{"ticket": 7, "deadline": NOW - 86400 * 2 - 1}, {"ticket": 8, "deadline": NOW + 10}]
    found = kinds(snapshot(counters=counters, devices=devices, followups=followups))
    assert found == [("paused_too_long", "paused:3"), ("device_fault", "device:printer"),
                     ("followup_overdue", "followup:7")]
    assert hall_alerts(snapshot(followups=followups), NOW)[0].params["days"] == 2


def test_live_hall_snapshot_over_http(app, manager, ctx, clock):
    manager.post("/api/v1/tickets", json={"service": "A01"})
    clerk2 = app.test_client()
    login(clerk2, "clerk2")
    assert clerk2.post("/api/v1/counters/2/pause", json={"reason": "other", "note": "会议"}).status_code == 200
    clock.advance(16 * 60)
    live = manager.get("/api/v1/console/live").get_json()
    assert {a["kind"] for a in live["alerts"]} == {"wait_over_target"}
    enterprise = next(q for q in live["categories"] if q["category"] == "enterprise")
    assert enterprise["waiting"] == 1 and enterprise["oldest_number"] == "A001"
    counter2 = next(c for c in live["counters"] if c["number"] == 2)
    # Managers see the clerk's note (public screens never do).
    assert counter2["state"] == "paused" and counter2["pause_reason"] == "other: 会议"
    clock.advance(5 * 60)
    kinds_now = {a["kind"] for a in manager.get("/api/v1/console/live").get_json()["alerts"]}
    assert kinds_now == {"wait_over_target", "paused_too_long"}


def test_live_hall_shows_the_ticket_in_hand_and_served_today(manager, clerk, ctx, clock):
    manager.post("/api/v1/tickets", json={"service": "A01"})
    clerk.post("/api/v1/counters/1/call-next", json={})
    clerk.post("/api/v1/counters/1/start", json={})
    clock.advance(180)
    counter1 = next(c for c in manager.get("/api/v1/console/live").get_json()["counters"] if c["number"] == 1)
    assert counter1["ticket"]["number"] == "A001" and counter1["ticket"]["seconds"] == 180
    assert counter1["staff"] == "clerk1" and counter1["staff_name"] == "综合柜员 1"
    clerk.post("/api/v1/counters/1/finish", json={})
    counter1 = next(c for c in manager.get("/api/v1/console/live").get_json()["counters"] if c["number"] == 1)
    assert counter1["ticket"] is None and counter1["served_today"] == 1 and counter1["mean_service_minutes"] == 3.0


def test_alert_is_pushed_to_console_when_a_wait_passes_the_target(app, ctx, clock, manager, socket_client):
    console = socket_client("/console", flask_client=manager)
    snap = received(console, "/console", ctx, "snapshot")[0]["args"][0]
    assert snap["live"]["alerts"] == []
    manager.post("/api/v1/tickets", json={"service": "A01"})
    watcher = app.extensions["onewindow_alerts"]
    assert watcher.check_now() == []
    clock.advance(15 * 60 + 1)
    assert [a["kind"] for a in watcher.check_now()] == ["wait_over_target"]
    pushed = received(console, "/console", ctx, "alerts")
    assert [a["kind"] for a in pushed[-1]["args"][0]["alerts"]] == ["wait_over_target"]
    watcher.check_now()  # unchanged: nothing new is sent
    assert received(console, "/console", ctx, "alerts") == []


def test_overdue_follow_up_of_a_bad_rating_raises_an_alert(manager, ctx, clock, crafted):
    with ctx.storage.write() as db:  # the rating of 2 opened a follow-up; let its deadline pass by a day
        assert db.execute("UPDATE followups SET due_at = ? WHERE ticket = ? AND state = 'open'",
                          [clock.now() - 86400 - 60, crafted.t2]).rowcount == 1
    alerts = [a for a in manager.get("/api/v1/console/live").get_json()["alerts"] if a["kind"] == "followup_overdue"]
    assert alerts == [{"key": f"followup:{crafted.t2}", "kind": "followup_overdue", "level": "error",
                       "params": {"ticket": crafted.t2, "number": "A002", "days": 1}}]
    with ctx.storage.write() as db:
        db.execute("UPDATE followups SET state = 'closed' WHERE ticket = ?", [crafted.t2])
    assert not [a for a in manager.get("/api/v1/console/live").get_json()["alerts"] if a["kind"] == "followup_overdue"]


def test_personal_data_is_masked():
    assert mask_id_number("110101199003074518") == "110101********4518"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_text("预约人 13812345678，身份证 11010119900307451X") == "预约人 138****5678，身份证 110101********451X"
    assert mask_text(None) is None and mask_phone("") == ""
