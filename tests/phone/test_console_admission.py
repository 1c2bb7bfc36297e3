"""Managers set service hours, open the hall early and set quotas and phone settings from the console: the API,
the audit log, and the kiosk's refusal with the next opening in Chinese."""

from __future__ import annotations

from tests.conftest import MORNING, login


def test_hours_open_early_and_the_audit(phone_app, clock):
    manager = phone_app.test_client()
    login(manager, "manager")
    kiosk = phone_app.test_client()
    week = {day: ["09:00-12:00", "13:30-17:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    saved = manager.put("/api/v1/admin/hours", json={"enforce": True, "week": week})
    assert saved.status_code == 200 and saved.get_json()["open_now"] is True
    assert saved.get_json()["display"] == "周一至周五 9:00–12:00，13:30–17:00"
    assert manager.put("/api/v1/admin/hours", json={"week": {"monday": ["9-5"]}}).status_code == 400
    clock.set(MORNING - 2 * 3600)  # 07:00
    page = kiosk.get("/kiosk?lang=zh").get_data(as_text=True)
    assert "现在不是取号时间" in page and "09:00" in page
    refused = kiosk.post("/api/v1/tickets", json={"service": "A01"})
    assert refused.status_code == 409 and refused.get_json()["details"]["next_opening_time"] == "09:00"
    phone = phone_app.test_client().get("/api/v1/phone/hall").get_json()
    assert phone["open"] is False and "09:00" in phone["next_opening_text"]
    assert manager.post("/api/v1/admin/hours/end-early", json={}).status_code == 400
    opened = manager.post("/api/v1/admin/hours/open-early", json={}).get_json()
    assert opened["open_now"] and opened["early_now"] and opened["early"]["until_local"].endswith("09:00")
    assert kiosk.post("/api/v1/tickets", json={"service": "A01"}).status_code == 201
    assert manager.post("/api/v1/admin/hours/open-early", json={}).status_code == 400  # it is open already
    assert manager.post("/api/v1/admin/hours/end-early", json={}).status_code == 200
    assert kiosk.post("/api/v1/tickets", json={"service": "A01"}).status_code == 409
    actions = [e["action"] for e in manager.get("/api/v1/admin/audit").get_json()["entries"]]
    assert actions[:3] == ["hours.end_early", "hours.open_early", "hours.update"]
    entry = manager.get("/api/v1/admin/audit?action=hours.update").get_json()["entries"][0]
    assert entry["after"]["week"] == "周一至周五 9:00–12:00，13:30–17:00"


def test_quotas_and_phone_settings_from_the_console(phone_app):
    manager = phone_app.test_client()
    login(manager, "manager")
    assert manager.put("/api/v1/admin/quotas/item/E02", json={"daily": 2, "remote_share": 50}).status_code == 200
    assert manager.put("/api/v1/admin/quotas/hall", json={"daily": 100}).status_code == 200
    assert manager.put("/api/v1/admin/quotas/item/NOPE", json={"daily": 2}).status_code == 404
    assert manager.put("/api/v1/admin/quotas/item/E02", json={"daily": -1}).status_code == 400
    kiosk = phone_app.test_client()
    kiosk.post("/api/v1/tickets", json={"service": "E02"})
    refusal = kiosk.post("/api/v1/tickets", json={"service": "E03"})
    assert refusal.status_code == 201
    quotas = {q["code"] or "hall": q for q in manager.get("/api/v1/admin/quotas").get_json()["quotas"]}
    assert quotas["E02"]["remaining"] == 1 and quotas["E02"]["remote_limit"] == 1 and quotas["hall"]["used"] == 2
    assert manager.delete("/api/v1/admin/quotas/item/E02", json={}).status_code == 200
    settings = manager.put("/api/v1/admin/phone-settings", json={"remote_share_percent": 20,
                                                                 "no_show_after_seconds": 120})
    assert settings.status_code == 200 and settings.get_json()["remote_share_percent"] == 20
    assert manager.put("/api/v1/admin/phone-settings", json={"ahead_min": 9, "ahead_max": 3}).status_code == 400
    assert manager.put("/api/v1/admin/phone-settings", json={"retention_hours": 0}).status_code == 400
    status = phone_app.test_client().get("/api/v1/phone/hall").get_json()
    assert status["no_show_after_seconds"] == 120


def test_the_console_pages_are_for_managers(phone_app):
    anonymous = phone_app.test_client()
    for page in ("/console/hours", "/console/remote", "/console/poster"):
        assert anonymous.get(page).status_code == 302
    clerk = phone_app.test_client()
    login(clerk, "clerk1")
    assert clerk.get("/console/hours").status_code == 403
    manager = phone_app.test_client()
    login(manager, "manager")
    poster = manager.get("/console/poster?lang=zh").get_data(as_text=True)
    assert "<svg" in poster and "/phone" in poster
    for page in ("/console/hours", "/console/remote"):
        assert manager.get(page + "?lang=zh").status_code == 200


def test_a_managers_mistake_is_named_in_chinese(phone_app):
    manager = phone_app.test_client()
    login(manager, "manager")
    wrong = manager.put("/api/v1/admin/hours?lang=zh", json={"week": {"tuesday": ["9点到12点"]}}).get_json()
    assert wrong["message"] == "周二：9点到12点 不是正确的时段，应写作 09:00-12:00"
    overlap = manager.put("/api/v1/admin/hours", json={"week": {"monday": ["09:00-12:00", "11:00-13:00"]}}).get_json()
    assert "重叠" in overlap["message"]
    quota = manager.put("/api/v1/admin/quotas/item/E02", json={"slot_minutes": 1}).get_json()
    assert quota["message"] == "时段长度（分钟）：留空，或填写 5 至 720 的整数"
    plan = manager.put("/api/v1/admin/appointment-plans/item/E02", json={"capacity": 5000}).get_json()
    assert "每时段可约数" in plan["message"]
