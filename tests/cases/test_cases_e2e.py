"""The back office in headless Chromium: review and approval by two people other than the accepting clerk."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.live import screenshot_dir

pytestmark = pytest.mark.e2e


def add_staff(server, username: str, role: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hall.cli", "staff", "add", username, "--role", role, "--password-stdin",
         "--db", str(server.db)], input=f"{username}-secret\n", capture_output=True, text=True, timeout=60,
        cwd=server.workdir)
    assert done.returncode == 0, done.stderr


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login?next=/console/cases")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_url("**/console/cases")


def test_review_approve_and_deliver_in_the_browser(live_server, browser):
    base = live_server.url
    clerk = requests.Session()
    assert clerk.post(f"{base}/api/v1/login", json={"username": "clerk1", "password": "clerk1-demo"}).ok
    assert clerk.post(f"{base}/api/v1/counters/1/sign-in", json={}, timeout=10).ok
    ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "B02", "print": False}, timeout=10).json()
    for action in ("call-next", "start", "finish"):
        assert clerk.post(f"{base}/api/v1/counters/1/{action}", json={}, timeout=10).ok
    add_staff(live_server, "zhoumin", "backoffice")
    add_staff(live_server, "sunli", "backoffice")

    for username, step, state in (("zhoumin", "review", "reviewed"), ("sunli", "approve", "approved")):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        log_in(page, base, username, f"{username}-secret")
        page.select_option("#case-state", "all")
        row = page.locator(f"#cases tr:has-text('{ticket['number']}')")
        row.locator(f"button[data-step='{step}']").click()
        page.wait_for_selector("#cases-message:has-text('已保存')")
        if step == "approve":
            page.screenshot(path=str(screenshot_dir() / "console-cases.png"))
        context.close()
        cases = clerk.get(f"{base}/api/v1/cases?state={state}", timeout=10).json()["cases"]
        assert [c["number"] for c in cases] == [ticket["number"]]

    delivered = clerk.post(f"{base}/api/v1/cases/{cases[0]['id']}/deliver", json={"counter": 1}, timeout=10).json()
    assert delivered["state"] == "delivered" and delivered["reviewed_by"] == "zhoumin"
    assert delivered["approved_by"] == "sunli" and delivered["accepted_by"] == "clerk1"
