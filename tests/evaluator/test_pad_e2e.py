"""The issue's story in headless Chromium against the real server: finish at counter 1, rate 2 with a reason on
the on-screen evaluator, see the follow-up due in 5 working days on the managers' page, close it, count it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from hall.ratings import add_working_days
from tests.live import screenshot_dir

pytestmark = pytest.mark.e2e

SHOTS = screenshot_dir()


def api_login(base: str, username: str) -> dict[str, str]:
    response = requests.post(f"{base}/api/v1/login", json={"username": username, "password": f"{username}-demo"},
                             timeout=10)
    response.raise_for_status()
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    if response.json()["counter"]:  # a clerk signs in at their counter, as opening the panel does
        requests.post(f"{base}/api/v1/counters/{response.json()['counter']}/sign-in", json={}, headers=headers,
                      timeout=10).raise_for_status()
    return headers


def test_rate_two_with_a_reason_then_follow_up_and_figures(live_server, browser):
    base = live_server.url
    clerk = api_login(base, "clerk1")
    pad_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    manager_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pad, console = pad_context.new_page(), manager_context.new_page()
    try:
        pad.goto(f"{base}/evaluator?token={live_server.evaluator_token(1)}")
        pad.wait_for_selector("#idle:not([hidden])")
        assert "token=" not in pad.url  # the token is kept in the browser, not left in the address bar

        # The manager has the follow-up page open before the rating arrives.
        console.goto(f"{base}/login?next=/console/followups")
        console.fill("#username", "manager")
        console.fill("#password", "manager-demo")
        console.click("#login-button")
        console.wait_for_url("**/console/followups")
        console.wait_for_selector("#empty:not([hidden])")

        # A case is finished at counter 1.
        ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "B01"}, timeout=10).json()
        for action in ("call-next", "start", "finish"):
            assert requests.post(f"{base}/api/v1/counters/1/{action}", json={}, headers=clerk, timeout=10).ok

        # The evaluator asks; the citizen presses 不满意 (2) and picks a reason.
        pad.wait_for_selector("#ask:not([hidden])")
        assert pad.text_content("#ask-number") == ticket["number"]
        pad.screenshot(path=str(SHOTS / "evaluator-pad.png"))
        pad.click("[data-score='2']")
        pad.wait_for_selector("#reasons:not([hidden])")
        pad.click("[data-reason='waiting_too_long']")
        assert pad.get_attribute("[data-reason='waiting_too_long']", "aria-pressed") == "true"
        pad.screenshot(path=str(SHOTS / "evaluator-reasons.png"))
        pad.click("#reasons-done")
        pad.wait_for_selector("#phone:not([hidden])")  # a phone number for the call-back is optional
        pad.click("#phone-skip")
        pad.wait_for_selector("#thanks:not([hidden])")
        assert pad.is_visible("#thanks-followup")
        pad.wait_for_selector("#idle:not([hidden])", timeout=10000)

        # The managers' page shows it live, due in 5 working days.
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        due = add_working_days(today, 5).isoformat()
        console.wait_for_selector(f"#followups tbody tr >> text={ticket['number']}")
        row = console.locator("#followups tbody tr").first
        assert due in row.text_content() and "等候时间长" in row.text_content()
        assert console.is_visible("#overdue-alert")  # the new bad rating is announced
        row.get_by_role("button").click()
        console.wait_for_selector("#detail:not([hidden])")
        console.fill("#f-callback [name=contact]", "值班长 王某 电话回访")
        console.fill("#f-callback [name=said]", "等候四十分钟，无人解释")
        console.click("#f-callback button[type=submit]")
        console.wait_for_selector("#d-facts >> text=等候四十分钟")
        console.fill("#f-close [name=rectification]", "高峰时段增开一个综合窗口")
        console.fill("#f-close [name=note]", "群众表示理解")
        console.click("#f-close button[type=submit]")
        console.wait_for_selector("#empty:not([hidden])")
        console.click(".filter[data-state='closed']")
        console.wait_for_selector(f"#followups tbody tr >> text={ticket['number']}")
        console.locator("#followups tbody tr").first.get_by_role("button").click()
        console.wait_for_selector("#d-facts >> text=高峰时段增开一个综合窗口")
        console.screenshot(path=str(SHOTS / "evaluator-followups.png"), full_page=True)

        closed = requests.get(f"{base}/api/v1/followups?state=closed", headers=api_login(base, "manager"),
                              timeout=10).json()["followups"]
        assert closed[0]["state"] == "closed" and closed[0]["closed_in_time"] == 1
        assert closed[0]["close_note"] == "群众表示理解"

        # The day's satisfaction figures count the rating.
        figures = requests.get(f"{base}/api/v1/reports/satisfaction", headers=api_login(base, "manager"),
                               timeout=10).json()
        assert figures["finished"] == 1 and figures["rated"] == 1 and figures["satisfaction_rate"] == 0.0
        assert figures["distribution"]["2"] == 1 and figures["followups"]["closed_in_time"] == 1
    finally:
        pad_context.close()
        manager_context.close()
