"""Kiosk pages: home, guides (item and bundle), phone guide, idle time per kiosk, language switch."""

from __future__ import annotations

import re

from tests.pagedata import page_data


def test_home_shows_categories_bundles_and_the_most_used_items(client):
    for _ in range(3):
        client.post("/api/v1/tickets", json={"service": "E02"})
    client.post("/api/v1/tickets", json={"service": "B06"})
    page = client.get("/kiosk/east").get_data(as_text=True)
    assert "请选择您要办理的业务" in page and "本厅常办事项" in page
    popular = page.split("本厅常办事项")[1].split("业务分类")[0]
    assert popular.index("社会保障卡补换") < popular.index("养老金领取资格认证")
    assert "养老保险" in page and "职工退休" in page and "我已预约" in page
    assert page_data(page, "kiosk-data")["idleSeconds"] == 45  # the east kiosk's own idle time from [[kiosks]]


def test_item_guide_has_every_part_and_a_qr_to_the_phone_guide(client):
    page = client.get("/kiosk/east/item/B03").get_data(as_text=True)
    for part in ("办理条件", "需携带的材料", "等候时请填写的表格", "设定依据", "办理时限", "限时办结", "绿色通道",
                 "取号"):
        assert part in page, part
    assert "<svg" in page and "手机扫码查看办事指南" in page
    phone = client.get("/guide/B03").get_data(as_text=True)
    assert "需携带的材料" in phone and "职工正常退休养老保险待遇申报" in phone


def test_bundle_guide_lists_items_and_the_union_of_materials_once(client, ctx):
    bundle = ctx.catalogue.bundle("P07", "zh")
    page = client.get("/kiosk/east/bundle/P07").get_data(as_text=True)
    materials = page.split("需携带的材料（各事项合并，不重复）")[1].split("</ol>")[0]
    listed = re.findall(r"<li>(.*?)</li>", materials)
    assert listed == bundle["materials"] and len(listed) == len(set(listed))
    all_item_materials = [m for code in bundle["items"] for m in ctx.catalogue.item(code, "zh")["guide"]["materials"]]
    assert set(listed) == set(all_item_materials) and len(all_item_materials) > len(listed)  # repeats were merged
    for name in bundle["item_names"]:
        assert name in page


def test_english_switch_and_unknown_kiosks(client):
    page = client.get("/kiosk/east?lang=en").get_data(as_text=True)
    assert "Choose your business" in page and "中文" in page
    assert client.get("/kiosk/some-new-kiosk").status_code == 200  # unknown ids use the default printer
    assert client.get("/kiosk/bad%20id").status_code == 404
    assert client.get("/guide/NOPE").status_code == 404


def test_ticket_screen_shows_number_preview_and_what_to_prepare(client):
    ticket = client.post("/api/v1/tickets", json={"bundle": "P07", "kiosk": "east"}).get_json()
    page = client.get(f"/kiosk/east/ticket/{ticket['token']}").get_data(as_text=True)
    assert ticket["number"] in page and f"/t/{ticket['token']}/ticket.png" in page
    assert "等候时请准备好" in page and "职工退休" in page
    status = client.get(f"/t/{ticket['token']}").get_data(as_text=True)
    assert ticket["number"] in status and "status.js" in status
