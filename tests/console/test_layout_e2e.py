"""Every console page at 1366×768, the usual counter-PC screen, in Chromium: it fits and reads well."""

from __future__ import annotations

import pytest
import requests

from .test_console_e2e import log_in, server  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e
VIEWPORT = {"width": 1366, "height": 768}
PAGES = ["/console", "/console/config", "/console/staff", "/console/reports", "/console/audit",
         "/console/satisfaction", "/console/followups", "/console/cases", "/console/screens"]

#: Header cells that break after one or two characters ("综/合/柜/员"): fewer than three characters a line.
SQUEEZED_HEADERS = """() => [...document.querySelectorAll('th')].filter(th => th.offsetParent !== null).filter(th => {
  const text = th.textContent.trim(); if (text.length < 3) return false;
  const range = document.createRange(); range.selectNodeContents(th);
  const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  return lines > Math.ceil(text.length / 3);
}).map(th => th.textContent.trim())"""


@pytest.fixture
def wide(browser):
    """A 1366×768 page whose browser runs in another time zone than the hall's (New York, not Shanghai)."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="America/New_York")
    page = context.new_page()
    yield page
    context.close()


def test_every_console_page_fits_1366_by_768(server, wide, ctx):  # noqa: F811
    missing: list[str] = []
    wide.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    # Something in every list: a change for the audit log, a waiting ticket, a paused counter.
    requests.post(f"{server}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=10)
    log_in(wide, server, "admin", "admin-demo", "/console")
    for path in PAGES:
        wide.goto(server + path)
        wide.wait_for_load_state("networkidle")
        width = wide.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORT["width"], f"{path} is {width} px wide"
        assert wide.evaluate(SQUEEZED_HEADERS) == [], path
        assert wide.evaluate("document.querySelector('nav.console a[href=\"/console/appointments\"]') !== null"), path
        assert wide.evaluate("document.querySelector('nav.console a[href=\"/console/screens\"]') !== null"), path
    assert missing == []  # favicon.ico included
    icon = requests.get(f"{server}/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/vnd.microsoft.icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_configuration_inputs_are_wide_and_authorisations_compact(server, wide):  # noqa: F811
    log_in(wide, server, "manager", "manager-demo", "/console/config")
    wide.wait_for_selector("#auth-matrix tr[data-category='card']")
    widths = wide.evaluate("[...document.querySelectorAll('#settings-form input, #settings-form textarea')]"
                           ".map(i => i.getBoundingClientRect().width)")
    assert min(widths) >= 250, widths
    assert wide.input_value("#set-name") == "社会保险综合服务大厅"
    # Six categories × five counters, not 48 items × 5: a category opens into its items on demand.
    assert wide.locator("#auth-matrix input[type=checkbox]").count() == 30
    assert wide.inner_text("#auth-matrix tr[data-category='card'] td[data-counter='1']").strip() == "7/7"
    wide.click("#auth-matrix tr[data-category='card'] button.toggle")
    assert wide.locator("#auth-matrix tr.item").count() == 7
    height = wide.evaluate("document.documentElement.scrollHeight")
    assert height < 3200, height  # was 4,824 px


def test_live_hall_pause_time_is_the_halls(server, wide, ctx, clock):  # noqa: F811
    ctx.service.pause(2, "clerk2", "午休")  # at 09:00 in Shanghai, 20:00 the day before in New York
    log_in(wide, server, "manager", "manager-demo", "/console")
    row = wide.wait_for_selector("#counters tr[data-counter='2']")
    assert "09:00" in row.inner_text() and "20:00" not in row.inner_text()
    wide.goto(f"{server}/console/screens")
    links = wide.inner_text("#counter-screens")
    assert f"{server}/screen/counter/2" in links and f"{server}/screen/citizen/2" in links
    assert wide.inner_text("#hall-screens").count(server) >= 3


def api_put(page, url: str, body: dict) -> None:
    """A manager's change through the API, in the browser's own logged-in session."""
    assert page.request.put(url, data=body, headers={"Origin": url.split("/api/")[0]}).ok


def test_audit_entries_read_as_sentences(server, wide):  # noqa: F811
    log_in(wide, server, "manager", "manager-demo", "/console")
    api_put(wide, f"{server}/api/v1/admin/settings", {"wait_target_minutes": 20})
    api_put(wide, f"{server}/api/v1/admin/counters/3/items", {"items": ["A01", "B01"]})
    wide.goto(f"{server}/console/audit")
    wide.wait_for_selector("#audit tbody tr[data-action='counter.items']")
    text = wide.inner_text("#audit")
    assert "修改大厅设置" in text and "修改窗口授权" in text and "3号窗口" in text
    assert "等候目标（分钟）：15 → 20" in text
    assert "settings.update" not in text and '{"' not in text and "wait_target_minutes" not in text
    assert wide.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]


def test_reports_state_the_target_in_force(server, wide):  # noqa: F811
    log_in(wide, server, "manager", "manager-demo", "/console/reports")
    assert wide.inner_text("#target-note") == "等候目标为 15 分钟（城市一刻钟）。"
    api_put(wide, f"{server}/api/v1/admin/settings", {"wait_target_minutes": 1})
    wide.reload()
    assert wide.inner_text("#target-note") == "等候目标为 1 分钟。"
