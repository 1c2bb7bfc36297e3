"""The production server's own logs are masked too: gunicorn's access log (``serve --verbose``) keeps the paths
people asked for, without a ticket's token or a booking code in them."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.live import LiveServer, free_port

pytestmark = pytest.mark.e2e


def test_the_access_log_names_the_requests_without_their_secrets(tmp_path: Path) -> None:
    server = LiveServer(tmp_path, free_port(), ["--verbose"]).start()
    try:
        server.read_banner()
        ticket = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01"}, timeout=10).json()
        token = ticket["token"]
        assert requests.get(f"{server.url}/t/{token}", timeout=10).status_code == 200
        assert requests.get(f"{server.url}/api/v1/status/{token}", timeout=10).status_code == 200
    finally:
        assert server.process is not None
        server.process.terminate()  # gunicorn's access log is on stdout: read it to the end as the server stops
        access = server.process.communicate(timeout=30)[0].decode("utf-8", "replace")
    logged = access + (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "GET /t/…" in logged and "/api/v1/status/…" in logged  # the requests are there …
    assert token not in logged  # … their secret is not
