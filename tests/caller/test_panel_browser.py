"""The counter panel in headless Chromium against the real server: a new clerk calls, recalls, transfers, finishes."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.live import screenshot_dir

pytestmark = pytest.mark.e2e

SCREENSHOTS = screenshot_dir()


def add_clerk(server, username: str, password: str, counter: int) -> None:
    """`onewindow staff add` against the running server's database, as a hall administrator would."""
    done = subprocess.run(
        [sys.executable, "-m", "hall.cli", "staff", "add", username, "--role", "clerk", "--counter", str(counter),
         "--name", "新柜员", "--password-stdin", "--db", str(server.db)],
        input=password + "\n", capture_output=True, text=True, timeout=60, cwd=server.workdir,
    )
    assert done.returncode == 0, done.stderr


def issue(base: str, **body) -> dict:
    response = requests.post(f"{base}/api/v1/tickets", json={"print": False, **body}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def shows(page, selector: str, text: str) -> None:
    page.wait_for_function("([s, t]) => document.querySelector(s).textContent.trim() === t", arg=[selector, text],
                           timeout=10000)


def test_new_clerk_calls_recalls_transfers_and_finishes(live_server, page) -> None:
    base = live_server.url
    add_clerk(live_server, "zhangwei", "Counter-3-Lantern", 3)
    bundle = issue(base, bundle="P01", priority=True)
    second = issue(base, service="B01")

    page.goto(f"{base}/counter")
    page.fill("#username", "zhangwei")
    page.fill("#password", "Counter-3-Lantern")
    page.click("#login-button")
    page.wait_for_url("**/counter?*")
    page.wait_for_selector("body[data-ready='1']")
    assert "3号窗口" in page.text_content("h1")
    assert page.is_disabled("#finish") and page.is_disabled("#recall") and page.is_enabled("#call-next")

    page.keyboard.press("F1")  # call next
    shows(page, "#current-number", bundle["number"])
    assert "企业单位人员增减" in page.text_content("#current-service")
    assert page.is_visible("#priority-box")
    page.check("#priority-confirmed")
    page.keyboard.press("F2")  # recall
    shows(page, "#recall-count", "(1)")
    page.click("#recall")
    shows(page, "#recall-count", "(2)")
    assert page.is_visible("#recall-proposal")  # two recalls: the panel proposes no-show
    assert page.is_disabled("#finish") and page.is_disabled("#call-next")
    page.click("#start")
    shows(page, "#ticket-state", "办理中")
    boxes = page.locator("#materials input[type=checkbox]")
    assert boxes.count() >= 4
    citizen = page.context.new_page()  # the citizen-facing second screen of counter 3
    citizen.goto(f"{base}/screen/citizen/3")
    citizen.wait_for_selector("#case:not([hidden])")
    assert citizen.locator("#materials li.checked").count() == 0
    boxes.first.check()
    citizen.wait_for_selector("#materials li.checked")
    assert citizen.locator("#materials li.checked").count() == 1
    citizen.close()
    page.screenshot(path=str(SCREENSHOTS / "counter-serving.png"))
    page.keyboard.press("F4")  # finish
    shows(page, "#current-number", "—")
    shows(page, "#served", "1")

    page.click("#call-next")
    shows(page, "#current-number", second["number"])
    page.select_option("#transfer-to", "counter:2")
    page.fill("#transfer-note", "需后台复核")
    page.click("#transfer")
    shows(page, "#current-number", "—")
    moved = requests.get(f"{base}/api/v1/status/{second['token']}", timeout=10).json()
    assert moved["state"] == "waiting" and moved["target_counter"] == 2

    page.click("#call-next")  # the transferred ticket is counter 2's now; nobody else waits
    shows(page, "#action-error", "暂无等候")
    page.select_option("#pause-reason", "lunch")
    page.keyboard.press("F9")
    page.wait_for_selector("#counter-state.paused")
    assert page.text_content("#pause-reason-shown") == "午休"
    assert page.is_disabled("#call-next") and page.is_enabled("#resume")
    page.screenshot(path=str(SCREENSHOTS / "counter-paused.png"))
    page.click("#resume")
    page.wait_for_selector("#call-next:not([disabled])")
    done = requests.get(f"{base}/api/v1/status/{bundle['token']}", timeout=10).json()
    assert done["state"] == "finished" and done["counter"] == 3 and done["recall_count"] == 2
