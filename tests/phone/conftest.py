"""Fixtures of the phone's tests: a hall service whose tickets pass the admission (hours, quotas)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hall.admission import Admission, RulesWatch
from hall.domain.clock import FixedClock
from hall.hours import OpeningHours
from hall.phone_config import PhoneSettings
from hall.service import HallService
from hall.storage import Storage

from tests.conftest import demo_service

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
