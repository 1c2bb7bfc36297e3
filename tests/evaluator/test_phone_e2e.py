"""In Chromium against the real server: a very bad rating, the citizen types a phone number on the evaluator's
own keys, the manager sees it on the follow-up page and the rated clerk sees it masked."""

from __future__ import annotations

import pytest
import requests

from .test_pad_e2e import api_login

pytestmark = pytest.mark.e2e


def _logged_in(browser, base: str, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{base}/login?next=/console/followups")
    page.fill("#username", username)
    page.fill("#password", f"{username}-demo")
    page.click("#login-button")
    page.wait_for_url("**/console/followups")
    return context, page


def test_a_phone_number_for_the_call_back(live_server, browser):
    base = live_server.url
    clerk = api_login(base, "clerk1")
    pad_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    pad = pad_context.new_page()
    contexts = [pad_context]
    try:
        pad.goto(f"{base}/evaluator?token={live_server.evaluator_token(1)}")
        pad.wait_for_selector("#idle:not([hidden])")
        ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "E02"}, timeout=10).json()
        for action in ("call-next", "start", "finish"):
            assert requests.post(f"{base}/api/v1/counters/1/{action}", json={}, headers=clerk, timeout=10).ok
        pad.wait_for_selector("#ask:not([hidden])")
        pad.click("[data-score='1']")
        pad.click("[data-reason='attitude']")
        pad.click("#reasons-done")
        pad.wait_for_selector("#phone:not([hidden])")
        assert "回访" in pad.inner_text("#phone") or "回电" in pad.inner_text("#phone")
        for digit in "1390000":
            pad.click(f"[data-digit='{digit}']")
        pad.click("#phone-back")
        pad.fill("#phone-number", pad.input_value("#phone-number") + "01234")  # the tablet's own keyboard too
        assert pad.input_value("#phone-number") == "13900001234"
        pad.click("#phone-send")
        pad.wait_for_selector("#thanks:not([hidden])")
        assert pad.is_visible("#thanks-followup")

        manager_context, console = _logged_in(browser, base, "manager")
        contexts.append(manager_context)
        console.wait_for_selector(f"#followups tbody tr >> text={ticket['number']}")
        console.locator("#followups tbody tr").first.get_by_role("button").click()
        console.wait_for_selector("#detail:not([hidden])")
        assert "13900001234" in console.inner_text("#d-facts")

        clerk_context, own = _logged_in(browser, base, "clerk1")
        contexts.append(clerk_context)
        own.wait_for_selector(f"#followups tbody tr >> text={ticket['number']}")
        own.locator("#followups tbody tr").first.get_by_role("button").click()
        own.wait_for_selector("#detail:not([hidden])")
        facts = own.inner_text("#d-facts")
        assert "139****1234" in facts and "13900001234" not in facts
    finally:
        for context in contexts:
            context.close()
