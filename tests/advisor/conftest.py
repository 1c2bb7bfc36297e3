"""Shared pieces of the advisor tests: the seed hall's workload; simulated days written into a hall's database
(bench/record.py); the console tests' crafted tickets."""

from __future__ import annotations

import pytest

from bench.record import SHANGHAI, catalogue_minutes, record_days  # noqa: F401 (used by the tests)
from hall.advisor.generator import seed_hall_workload
from hall.advisor.workload import Workload
from hall.demo import catalogue_document


@pytest.fixture
def crafted(ctx, clock):
    """The console tests' crafted tickets (tests/console/conftest.py) in the app's hall."""
    from tests.console.conftest import craft_tickets

    return craft_tickets(ctx.service, ctx.accounts, clock)


@pytest.fixture(scope="session")
def seed_workload() -> Workload:
    return seed_hall_workload(catalogue_document())
