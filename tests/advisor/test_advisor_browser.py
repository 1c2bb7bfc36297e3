"""In headless Chromium: the estimate's range on the kiosk's ticket, the phone's status page and the lobby;
the staffing advisor's page; a clerk's own assessment."""

from __future__ import annotations

import re

import pytest
import requests

from hall.storage import advisor as store
from tests.console.test_console_e2e import log_in as console_log_in
from tests.console.test_console_e2e import server  # noqa: F401 (the fixture: the test app on 127.0.0.1)

from .conftest import record_days
from .test_advisor_api import RECORDED

pytestmark = pytest.mark.e2e
ZH_RANGE = re.compile(r"^约 \d+–\d+ 分钟$")
EN_RANGE = re.compile(r"^about \d+–\d+ min$")


def log_in(page, server: str, username: str, next_path: str) -> None:
    console_log_in(page, server, username, f"{username}-demo", next_path)


def test_the_ticket_the_phone_and_the_lobby_show_a_range(server, ctx, page):
    for number in (2, 3, 4, 5):
        ctx.service.pause(number, None, "training")
    tickets = [requests.post(f"{server}/api/v1/tickets", json={"service": "E01", "print": False}, timeout=10).json()
               for _ in range(8)]
    last = tickets[-1]
    low, high = last["wait_estimate"]["low"], last["wait_estimate"]["high"]
    assert 0 < low < high

    page.goto(f"{server}/kiosk/hall-a/ticket/{last['token']}")
    assert page.inner_text("#ticket-wait") == f"约 {low}–{high} 分钟"

    page.goto(f"{server}/t/{last['token']}")
    page.wait_for_function("() => document.getElementById('wait').textContent.includes('–')")
    shown = page.inner_text("#wait")
    assert ZH_RANGE.match(shown), shown
    # A counter opens again: the phone's range follows the hall, not the ticket's first estimate.
    ctx.service.resume(2, None)
    ctx.service.resume(3, None)
    page.wait_for_function(f"() => document.getElementById('wait').textContent !== {shown!r}")
    assert ZH_RANGE.match(page.inner_text("#wait"))

    page.goto(f"{server}/lobby")
    card = page.wait_for_selector("#queues tr:has-text('社会保障卡') td.wait-range")
    assert ZH_RANGE.match(card.inner_text()), card.inner_text()
    page.goto(f"{server}/lobby?lang=en")
    card = page.wait_for_selector("#queues tr:has-text('Social security card') td.wait-range")
    assert EN_RANGE.match(card.inner_text()), card.inner_text()


def test_a_manager_learns_the_workload_gets_a_plan_and_reads_the_estimate_error(server, ctx, page, seed_workload):
    record_days(ctx.storage, seed_workload, RECORDED, counters=10)
    with ctx.storage.write() as db:
        for day in RECORDED:
            store.record_day_estimate_error(db, day.isoformat())
    log_in(page, server, "manager", "/console/advisor")
    page.wait_for_selector(f"#errors tr[data-day='{RECORDED[-1].isoformat()}']")
    assert page.locator("#errors tbody tr").count() == len(RECORDED)
    page.fill("#from", RECORDED[0].isoformat())
    page.fill("#to", RECORDED[-1].isoformat())
    page.click("#learn")
    page.wait_for_selector("#services tr[data-service='B06']")
    assert "张号" in page.inner_text("#workload-summary")
    assert page.get_attribute("#workload-chart", "data-ready") == "1"
    page.click("#advise")
    page.wait_for_selector("#plan tr[data-quarter='38']", timeout=60_000)
    nine_thirty = page.locator("#plan tr[data-quarter='38'] td").all_inner_texts()
    four_forty_five = page.locator("#plan tr[data-quarter='67'] td").all_inner_texts()
    assert int(nine_thirty[-1]) > int(four_forty_five[-1])  # more counters at the morning peak
    assert "达到目标" in page.inner_text("#plan-summary")
    assert page.get_attribute("#plan-chart", "data-ready") == "1"
    page.goto(f"{server}/console/advisor?lang=en")
    assert page.inner_text("h2") == "Staffing advisor"


def test_a_clerk_sees_only_their_own_assessment(server, crafted, browser):
    clerk = browser.new_context(locale="zh-CN").new_page()
    log_in(clerk, server, "clerk1", "/console/assessment")
    clerk.fill("#from", "2026-11-25")
    clerk.click("#assessment-form button[type=submit]")
    clerk.wait_for_selector("#clerks[data-ready='1'] tr[data-clerk='clerk1']")
    assert clerk.locator("#clerks tbody tr").count() == 1
    assert clerk.is_visible("#own-assessment") and not clerk.is_visible("#clerk")
    manager = browser.new_context(locale="zh-CN").new_page()
    log_in(manager, server, "manager", "/console/assessment")
    manager.fill("#from", "2026-11-25")
    manager.click("#assessment-form button[type=submit]")
    manager.wait_for_selector("#clerks[data-ready='1'] tr[data-clerk='clerk5']")
    row = manager.locator("#clerks tr[data-clerk='clerk2'] td").all_inner_texts()
    assert row[1] == "2" and row[7] == "1"  # two cases, one bad rating
    assert "A002" in manager.inner_text("section[data-clerk='clerk2']")
