"""The prefecture console: its own logins and roles, every hall side by side, reports as JSON, CSV and XLSX."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

from flask.testing import FlaskClient
from openpyxl import load_workbook

from region.web.context import RegionContext

from .conftest import DemoHall


def _login(client: FlaskClient, ctx: RegionContext, username: str, role: str) -> None:
    ctx.accounts.add_user(username, f"{username}-password", [role])
    response = client.post("/api/v1/login", json={"username": username, "password": f"{username}-password"})
    assert response.status_code == 200


def test_pages_need_a_login_and_a_wrong_password_is_refused_in_chinese(region_client: FlaskClient,
                                                                       region_ctx: RegionContext) -> None:
    assert region_client.get("/").status_code == 302
    assert region_client.get("/api/v1/halls").status_code == 401
    region_ctx.accounts.add_user("boss", "boss-password", ["manager"])
    response = region_client.post("/api/v1/login", json={"username": "boss", "password": "nope"},
                                  headers={"Accept-Language": "zh"})
    assert response.status_code == 401 and response.get_json()["message"] == "用户名或密码错误。"
    english = region_client.post("/api/v1/login?lang=en", json={"username": "boss", "password": "nope"})
    assert english.get_json()["message"] == "Wrong username or password."


def test_a_manager_sees_every_hall_live_and_stale_ones_marked(demo_hall: DemoHall, region_client: FlaskClient,
                                                              region_ctx: RegionContext, register) -> None:
    register("H002", name="二号大厅")
    demo_hall.service.issue_ticket(service="A01")
    demo_hall.service.issue_ticket(service="B01")
    demo_hall.ship_all()
    _login(region_client, region_ctx, "boss", "manager")
    halls = {h["code"]: h for h in region_client.get("/api/v1/halls").get_json()["halls"]}
    assert halls["H001"]["waiting"] == 2 and halls["H001"]["open_counters"] == 5 and not halls["H001"]["stale"]
    assert halls["H002"]["stale"] and halls["H002"]["last_shipped"] is None
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert region_ctx.halls.overview(later)[0]["stale"]
    page = region_client.get("/").get_data(as_text=True)
    assert "二号大厅" in page and "滞后" in page and "实时" in page
    assert "Stale" in region_client.get("/?lang=en").get_data(as_text=True)
    with region_client.get("/vendor/chart.umd.min.js") as script:
        assert script.status_code == 200 and b"Chart" in script.get_data()


def test_only_an_admin_registers_halls_and_publishes_the_catalogue(region_client: FlaskClient,
                                                                   region_ctx: RegionContext) -> None:
    _login(region_client, region_ctx, "boss", "manager")
    hall = {"code": "H100", "name": "州本级大厅", "agency_code": "A00", "region_code": "522300"}
    assert region_client.post("/api/v1/halls", json=hall).status_code == 403
    _login(region_client, region_ctx, "root", "admin")
    made = region_client.post("/api/v1/halls", json=hall)
    assert made.status_code == 201 and made.get_json()["token"].startswith("hall-")
    assert region_client.post("/api/v1/halls", json=hall).status_code == 409
    bad = region_client.post("/api/v1/halls", json={**hall, "code": "H101", "region_code": "north"})
    assert bad.status_code == 400 and bad.get_json()["message"] == "区划编码为 6 到 12 位数字，例如 522301"


def test_reports_come_as_json_csv_and_xlsx(demo_hall: DemoHall, region_client: FlaskClient,
                                           region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(4)
    demo_hall.ship_all()
    _login(region_client, region_ctx, "boss", "manager")
    day = demo_hall.service.today()
    data = region_client.get(f"/api/v1/reports?from={day}&to={day}&group_by=item").get_json()
    assert data["rows"][0]["key"] == "A01" and data["rows"][0]["issued"] == 4
    assert data["rows"][0]["label"] == "单位参保登记"
    assert data["total"]["accepted"] == 4 and data["total"]["satisfaction_rate"] == 0.75
    text = region_client.get(f"/api/v1/reports?from={day}&to={day}&group_by=hall&format=csv").get_data(as_text=True)
    assert text.splitlines()[1].startswith("H001,")
    book = load_workbook(io.BytesIO(region_client.get(
        f"/api/v1/reports?from={day}&to={day}&group_by=day&format=xlsx").get_data()))
    assert book["report"]["A3"].value == day
    assert region_client.get(f"/api/v1/reports?from={day}&to={day}&group_by=planet").status_code == 400
    assert region_client.get("/api/v1/reports?from=2020-01-01&to=2026-01-01").status_code == 400
    assert region_client.get("/reports").status_code == 200
    assert date.fromisoformat(day)
