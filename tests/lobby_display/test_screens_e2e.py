"""Headless Chromium against the real server: lobby, counter screen and citizen screen, through a restart."""

from __future__ import annotations

import time

import pytest
import requests

from hall.demo import DEMO_STAFF
from tests.live import screenshot_dir

pytestmark = pytest.mark.e2e

SHOTS = screenshot_dir()


def _token(server, username: str) -> str:
    password = next(p for u, _, _, _, p in DEMO_STAFF if u == username)
    response = requests.post(f"{server.url}/api/v1/login", json={"username": username, "password": password},
                             timeout=10)
    assert response.status_code == 200, response.text
    token, counter = response.json()["token"], response.json()["counter"]
    if counter:  # a clerk signs in at their counter, as opening the panel does
        signed = requests.post(f"{server.url}/api/v1/counters/{counter}/sign-in", json={},
                               headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert signed.status_code == 200, signed.text
    return token


def _post(server, path: str, token: str | None = None, body: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(f"{server.url}{path}", json=body or {}, headers=headers, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _ready(page, count: int = 1) -> None:
    """Wait until the page has drawn its *count*-th snapshot."""
    page.wait_for_function(f"() => Number(document.documentElement.dataset.snapshots || 0) >= {count}", timeout=10_000)


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / name))


def test_lobby_shows_a_call_within_a_second_and_flashes_again_on_recall(live_server, page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/lobby")
    _ready(page)
    clerk = _token(live_server, "clerk1")
    for service in ("B01", "B01", "A01"):
        _post(live_server, "/api/v1/tickets", body={"service": service})
    called = _post(live_server, "/api/v1/counters/1/call-next", clerk)["ticket"]["number"]
    started = time.monotonic()
    page.wait_for_function(f"() => document.getElementById('now-calling').textContent.startsWith({called!r})",
                           timeout=1000)
    assert time.monotonic() - started < 1.0
    assert "1号窗口" in page.text_content("#now-calling")
    page.wait_for_function("() => document.getElementById('now-calling').dataset.flashes === '1'", timeout=1000)
    _post(live_server, "/api/v1/counters/1/recall", clerk)
    page.wait_for_function("() => document.getElementById('now-calling').dataset.flashes === '2'", timeout=1000)
    assert "flash" in page.get_attribute("#now-calling", "class")
    _post(live_server, "/api/v1/counters/2/pause", _token(live_server, "clerk2"), {"reason": "午休"})
    page.wait_for_selector("#counters li.paused[data-counter='2']", timeout=2000)
    assert page.text_content("#recent-calls li:first-child .number") == called
    assert "过号请重新取号" in page.text_content("#notices")
    assert page.text_content("#service-hours").strip()
    # the screenshot shows the resting screen once the flash animation has ended
    page.wait_for_function("() => document.getElementById('now-calling').getAnimations().length === 0", timeout=10_000)
    _shot(page, "lobby-landscape.png")


def test_portrait_layout_renders(live_server, page):
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.goto(f"{live_server.url}/lobby?layout=portrait")
    _ready(page)
    assert "layout-portrait" in page.get_attribute("body", "class")
    columns = page.evaluate("getComputedStyle(document.querySelector('main')).gridTemplateColumns")
    assert len(columns.split()) == 1
    box_now = page.locator(".now").bounding_box()
    box_queues = page.locator(".queues").bounding_box()
    assert box_queues["y"] > box_now["y"] + box_now["height"] - 1  # stacked, not side by side
    assert page.locator("#queues tr").count() >= 6
    clerk = _token(live_server, "clerk3")
    for service in ("A01", "B01", "B01"):
        _post(live_server, "/api/v1/tickets", body={"service": service})
    called = _post(live_server, "/api/v1/counters/3/call-next", clerk)["ticket"]["number"]
    page.wait_for_function(f"() => document.getElementById('now-calling').textContent.startsWith({called!r})",
                           timeout=1000)
    now = page.locator("#now-calling")
    assert page.evaluate("el => el.scrollWidth <= el.clientWidth", now.element_handle())  # the call fits the screen
    page.wait_for_function("() => document.getElementById('now-calling').getAnimations().length === 0", timeout=10_000)
    _shot(page, "lobby-portrait.png")


def test_screens_are_right_again_after_a_server_restart(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    lobby, counter = context.new_page(), context.new_page()
    try:
        lobby.goto(f"{live_server.url}/lobby")
        counter.goto(f"{live_server.url}/screen/counter/2")
        _ready(lobby)
        _ready(counter)
        clerk = _token(live_server, "clerk2")
        _post(live_server, "/api/v1/tickets", body={"service": "B01"})
        first = _post(live_server, "/api/v1/counters/2/call-next", clerk)["ticket"]["number"]
        counter.wait_for_function(f"() => document.getElementById('serving').textContent.includes({first!r})",
                                  timeout=2000)

        live_server.kill()
        lobby.wait_for_function("() => document.documentElement.classList.contains('offline')", timeout=10_000)
        assert lobby.is_visible(".offline-badge")
        live_server.start()
        came_back = time.monotonic()
        for page in (lobby, counter):
            _ready(page, 2)
            page.wait_for_function("() => !document.documentElement.classList.contains('offline')", timeout=2500)
        assert time.monotonic() - came_back < 2.5
        assert lobby.text_content("#now-calling").startswith(first)

        clerk = _token(live_server, "clerk2")  # bearer tokens survive, but log in again like a clerk would
        _post(live_server, "/api/v1/counters/2/no-show", clerk)
        _post(live_server, "/api/v1/tickets", body={"service": "B01"})
        second = _post(live_server, "/api/v1/counters/2/call-next", clerk)["ticket"]["number"]
        lobby.wait_for_function(f"() => document.getElementById('now-calling').textContent.startsWith({second!r})",
                                timeout=1000)
        counter.wait_for_function(f"() => document.getElementById('serving').textContent.includes({second!r})",
                                  timeout=1000)
    finally:
        context.close()


def test_counter_screen_follows_pause_and_resume(live_server, page):
    page.set_viewport_size({"width": 960, "height": 320})
    page.goto(f"{live_server.url}/screen/counter/2")
    _ready(page)
    assert "2号窗口" in page.text_content(".counter-number")
    assert "综合柜员 2" not in page.text_content("#clerk")  # nobody has signed in there yet
    clerk = _token(live_server, "clerk2")  # clerk2 signs in at counter 2
    page.wait_for_function("() => document.getElementById('clerk').textContent.includes('综合柜员 2')", timeout=2000)
    _post(live_server, "/api/v1/tickets", body={"service": "B01"})
    number = _post(live_server, "/api/v1/counters/2/call-next", clerk)["ticket"]["number"]
    page.wait_for_function(f"() => document.getElementById('serving').textContent === '正在呼叫 {number}'",
                           timeout=2000)
    _post(live_server, "/api/v1/counters/2/start", clerk)
    page.wait_for_function(f"() => document.getElementById('serving').textContent === '正在办理 {number}'",
                           timeout=2000)
    _shot(page, "counter-screen-serving.png")
    _post(live_server, "/api/v1/counters/2/finish", clerk)
    _post(live_server, "/api/v1/counters/2/pause", clerk, {"reason": "lunch"})
    page.wait_for_function("() => document.getElementById('serving').textContent === '暂停服务'", timeout=2000)
    _shot(page, "counter-screen-paused.png")
    _post(live_server, "/api/v1/counters/2/resume", clerk)
    page.wait_for_function("() => document.getElementById('serving').textContent === '等候叫号'", timeout=2000)


def test_citizen_screen_follows_the_checklist_and_asks_for_a_rating(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/screen/citizen/2")
    _ready(page)
    assert page.is_visible("#idle")
    clerk = _token(live_server, "clerk2")
    _post(live_server, "/api/v1/tickets", body={"bundle": _first_bundle(live_server)})
    _post(live_server, "/api/v1/counters/2/call-next", clerk)
    page.wait_for_function("() => document.body.dataset.stage === 'called'", timeout=2000)
    assert "请到" in page.text_content("#stage-text") and "受理" not in page.text_content("#stage-text")
    _post(live_server, "/api/v1/counters/2/start", clerk)
    page.wait_for_function("() => document.body.dataset.stage === 'serving'", timeout=2000)
    assert "正在办理" in page.text_content("#stage-text")
    assert page.locator("#items li").count() >= 2
    for index in (0, 1):
        _post(live_server, "/api/v1/counters/2/checklist", clerk, {"material": index, "checked": True})
    page.wait_for_selector("#materials li.checked[data-index='1']", timeout=2000)
    assert page.locator("#materials li.checked").count() == 2
    _post(live_server, "/api/v1/counters/2/checklist", clerk, {"material": 1, "checked": False})
    page.wait_for_function("() => document.querySelectorAll('#materials li.checked').length === 1", timeout=2000)
    _shot(page, "citizen-screen-handling.png")
    _post(live_server, "/api/v1/counters/2/finish", clerk)
    page.wait_for_selector("#rating.open", timeout=2000)
    assert "评价" in page.text_content("#rating-text")
    assert page.evaluate("document.body.dataset.stage") == "rating"
    _shot(page, "citizen-screen-rating.png")


def _first_bundle(server) -> str:
    overview = requests.get(f"{server.url}/api/v1/services", timeout=10).json()
    return overview["bundles"][0]["code"]
