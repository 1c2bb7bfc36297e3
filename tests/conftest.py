"""Shared fixtures: a demo hall on a temporary database, Flask and Socket.IO test clients, a fixed clock."""

from __future__ import annotations

import functools

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from hall.accounts import Accounts
from hall.config import Config, HallSettings, PrinterSection, SecuritySettings, SpeechSection
from hall.demo import DEMO_STAFF, catalogue_document, load_catalogue
from hall.domain.clock import FixedClock
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.service import HallService
from hall.storage import Storage, open_storage, repo
from hall.web import create_app
from hall.web.context import HallContext
from hall.web.extensions import socketio

from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer, free_port

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: 09:00 on a Wednesday in the hall's time zone.
MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI).timestamp()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        db_path=tmp_path / "hall.db", instance_path=tmp_path / "instance", testing=True,
        hall=HallSettings(), printer=PrinterSection(backend="dummy"), speech=SpeechSection(backend="none"),
        # Tests move the fixed clock by hours and days: logins neither idle out nor expire here
        # (tests/security/test_sessions.py has the tests of both).
        security=SecuritySettings(idle_minutes=0, session_hours=24 * 365),
    )


@functools.cache
def password_hash(password: str) -> str:
    """scrypt once per password per test session: real hashes, without paying for them in every test."""
    return generate_password_hash(password)


def install_demo_data(storage: Storage, accounts: Accounts, at: float) -> None:
    """The demo catalogue, five counters and the demo staff (passwords as in hall.demo)."""
    load_catalogue(storage, catalogue_document(), at)
    with storage.write() as db:
        for username, display, roles, counter, password in DEMO_STAFF:
            repo.upsert_staff(db, {"username": username, "display_name": display, "roles": ",".join(roles),
                                   "password_hash": password_hash(password), "counter": counter, "active": 1,
                                   "created_at": at})


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    store = open_storage(tmp_path / "core.db")
    yield store
    store.close()


@pytest.fixture
def hall_service(storage: Storage, clock: FixedClock) -> HallService:
    """The hall service with the demo catalogue, without any web layer."""
    load_catalogue(storage, catalogue_document(), clock.now())
    with storage.write() as db:
        for username, display, roles, counter, _ in DEMO_STAFF:
            # Unusable password hashes: these tests never log in, and scrypt would only slow them down.
            repo.upsert_staff(db, {"username": username, "display_name": display, "roles": ",".join(roles),
                                   "password_hash": "!", "counter": counter, "active": 1, "created_at": clock.now()})
    return HallService(storage, HallSettings(), make_policy("one-window", 30 * 60), clock, EventBus())


@pytest.fixture
def app(config: Config, clock: FixedClock) -> Iterator[Flask]:
    application = create_app(config, clock=clock)
    ctx: HallContext = application.extensions["onewindow"]
    install_demo_data(ctx.storage, ctx.accounts, clock.now())
    yield application
    ctx.close()


@pytest.fixture
def ctx(app: Flask) -> HallContext:
    return app.extensions["onewindow"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, username: str) -> dict:
    """Log *username* in with the demo password; returns the login response body."""
    password = next(p for u, _, _, _, p in DEMO_STAFF if u == username)
    response = client.post("/api/v1/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def clerk(app: Flask) -> FlaskClient:
    """A test client logged in as clerk1 (counter 1)."""
    c = app.test_client()
    login(c, "clerk1")
    return c


@pytest.fixture
def manager(app: Flask) -> FlaskClient:
    c = app.test_client()
    login(c, "manager")
    return c


@pytest.fixture
def socket_client(app: Flask) -> Callable[..., object]:
    """Make a Socket.IO test client on a namespace; disconnected at teardown."""
    made = []

    def make(namespace: str, *, flask_client: FlaskClient | None = None, auth: dict | None = None):
        sio = socketio.test_client(app, namespace=namespace, flask_test_client=flask_client, auth=auth)
        made.append((sio, namespace))
        return sio

    yield make
    for sio, namespace in made:
        if sio.is_connected(namespace):
            sio.disconnect(namespace=namespace)


def received(sio, namespace: str, ctx: HallContext, name: str | None = None) -> list[dict]:
    """Messages a test client got once the live channel has sent everything queued so far."""
    if ctx.live is not None:
        ctx.live.wait_idle()
    messages = sio.get_received(namespace)
    return [m for m in messages if name is None or m["name"] == name]


# ---- end to end: one Playwright and one Chromium for the whole session -----------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def live_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path, free_port()).start()
    server.read_banner()
    yield server
    server.stop()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        log = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
        print(f"---- the server's log (last 80 lines) ----\n" + "\n".join(log.splitlines()[-80:]))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright, shared by every browser test."""
    if not Path(CHROMIUM).exists():
        message = "Debian chromium is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()
