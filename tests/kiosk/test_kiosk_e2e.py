"""A new user at the kiosk: finds 养老保险 by "ylbx", reads a guide, takes a bundle ticket, follows it until called."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import LiveServer, free_port, screenshot_dir

SCREENSHOTS = screenshot_dir()
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


@pytest.fixture
def kiosk_server(tmp_path: Path) -> Iterator[LiveServer]:
    config = tmp_path / "hall.toml"
    config.write_text(
        '[[kiosks]]\nid = "hall-a"\nname = "东门取号机"\nidle_seconds = 120\n'
        f'[kiosks.printer]\nbackend = "file"\npath = "{tmp_path / "hall-a.bin"}"\n', encoding="utf-8")
    server = LiveServer(tmp_path, free_port(), extra_args=["--config", str(config)]).start()
    server.read_banner()
    yield server
    server.stop()


def api(server: LiveServer, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(server.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def call_ticket(server: LiveServer, number: str) -> int:
    """Clerks press call-next until one of them gets *number*; returns that counter."""
    for counter in range(1, 6):
        token = api(server, "POST", "/api/v1/login", {"username": f"clerk{counter}",
                                                      "password": f"clerk{counter}-demo"})["token"]
        api(server, "POST", f"/api/v1/counters/{counter}/sign-in", {}, token)
        called = api(server, "POST", f"/api/v1/counters/{counter}/call-next", {}, token)["ticket"]
        if called and called["number"] == number:
            return counter
    raise AssertionError(f"no counter called {number}")


@pytest.mark.e2e
def test_kiosk_flow_in_chromium(kiosk_server: LiveServer, browser, tmp_path: Path):
    context = browser.new_context(viewport=PORTRAIT, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.goto(kiosk_server.url + "/kiosk/hall-a")
    page.get_by_text("请选择您要办理的业务").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "kiosk-home.png"))

    for letter in "ylbx":
        page.click(f"[data-letter='{letter}']")
    page.wait_for_selector("#search-results[data-query='ylbx'] a")
    results = page.locator("#search-results a")
    names = results.all_text_contents()
    assert names and "养老保险" in names[0] and sum("养老保险" in n for n in names) >= 5

    page.set_viewport_size(LANDSCAPE)
    results.first.click()
    page.get_by_text("需携带的材料").wait_for()
    assert page.locator(".guide-qr svg").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "kiosk-guide.png"))

    page.click("[data-home]")
    page.click("a.tile.bundle:has-text('职工退休')")
    page.get_by_text("本号可一次办理的事项").wait_for()
    page.click("#take")
    page.wait_for_selector(".print-state.printed")
    number = page.inner_text("#ticket-number").strip()
    assert page.evaluate("document.getElementById('ticket-image').naturalWidth") > 300
    page.screenshot(path=str(SCREENSHOTS / "kiosk-ticket.png"))
    printed = (tmp_path / "hall-a.bin").read_bytes()
    assert number.encode() in printed and "职工退休".encode("gb18030") in printed

    token = page.url.rsplit("/", 1)[1]
    phone = context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{kiosk_server.url}/t/{token}")
    phone.wait_for_function("document.getElementById('ahead').textContent !== '…'")
    assert phone.locator("#called").is_hidden()
    counter = call_ticket(kiosk_server, number)
    phone.wait_for_selector("#called:not([hidden])")
    assert phone.inner_text("#called") == f"请到 {counter} 号窗口办理"
    context.close()
