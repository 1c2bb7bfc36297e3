"""Configuration through the API: every change audited; staff rules; hall settings."""

from __future__ import annotations

from tests.conftest import login


def audit(client, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return client.get("/api/v1/admin/audit?" + query).get_json()["entries"]


def test_add_an_item_to_a_bundle_and_authorise_counter_5(manager, ctx):
    new_item = {"code": "A99", "category": "enterprise", "name_zh": "单位信息变更",
                "name_en": "Employer details change",
                "kind": "instant", "guide": {"materials": {"zh": ["营业执照"], "en": ["Business licence"]}}}
    assert manager.post("/api/v1/admin/items", json=new_item).status_code == 201
    with ctx.storage.write() as db:  # counter 5 serves only A01 now
        db.execute("DELETE FROM counter_items WHERE counter = 5 AND item != 'A01'")
    bundle = manager.post("/api/v1/admin/bundles/P01/items", json={"item": "A99"}).get_json()
    assert bundle["items"][-1] == "A99"
    counter = manager.post("/api/v1/admin/counters/5/items", json={"item": "A99"}).get_json()
    assert counter == {"number": 5, "items": ["A01", "A99"]}
    # the kiosk sees the bundle's new item and counter 5 may call a ticket for it
    assert "A99" in manager.get("/api/v1/bundles/P01").get_json()["items"]
    ticket = manager.post("/api/v1/tickets", json={"service": "A99"}).get_json()
    assert ctx.service.call_specific(5, "manager", ticket["number"]).counter == 5
    entries = audit(manager)
    assert [e["action"] for e in entries[:3]] == ["counter.items", "bundle.update", "item.create"]
    assert entries[0]["actor"] == "manager" and entries[0]["before"] == {"items": ["A01"]}
    assert entries[1]["after"]["items"][-1] == "A99" and "A99" not in entries[1]["before"]["items"]
    assert entries[0]["when"].startswith("2026-11-25T09:00")


def test_audit_log_filters(manager, app):
    manager.put("/api/v1/admin/settings", json={"wait_target_minutes": 20})
    manager.put("/api/v1/admin/counters/2/items", json={"items": ["A01"]})
    admin = app.test_client()
    login(admin, "admin")
    admin.put("/api/v1/admin/counters/3/items", json={"items": ["B01"]})
    assert [e["target"] for e in audit(manager, action="counter")] == ["counter 3", "counter 2"]
    assert [e["action"] for e in audit(manager, actor="manager")] == ["counter.items", "settings.update"]
    assert [e["target"] for e in audit(manager, target="counter 2")] == ["counter 2"]
    assert audit(manager, **{"from": "2026-11-26"}) == []
    assert len(audit(manager, **{"from": "2026-11-25", "to": "2026-11-25"})) == 3
    assert manager.get("/api/v1/admin/audit?from=soon").status_code == 400


def test_settings_change_is_applied_and_audited(manager, ctx):
    before = manager.get("/api/v1/admin/settings").get_json()
    assert before["wait_target_minutes"] == 15 and before["notices"]["zh"]
    response = manager.put("/api/v1/admin/settings", json={
        "wait_target_minutes": 10, "rating_window_seconds": 90, "name": "测试大厅",
        "announcement_template": {"zh": "请{number}号到{counter}号窗口", "en": "{number} to counter {counter}"}})
    assert response.status_code == 200, response.get_json()
    assert ctx.service.hall.wait_target_minutes == 10 and ctx.service.hall.rating_window_seconds == 90
    assert "<h1>测试大厅</h1>" in manager.get("/console").get_data(as_text=True)
    entry = manager.get("/api/v1/admin/audit?action=settings").get_json()["entries"][0]
    assert entry["before"]["wait_target_minutes"] == 15 and entry["after"]["wait_target_minutes"] == 10
    for bad in ({"wait_target_minutes": 0}, {"day_start": "25:00"}, {"colour": "red"},
                {"announcement_template": {"zh": "no placeholders"}}, {"rating_window_seconds": "60"}):
        response = manager.put("/api/v1/admin/settings", json=bad)
        assert response.status_code == 400, bad
        assert response.get_json()["error"] == "invalid_input"


def test_category_letters_are_unique(manager):
    taken = manager.post("/api/v1/admin/categories",
                         json={"code": "new", "letter": "A", "name_zh": "新", "name_en": "New"})
    assert taken.status_code == 400 and "字母 A" in taken.get_json()["message"]
    made = manager.post("/api/v1/admin/categories",
                        json={"code": "new", "letter": "G", "name_zh": "新", "name_en": "New"})
    assert made.status_code == 201
    assert manager.put("/api/v1/admin/categories/new", json={"name_en": "Newer"}).get_json()["name_en"] == "Newer"


def test_admins_manage_staff_and_a_clerk_is_not_a_manager(app, manager):
    admin = app.test_client()
    login(admin, "admin")
    assert manager.get("/api/v1/admin/staff").status_code == 403
    both = admin.post("/api/v1/admin/staff",
                      json={"username": "x1", "password": "Violet-harbour-27", "roles": ["clerk", "manager"]})
    assert both.status_code == 400 and "职责分离" in both.get_json()["message"]
    made = admin.post("/api/v1/admin/staff", json={"username": "clerk9", "password": "Violet-harbour-27",
                                                  "roles": ["clerk"], "counter": 5, "display_name": "柜员9"})
    assert made.status_code == 201
    with app.extensions["onewindow"].storage.read() as db:
        stored = db.execute("SELECT password_hash FROM staff WHERE username = 'clerk9'").fetchone()[0]
    assert stored.startswith("scrypt:") and "Violet-harbour-27" not in stored
    newcomer = app.test_client()
    assert newcomer.post("/api/v1/login",
                         json={"username": "clerk9", "password": "Violet-harbour-27"}).status_code == 200
    admin.put("/api/v1/admin/staff/clerk9", json={"active": False})
    assert newcomer.get("/api/v1/me").status_code == 401
    staff = {s["username"]: s for s in admin.get("/api/v1/admin/staff").get_json()["staff"]}
    assert staff["clerk9"]["active"] is False and "password_hash" not in staff["clerk9"]
    actions = [e["action"] for e in admin.get("/api/v1/admin/audit?actor=admin").get_json()["entries"]]
    assert actions == ["staff.update", "staff.create"]


def test_writes_need_json_from_this_site(manager):
    assert manager.put("/api/v1/admin/settings", data="wait_target_minutes=1").status_code == 415
    cross = manager.put("/api/v1/admin/settings", json={"wait_target_minutes": 1},
                        headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    same = manager.put("/api/v1/admin/settings", json={"wait_target_minutes": 12}, headers={"Origin": "http://localhost"})
    assert same.status_code == 200
