"""A bundle never holds a retired item: retiring one is refused with the bundles named, or updates them."""

from __future__ import annotations

import pytest

from hall.storage import open_storage
from hall.storage.migrations import m1201_bundles_hold_active_items

# P04 失业保险待遇申领 = D01, D02, D03; P05 就业失业登记 = F01, D01, F02.


def test_retiring_the_first_item_of_bundles_is_refused_with_their_names(manager, client):
    refused = manager.put("/api/v1/admin/items/D01", json={"active": False})
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "item_in_bundles" and body["details"]["bundles"] == ["P04", "P05"]
    assert "P04 失业保险待遇申领" in body["message"] and "P05 就业失业登记" in body["message"]
    # Nothing changed: the item is active and the bundle still issues tickets with all its items.
    assert manager.get("/api/v1/services/D01").status_code == 200
    ticket = client.post("/api/v1/tickets", json={"bundle": "P04", "print": False})
    assert ticket.status_code == 201, ticket.get_json()
    assert ticket.get_json()["items"] == ["D01", "D02", "D03"]


def test_retiring_with_remove_from_bundles_updates_them_and_tickets_follow(manager, client, ctx):
    done = manager.put("/api/v1/admin/items/D01", json={"active": False, "remove_from_bundles": True})
    assert done.status_code == 200 and done.get_json()["active"] == 0
    for code in ("P04", "P05"):
        assert "D01" not in manager.get(f"/api/v1/bundles/{code}").get_json()["items"]
        ticket = client.post("/api/v1/tickets", json={"bundle": code, "print": False})
        assert ticket.status_code == 201, ticket.get_json()
        assert "D01" not in ticket.get_json()["items"]
    entries = manager.get("/api/v1/admin/audit").get_json()["entries"]
    assert [(e["action"], e["target"]) for e in entries[:3]] == [
        ("item.update", "D01"), ("bundle.update", "P05"), ("bundle.update", "P04")]
    assert entries[1]["before"]["items"] == ["F01", "D01", "F02"] and entries[1]["after"]["items"] == ["F01", "F02"]


def test_a_later_item_too_and_a_bundle_left_empty_is_retired(manager, client):
    assert manager.put("/api/v1/admin/items/D03", json={"active": False}).status_code == 409
    manager.put("/api/v1/admin/bundles/P04", json={"items": ["D02"]})
    assert manager.put("/api/v1/admin/items/D02", json={"active": False}).status_code == 409
    assert manager.put("/api/v1/admin/items/D02",
                       json={"active": False, "remove_from_bundles": True}).status_code == 200
    assert manager.get("/api/v1/bundles/P04").status_code == 404
    assert client.post("/api/v1/tickets", json={"bundle": "P04", "print": False}).status_code == 404
    # An item outside every bundle is retired at once.
    assert manager.put("/api/v1/admin/items/D05", json={"active": False}).status_code == 200


def test_a_bundle_takes_only_active_items(manager):
    manager.put("/api/v1/admin/items/D05", json={"active": False})
    added = manager.put("/api/v1/admin/bundles/P04", json={"items": ["D01", "D05"]})
    assert added.status_code == 400 and "D05" in added.get_json()["message"]
    assert manager.post("/api/v1/admin/bundles/P04/items", json={"item": "D05"}).status_code == 400
    assert manager.put("/api/v1/admin/items/D05",
                       json={"active": False, "remove_from_bundles": "yes"}).status_code == 400
    # A retired bundle holding a retired item cannot come back until the item is taken out.
    manager.put("/api/v1/admin/bundles/P04", json={"active": False})
    manager.put("/api/v1/admin/items/D03", json={"active": False})
    assert manager.put("/api/v1/admin/bundles/P04", json={"active": True}).status_code == 400
    assert manager.put("/api/v1/admin/bundles/P04", json={"active": True, "items": ["D01", "D02"]}).status_code == 200


def test_the_upgrade_takes_retired_items_out_of_bundles_already_holding_them(tmp_path):
    storage = open_storage(tmp_path / "old.db")
    try:
        from hall.demo import catalogue_document, load_catalogue

        load_catalogue(storage, catalogue_document(), 0.0)
        with storage.write() as db:  # what a manager could do before: P04 then issued 500s
            db.execute("UPDATE service_items SET active = 0 WHERE code IN ('D01', 'E01', 'E02', 'E03', 'E05', 'E06')")
            m1201_bundles_hold_active_items(db)
        items: dict[str, list[str]] = {}
        for row in storage.query("SELECT bundle, item FROM bundle_items ORDER BY bundle, position"):
            items.setdefault(row["bundle"], []).append(row["item"])
        assert items["P04"] == ["D02", "D03"] and items["P05"] == ["F01", "F02"] and items["P07"] == ["B02", "B03"]
        assert "P06" not in items  # every item of 社会保障卡业务 retired: the bundle is retired
        assert storage.query("SELECT active FROM bundles WHERE code = 'P06'")[0]["active"] == 0
        actions = [(r["actor"], r["target"]) for r in storage.query("SELECT actor, target FROM audit_log ORDER BY id")]
        assert actions == [("upgrade", "P04"), ("upgrade", "P05"), ("upgrade", "P06"),
                           ("upgrade", "P07")]
    finally:
        storage.close()


@pytest.mark.parametrize("body", [{"active": False, "remove_from_bundles": None}, {"remove_from_bundles": 1}])
def test_bad_remove_flag(manager, body):
    assert manager.put("/api/v1/admin/items/D01", json=body).status_code == 400
