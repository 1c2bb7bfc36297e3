"""The managers' console in headless Chromium against an in-process server whose clock the test moves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
import requests
from openpyxl import load_workbook
from werkzeug.serving import make_server

from tests.conftest import SHANGHAI
from tests.live import screenshot_dir

from .conftest import craft_tickets

pytestmark = pytest.mark.e2e
SCREENSHOTS = screenshot_dir()
LAST_WEDNESDAY = datetime(2026, 11, 18, 9, 0, tzinfo=SHANGHAI).timestamp()


@pytest.fixture
def server(app) -> Iterator[str]:
    """The test app (fixed clock, demo hall) served on 127.0.0.1 by a threaded werkzeug server."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="console-e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=10)


def log_in(page, server: str, username: str, password: str, next_path: str) -> None:
    page.goto(f"{server}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_url(f"{server}{next_path}")


def test_manager_sees_an_alert_configures_and_downloads_last_weeks_report(server, app, ctx, clock, page, tmp_path):
    # Last week's tickets, for the report.
    today = clock.now()
    clock.set(LAST_WEDNESDAY)
    craft_tickets(ctx.service, ctx.accounts, clock)
    ctx.service.start(1, "clerk1")
    ctx.service.finish(1, "clerk1")
    clock.set(today)

    # A new manager logs in and sees the live hall.
    log_in(page, server, "manager", "manager-demo", "/console")
    page.wait_for_selector("#alerts li.none")
    kiosk = requests.post(f"{server}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=10).json()
    page.wait_for_selector(f"#tickets tr[data-ticket='{kiosk['id']}']")

    # The ticket waits past the 15-minute target: the alert is pushed to the page.
    clock.advance(16 * 60)
    assert [a["kind"] for a in app.extensions["onewindow_alerts"].check_now()] == ["wait_over_target"]
    alert = page.wait_for_selector("#alerts li[data-kind='wait_over_target']")
    assert kiosk["number"] in alert.inner_text() and "15" in alert.inner_text()
    page.wait_for_function(
        f"() => document.querySelector(\"#tickets tr[data-ticket='{kiosk['id']}']\").textContent.includes('16')")
    page.screenshot(path=str(SCREENSHOTS / "console-live-alert.png"), full_page=False)

    # Add a new service item, put it in a bundle and authorise counter 5 for it.
    page.click("nav.console a[href='/console/config']")
    page.wait_for_selector("#bundles tr[data-bundle='P01']")
    page.fill("#item-code", "A99")
    page.select_option("#item-category", "enterprise")
    page.fill("#item-name_zh", "单位信息变更登记")
    page.fill("#item-name_en", "Employer details change")
    page.fill("#item-materials", "营业执照\n经办人身份证")
    page.click("#item-form button[type=submit]")
    page.wait_for_selector("#item-pick option[value='A99']", state="attached")
    page.select_option("#bundle-code", "P01")
    page.select_option("#bundle-item", "A99")
    page.click("#bundle-item-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector(\"#bundles tr[data-bundle='P01']\").textContent.includes('A99')")
    with ctx.storage.write() as db:  # counter 5 does not serve A99 yet (a new counter item is not auto-authorised)
        db.execute("DELETE FROM counter_items WHERE counter = 5 AND item = 'A99'")
    page.click("#auth-matrix tr[data-category='enterprise'] button.toggle")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/admin/counters/5/items")) as saved:
        page.check("#auth-matrix tr[data-item='A99'] td[data-counter='5'] input")
    assert saved.value.ok
    page.screenshot(path=str(SCREENSHOTS / "console-config.png"), full_page=False)
    with ctx.storage.read() as db:
        assert db.execute("SELECT 1 FROM counter_items WHERE counter = 5 AND item = 'A99'").fetchone()
        assert db.execute("SELECT 1 FROM bundle_items WHERE bundle = 'P01' AND item = 'A99'").fetchone()
    actions = [e["action"] for e in page.request.get(f"{server}/api/v1/admin/audit").json()["entries"]]
    assert actions[:3] == ["counter.items", "bundle.update", "item.create"]

    # The audit log page lists the three changes with who made them.
    page.click("nav.console a[href='/console/audit']")
    page.wait_for_function("() => document.querySelectorAll('#audit tbody tr').length === 3")
    page.select_option("#a-action", "bundle")
    page.click("#audit-form button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('#audit tbody tr').length === 1")
    assert "manager" in page.inner_text("#audit tbody tr") and "P01" in page.inner_text("#audit tbody tr")

    # Last week's waiting-time report by hour: a chart on screen and an XLSX download.
    page.click("nav.console a[href='/console/reports']")
    page.select_option("#group_by", "hour")
    page.click("#last-week")
    page.wait_for_selector("#report tbody tr[data-key='10']")
    assert page.input_value("#from") == "2026-11-16" and page.input_value("#to") == "2026-11-22"
    assert page.evaluate("!!Chart.getChart(document.getElementById('chart'))")
    total = page.inner_text("#report tfoot td[data-figure='issued']")
    assert total == "6"
    page.screenshot(path=str(SCREENSHOTS / "console-reports.png"), full_page=False)
    with page.expect_download() as download:
        page.click("#download-xlsx")
    path = tmp_path / "report.xlsx"
    download.value.save_as(path)
    assert download.value.suggested_filename == "waiting-hour-2026-11-16-2026-11-22.xlsx"
    rows = list(load_workbook(path)["报表"].iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == [9, 10, "合计"] and rows[-1][2] == 6
