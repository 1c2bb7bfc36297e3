"""Once the prefecture's catalogue standard is applied, the hall's console changes only what stays local:
items and bundles switched on and off, their order, aliases and the hall's service times, and counters'
authorisations (issue 15, point 3)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from hall.catalogue_sync import apply_version
from hall.web.context import HallContext
from tests.conftest import login
from tests.region.test_catalogue_and_export import standard

ZH = {"Accept-Language": "zh-CN"}


def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "admin")
    return client


def test_before_any_standard_the_hall_edits_its_own_catalogue(app: Flask) -> None:
    client = admin(app)
    assert client.put("/api/v1/admin/items/A01", json={"name_zh": "本地名称"}).status_code == 200


def test_the_standard_fields_are_refused_and_the_local_choices_still_work(app: Flask, ctx: HallContext) -> None:
    apply_version(ctx.storage, {**standard(), "version": 4}, ctx.service.clock)
    client = admin(app)

    refused = client.put("/api/v1/admin/items/A01", json={"name_zh": "本地名称", "active": True}, headers=ZH)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "standard_in_force" and body["details"]["fields"] == ["name_zh"]
    assert body["details"]["version"] == 4 and "州" in body["message"]
    for created in (client.post("/api/v1/admin/items", json={"code": "Z01", "category": "A", "name_zh": "新",
                                                             "name_en": "New"}),
                    client.post("/api/v1/admin/categories", json={"code": "Z", "letter": "Z", "name_zh": "新",
                                                                  "name_en": "New"}),
                    client.put("/api/v1/admin/bundles/B01", json={"name_zh": "本地套餐"})):
        assert created.status_code == 409, created.get_json()

    assert client.put("/api/v1/admin/items/A04", json={"active": False}).status_code == 200
    assert client.put("/api/v1/admin/items/A04", json={"active": True, "aliases": ["养老金"],
                                                        "avg_service_minutes": 6}).status_code == 200
    assert client.put("/api/v1/admin/counters/2/items", json={"items": ["A01", "A02"]}).status_code == 200
    with ctx.storage.read() as db:
        row = db.execute("SELECT active, aliases FROM service_items WHERE code = 'A04'").fetchone()
        name = db.execute("SELECT name_zh FROM service_items WHERE code = 'A01'").fetchone()[0]
    assert row["active"] == 1 and "养老金" in row["aliases"] and name != "本地名称"
