"""Fixtures of the phone's tests: a hall service whose tickets pass the admission (hours, quotas)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from hall.admission import Admission, RulesWatch
from hall.domain.clock import FixedClock
from hall.hours import OpeningHours
from hall.phone_config import PhoneSettings, SmsSettings
from hall.service import HallService
from hall.storage import Storage
from tests.conftest import demo_service, running_hall

PHONE = "13800001234"

#: The hall's default hours, enforced.
ENFORCED = OpeningHours(enforce=True)


def admitted(service: HallService, hours: OpeningHours = ENFORCED,
             phone: PhoneSettings | None = None) -> HallService:
    """*service* with the admission check installed (the web app's build_context does the same)."""
    service.admission = Admission(RulesWatch(hours, phone or PhoneSettings()), lambda: service.hall)
    return service


@pytest.fixture
def hall_with_rules(storage: Storage, clock: FixedClock) -> HallService:
    """The demo hall service with service hours enforced (Mon–Fri 9:00–12:00, 13:30–17:00) and quota checks."""
    return admitted(demo_service(storage, clock))


def with_hall(service: HallService, **changes: object) -> None:
    """Change the service's [hall] settings (the calendar's own days …)."""
    service.settings.replace_base(replace(service.settings.base, **changes))


@pytest.fixture
def phone_app(config, clock) -> Iterator[Flask]:
    """The demo hall with SMS written to the log (the LogGateway keeps what it was given)."""
    sms = SmsSettings(backend="log", templates={"code": "T1", "booked": "T2", "reminder": "T3"})
    with running_hall(replace(config, sms=sms), clock) as app:
        yield app


@pytest.fixture
def ph(phone_app):
    return phone_app.extensions["onewindow.phone"]


def settle(app: Flask) -> None:
    """Wait until every committed event reached the owner's listeners and their notices went out."""
    ctx = app.extensions["onewindow"]
    ph = app.extensions["onewindow.phone"]
    with ctx.storage.read() as db:
        last = db.execute("SELECT max(id) FROM events").fetchone()[0] or 0
    ctx.feed.wait_until(last)
    assert ph.watcher.wait_idle()
    if ph.sender is not None:
        ph.sender.run_once()


def last_code(ph) -> str:
    """The one-time code the (logging) gateway sent last."""
    ph.sender.run_once()
    return next(m for m in reversed(ph.gateway.sent) if m.kind == "code").params["code"]


def verified_client(app: Flask, ph, phone: str = PHONE):
    """A test client whose phone cookie holds *phone*, verified with its one-time code."""
    client = app.test_client()
    assert client.post("/api/v1/phone/codes", json={"phone": phone}).status_code == 202
    answer = client.post("/api/v1/phone/verify", json={"phone": phone, "code": last_code(ph)})
    assert answer.status_code == 200, answer.get_json()
    return client
