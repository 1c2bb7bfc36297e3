"""The configuration page in Chromium: a manager adds and retires a counter, gives an item aliases the kiosk then
finds, and retires an item that bundles hold (the page names them and offers to take it out)."""

from __future__ import annotations

import pytest
import requests

from .test_console_e2e import log_in, server  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture
def console(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def counters(ctx) -> dict[int, dict]:
    return {c["number"]: c for c in ctx.storage.query("SELECT number, name, active FROM counters")}


def test_a_sixth_counter_from_the_console(server, console, ctx):  # noqa: F811
    log_in(console, server, "manager", "manager-demo", "/console/config")
    console.wait_for_selector("#counters-admin tr[data-counter='5']")
    console.fill("#new-counter-number", "6")
    console.fill("#new-counter-name", "6号窗口（社保卡）")
    console.click("#counter-form button[type=submit]")
    console.wait_for_selector("#counters-admin tr[data-counter='6']")
    console.wait_for_selector("#auth-matrix th[data-counter='6']")
    assert counters(ctx)[6]["name"] == "6号窗口（社保卡）"

    # Counter 6 serves only the card items: untick every other category in its column.
    for category in ("enterprise", "pension", "injury", "unemployment", "employment"):
        with console.expect_response(lambda r: r.url.endswith("/api/v1/admin/counters/6/items")):
            console.uncheck(f"#auth-matrix tr[data-category='{category}'] td[data-counter='6'] input")
        console.wait_for_function(
            f"() => document.querySelector(\"#auth-matrix tr[data-category='{category}'] td[data-counter='6']\")"
            ".textContent.trim().startsWith('0/')")
    served = [r["item"] for r in ctx.storage.query("SELECT item FROM counter_items WHERE counter = 6 ORDER BY item")]
    assert served == ["E01", "E02", "E03", "E04", "E05", "E06", "E07"]

    # An evaluator for it: the link is shown once.
    console.click("#counters-admin tr[data-counter='6'] button.add-evaluator")
    console.wait_for_function("() => document.getElementById('device-token').textContent.includes('/evaluator?token=')")
    assert console.locator("#counters-admin tr[data-counter='6'] [data-device]").count() == 1

    # Retired: asked to confirm, then it leaves the hall's screens.
    console.once("dialog", lambda dialog: dialog.accept())
    console.click("#counters-admin tr[data-counter='6'] button.retire")
    console.wait_for_selector("#counters-admin tr.retired[data-counter='6'] button.enable")
    assert counters(ctx)[6]["active"] == 0
    assert requests.get(f"{server}/screen/counter/6", timeout=10).status_code == 404
    assert console.locator("#auth-matrix th[data-counter='6']").count() == 0


def test_aliases_from_the_console_are_found_at_the_kiosk(server, console, browser):  # noqa: F811
    log_in(console, server, "manager", "manager-demo", "/console/config")
    console.wait_for_selector("#item-pick option[value='F08']", state="attached")
    console.select_option("#item-pick", "F08")
    assert "找工作" in console.input_value("#item-aliases")
    console.fill("#item-aliases", "找工作、招聘会，人才市场")
    with console.expect_response(lambda r: r.url.endswith("/api/v1/admin/items/F08")) as saved:
        console.click("#item-form button[type=submit]")
    assert saved.value.ok

    kiosk_context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    kiosk = kiosk_context.new_page()
    try:
        kiosk.goto(f"{server}/kiosk")
        for query, code in (("zph", "F08"), ("人才市场", "F08"), ("sbk", "E0"), ("失业金", "D02")):
            kiosk.fill("#search-input", query)
            kiosk.wait_for_selector(f"#search-results[data-query='{query}'] a.result")
            assert f"/{code}" in kiosk.get_attribute("#search-results a.result", "href"), query
    finally:
        kiosk_context.close()


def test_retiring_an_item_held_by_bundles_names_them(server, console, ctx):  # noqa: F811
    log_in(console, server, "manager", "manager-demo", "/console/config")
    console.wait_for_selector("#item-pick option[value='D01']", state="attached")
    console.select_option("#item-pick", "D01")
    console.uncheck("#item-active")
    messages: list[str] = []

    def answer(dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    console.once("dialog", answer)
    with console.expect_response(lambda r: r.url.endswith("/api/v1/admin/items/D01") and r.ok):
        console.click("#item-form button[type=submit]")
    console.wait_for_function(
        "() => !document.querySelector(\"#bundles tr[data-bundle='P04']\").textContent.includes('D01')")
    assert "P04 失业保险待遇申领" in messages[0] and "P05 就业失业登记" in messages[0]
    assert requests.post(f"{server}/api/v1/tickets", json={"bundle": "P04", "print": False},
                         timeout=10).status_code == 201
