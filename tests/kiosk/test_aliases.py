"""Aliases: the names a hall hears every day find their items, by characters and by pinyin initials."""

from __future__ import annotations

import json

import sqlite_utils

from hall.search import Searchable, search
from hall.storage import open_storage
from hall.storage.migrations import migrations

TARGETS = [
    Searchable("item", "E01", "社会保障卡申领（即时制卡）", "Card application", "社会保障卡",
               ("社保卡", "办卡", "医保卡")),
    Searchable("item", "E02", "社会保障卡补换", "Card replacement", "社会保障卡", ("补卡", "换卡", "社保卡")),
    Searchable("item", "D02", "失业保险金申领", "Unemployment benefit", "失业保险", ("失业金", "领失业金")),
    Searchable("item", "D03", "失业人员代缴基本医疗保险费", "Medical insurance", "失业保险", ("医保", "代缴医保")),
]


def codes(query: str, targets=TARGETS) -> list[str]:
    return [t.code for t in search(targets, query)]


def test_aliases_by_characters_and_by_initials():
    assert codes("社保卡")[:2] == ["E02", "E01"]  # both carry the alias; shorter name first
    assert set(codes("sbk")) == {"E01", "E02"}
    assert codes("bk")[0] == "E02"  # 补卡 before the "bk" inside 社保卡
    assert codes("失业金") == ["D02"] and codes("syj") == ["D02"]
    assert codes("医保")[0] == "D03" and "E01" in codes("医保")  # 医保 and 医保卡
    assert codes("yb")[0] == "D03"
    assert codes("shebaoka")[:1] in (["E01"], ["E02"])  # full pinyin of an alias
    # Without aliases none of these is found: what the kiosk did before.
    bare = [Searchable(t.kind, t.code, t.name_zh, t.name_en, t.category_zh) for t in TARGETS]
    assert codes("社保卡", bare) == [] and codes("sbk", bare) == [] and codes("失业金", bare) == []


def _search(client, query: str) -> list[str]:
    response = client.get("/api/v1/kiosk/search", query_string={"q": query})
    assert response.status_code == 200
    return [r["code"] for r in response.get_json()["results"]]


def test_the_demo_catalogue_answers_what_people_say(client):
    for query in ("sbk", "社保卡"):
        found = _search(client, query)
        assert {"E01", "E02", "E03", "E05", "P06"} <= set(found), query
    assert _search(client, "失业金")[:2] == ["D02", "P04"]
    assert _search(client, "bk")[0] == "E02"
    assert _search(client, "补卡")[0] == "E02"
    assert _search(client, "医保")[0] == "D03"
    assert _search(client, "退休")[:2] in (["B03", "P07"], ["P07", "B03"])


def test_managers_edit_aliases_and_the_kiosk_finds_them(manager, client):
    response = manager.put("/api/v1/admin/items/F08", json={"aliases": ["找工作", " 招聘会 ", "招聘会"]})
    assert response.status_code == 200 and response.get_json()["aliases"] == ["找工作", "招聘会"]
    assert _search(client, "zph") == ["F08"]
    assert manager.put("/api/v1/admin/bundles/P05", json={"aliases": ["两证"]}).status_code == 200
    assert _search(client, "两证") == ["P05"]
    entry = manager.get("/api/v1/admin/audit?target=F08").get_json()["entries"][0]
    assert "招聘会" in entry["after"]["aliases"] and "招聘会" not in entry["before"]["aliases"]
    catalogue = manager.get("/api/v1/admin/catalogue").get_json()
    assert next(i for i in catalogue["items"] if i["code"] == "E02")["aliases"][0] == "补卡"
    for bad in ("社保卡", [""], ["x" * 21], ["a"] * 21, [1]):
        refused = manager.put("/api/v1/admin/items/F08", json={"aliases": bad})
        assert refused.status_code == 400 and "aliases" in refused.get_json()["message"]
    # A retired item's aliases no longer find it.
    manager.put("/api/v1/admin/items/F08", json={"active": False})
    assert _search(client, "zph") == []


def test_upgrading_a_demo_database_brings_the_demo_aliases(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="1202_aliases")
    db.execute("INSERT INTO categories (code, letter, name_zh, name_en) VALUES ('card', 'E', '社会保障卡', 'Card')")
    for code, name in (("E02", "社会保障卡补换"), ("E03", "本厅自己的事项")):
        db.execute("INSERT INTO service_items (code, category, name_zh, name_en, kind) VALUES (?, 'card', ?, '', "
                   "'instant')", [code, name])
    db.conn.commit()
    db.close()
    storage = open_storage(path)
    try:
        rows = {r["code"]: json.loads(r["aliases"]) for r in storage.query("SELECT code, aliases FROM service_items")}
        assert rows["E02"][0] == "补卡"
        assert rows["E03"] == []  # renamed by the hall: not the demo's item any more
    finally:
        storage.close()
