"""End to end: the real server, a real Socket.IO client and headless Chromium walk the whole flow."""

from __future__ import annotations

import queue

import pytest
import requests
import socketio

pytestmark = pytest.mark.e2e


def lobby_listener(url: str) -> tuple[socketio.Client, "queue.Queue[dict]"]:
    calls: queue.Queue[dict] = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("ticket_called", calls.put, namespace="/lobby")
    client.connect(url, namespaces=["/lobby"], transports=["websocket"], wait_timeout=10)
    return client, calls


def login_page(page, base: str, username: str, password: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_url(f"**{target}")


def test_kiosk_call_lobby_finish_rate_summary(live_server, browser):
    base = live_server.url
    sio, calls = lobby_listener(base)
    contexts = [browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}) for _ in range(4)]
    kiosk, counter, lobby, pad = (c.new_page() for c in contexts)
    try:
        lobby.goto(f"{base}/lobby")
        pad.goto(f"{base}/evaluator?token={live_server.evaluator_token(1)}")
        pad.wait_for_selector("#idle:not([hidden])")

        # Guide and take a ticket for a bundle at the kiosk.
        kiosk.goto(f"{base}/kiosk")
        kiosk.click("a.tile.bundle:has-text('企业单位人员增减')")
        kiosk.click("#take")
        kiosk.wait_for_selector(".print-state.printed")
        number = kiosk.text_content("#ticket-number").strip()
        assert number.startswith("A") and len(number) == 4

        # The clerk at counter 1 calls it.
        login_page(counter, base, "clerk1", "clerk1-demo", "/counter?counter=1")
        counter.wait_for_selector("#call-next:not([disabled])")
        counter.click("#call-next")
        counter.wait_for_function(f"() => document.getElementById('current-number').textContent === '{number}'"
                                  " || document.getElementById('action-error').textContent !== ''")
        assert counter.text_content("#action-error") == ""
        assert counter.text_content("#current-number") == number

        # The lobby screen and a Socket.IO client both see the call.
        lobby.wait_for_function(f"() => document.getElementById('now-calling').textContent.includes('{number}')",
                                timeout=5000)
        event = calls.get(timeout=5)
        assert event["number"] == number and event["counter"] == 1 and isinstance(event["seq"], int)

        counter.click("#start")
        counter.wait_for_selector("#finish:not([disabled])")
        counter.click("#finish")

        # The evaluator asks; the citizen rates.
        pad.wait_for_selector("#ask:not([hidden])")
        assert number in pad.text_content("#ask-number")
        pad.click("[data-score='4']")
        pad.wait_for_selector("#thanks:not([hidden])")

        session = requests.Session()
        assert session.post(f"{base}/api/v1/login", json={"username": "manager", "password": "manager-demo"}).ok
        summary = session.get(f"{base}/api/v1/reports/summary").json()
        assert (summary["issued"], summary["finished"], summary["rated"]) == (1, 1, 1)
        assert summary["satisfaction_rate"] == 1.0
    finally:
        sio.disconnect()
        for c in contexts:
            c.close()


def test_kill_9_loses_no_acknowledged_ticket_and_numbering_continues(live_server):
    base = live_server.url
    acknowledged = []
    for _ in range(25):
        r = requests.post(f"{base}/api/v1/tickets", json={"service": "B02", "print": False}, timeout=10)
        assert r.status_code == 201
        acknowledged.append(r.json())
    live_server.kill()
    live_server.start()
    for t in acknowledged:
        got = requests.get(f"{base}/api/v1/status/{t['token']}", timeout=10).json()
        assert got["number"] == t["number"] and got["state"] == "waiting"
    after = requests.post(f"{base}/api/v1/tickets", json={"service": "B02"}, timeout=10).json()
    assert after["number"] == "B026"
