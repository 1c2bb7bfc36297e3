"""A hall server whose kiosk-1 prints on its kiosk PC's agent, for the agent tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent.harness import hall_server
from tests.live import LiveServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = hall_server(tmp_path)
    yield live
    live.stop()
