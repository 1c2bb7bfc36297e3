"""The console shows whether the hall's log reaches the prefecture: the backlog, failures and divergence, read
from the database (so any server process shows the same), while the owner's sender retries."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from hall.config import Config, PrefectureSettings
from hall.outbox import Outbox, shipping_status
from hall.web.context import HallContext
from hall.web.extensions import socketio
from tests.conftest import login, received, running_hall
from tests.live import wait_until


class AcceptingPrefecture:
    """Stands in for the prefecture's ingest: acknowledges every batch up to its head."""

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                timeout: float) -> tuple[int, dict[str, Any]]:
        import json

        batch = json.loads(body or b"{}")
        return 200, {"acknowledged": batch["head"]}


@pytest.fixture
def hall(config: Config, clock) -> Iterator[Flask]:
    unreachable = PrefectureSettings(url="http://127.0.0.1:1", token="hall-token", hall_code="H001",
                                     interval_seconds=1, max_backoff_seconds=1, timeout_seconds=2)
    with running_hall(dataclasses.replace(config, prefecture=unreachable), clock) as app:
        yield app


def console_prefecture(app: Flask, ctx: HallContext) -> dict[str, Any]:
    manager = app.test_client()
    login(manager, "manager")
    console = socketio.test_client(app, namespace="/console", flask_test_client=manager)
    try:
        snapshots = [m for m in received(console, "/console", ctx) if m["name"] == "snapshot"]
        return snapshots[-1]["args"][0]["prefecture"]
    finally:
        console.disconnect("/console")


def test_the_console_shows_the_backlog_while_the_prefecture_is_unreachable_and_clears_when_it_answers(
        hall: Flask) -> None:
    ctx: HallContext = hall.extensions["onewindow"]
    kiosk = hall.test_client()
    for _ in range(3):
        assert kiosk.post("/api/v1/tickets", json={"service": "A01"}).status_code == 201
    wait_until(lambda: shipping_status(ctx.storage)["failures"] >= 1)

    shown = console_prefecture(hall, ctx)
    assert shown["state"] == "retrying" and shown["backlog"] >= 3
    assert "unreachable" in shown["last_error"]

    page = hall.test_client()
    login(page, "manager")
    html = page.get("/console", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'id="prefecture"' in html and "上报" in html

    outbox: Outbox = hall.extensions["onewindow_outbox"]
    outbox.transport = AcceptingPrefecture()
    outbox.wake()
    wait_until(lambda: shipping_status(ctx.storage)["backlog"] == 0)
    shown = console_prefecture(hall, ctx)
    assert shown["state"] == "ok" and shown["failures"] == 0 and shown["acknowledged"] == shown["head"]


def test_a_hall_without_a_prefecture_shows_no_such_section(app: Flask) -> None:
    page = app.test_client()
    login(page, "manager")
    assert 'id="prefecture"' not in page.get("/console").get_data(as_text=True)
    assert console_prefecture(app, app.extensions["onewindow"]) is None
