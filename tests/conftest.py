"""Shared fixtures: a demo hall on a temporary database, Flask and Socket.IO test clients, a fixed clock."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from hall.process import HallProcess
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


def install_demo_data(storage: Storage, accounts: Accounts, at: float, *, signed_in: bool = True) -> None:
    """The demo catalogue, five counters and the demo staff (passwords as in hall.demo).

    With *signed_in*, each demo clerk is signed in at their counter (as on a hall's morning), so the
    counters are open.
    """
    load_catalogue(storage, catalogue_document(), at)
    with storage.write() as db:
        for username, display, roles, counter, password in DEMO_STAFF:
            repo.upsert_staff(db, {"username": username, "display_name": display, "roles": ",".join(roles),
                                   "password_hash": password_hash(password), "counter": counter, "active": 1,
                                   "created_at": at})
    if signed_in:
        sign_in_demo_clerks(storage, at)


def sign_in_demo_clerks(storage: Storage, at: float) -> None:
    """Open every counter that has a demo clerk, signed in by that clerk."""
    with storage.write() as db:
        for username, display, roles, counter, _ in DEMO_STAFF:
            db.execute("INSERT OR IGNORE INTO staff (username, display_name, roles, password_hash, counter, active, "
                       "created_at) VALUES (?, ?, ?, '!', ?, 1, ?)", [username, display, ",".join(roles), counter, at])
            if counter is not None:
                repo.update_counter(db, counter, state="open", state_since=at, staff=username)
                repo.append_event(db, at=at, type="counter_opened", counter=counter, staff=username,
                                  data={"staff": username})


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    store = open_storage(tmp_path / "core.db")
    yield store
    store.close()


@pytest.fixture
def hall_service(storage: Storage, clock: FixedClock) -> HallService:
    """The hall service with the demo catalogue, without any web layer."""
    return demo_service(storage, clock)


def demo_service(storage: Storage, clock: FixedClock) -> HallService:
    """A hall service on *storage* with the demo catalogue and staff (unusable passwords)."""
    load_catalogue(storage, catalogue_document(), clock.now())
    with storage.write() as db:
        for username, display, roles, counter, _ in DEMO_STAFF:
            # Unusable password hashes: these tests never log in, and scrypt would only slow them down.
            repo.upsert_staff(db, {"username": username, "display_name": display, "roles": ",".join(roles),
                                   "password_hash": "!", "counter": counter, "active": 1, "created_at": clock.now()})
    sign_in_demo_clerks(storage, clock.now())
    return HallService(storage, HallSettings(), make_policy("one-window", 30 * 60), clock, EventBus())


@contextmanager
def running_hall(config: Config, clock: FixedClock | None = None, *, demo: bool = True,
                 before_start: Callable[[HallContext], object] | None = None) -> Iterator[Flask]:
    """A hall app (with the demo data) whose background work runs as in a server's device-owner process."""
    application = create_app(config, clock=clock)
    ctx: HallContext = application.extensions["onewindow"]
    if demo:
        install_demo_data(ctx.storage, ctx.accounts, ctx.service.clock.now())
    if before_start is not None:
        before_start(ctx)
    process = HallProcess(application, role="owner").start()
    try:
        yield application
    finally:
        process.close()
        ctx.close()


@pytest.fixture
def app(config: Config, clock: FixedClock) -> Iterator[Flask]:
    """A hall app with the demo data, its background work running as in a server's owner process."""
    with running_hall(config, clock) as application:
        yield application


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
        print("---- the server's log (last 80 lines) ----\n" + "\n".join(log.splitlines()[-80:]))


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


def wait_print(ctx: HallContext, ticket_id: int, timeout: float = 10.0) -> dict:
    """The ticket's latest print job once the device owner printed it (or failed to)."""
    from hall.storage import print_jobs

    def latest() -> dict | None:
        with ctx.storage.read() as db:
            return print_jobs.latest_of_ticket(db, ticket_id)

    assert ctx.owner is not None, "this process does not own the printers"
    job = ctx.owner.printers.wait_printed(latest, timeout)
    assert job is not None, f"ticket {ticket_id} has no print job"
    return job


def printer_worker(ctx: HallContext, name: str = "printer"):
    """The driver worker of a printer attached to the server ("printer", or "printer:<kiosk>")."""
    assert ctx.owner is not None
    worker = ctx.owner.printers.worker(name)
    assert worker is not None, name
    return worker
