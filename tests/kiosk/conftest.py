"""Kiosk fixtures: a hall with several kiosks, each with its own printer (file, dummy, raster, faulty)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hall.config import Config, KioskSection, PrinterSection


def closed_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ticket_file(tmp_path: Path) -> Path:
    return tmp_path / "east-kiosk.bin"


@pytest.fixture
def config(config: Config, tmp_path: Path, ticket_file: Path) -> Config:
    kiosks = (
        KioskSection("east", "东门取号机", 45, PrinterSection("file", {"path": str(ticket_file)})),
        KioskSection("west", "西门取号机", 60, PrinterSection("dummy", {"profile": "TM-T88V"})),
        KioskSection("raster", "", 60, PrinterSection("dummy", {"raster": True})),
        # A "file" that is a directory: every write fails, as with an unwritable device node.
        KioskSection("broken", "", 60, PrinterSection("file", {"path": str(tmp_path)})),
        KioskSection("net", "", 60, PrinterSection("network", {"host": "127.0.0.1", "port": closed_port(),
                                                               "timeout": 1})),
    )
    return config.with_overrides(kiosks=kiosks)
