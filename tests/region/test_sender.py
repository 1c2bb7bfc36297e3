"""The hall's sender as the owner process runs it: a background thread, HTTPS with a checked certificate,
its configuration, and the `onewindow region` commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hall.cli import main as cli_main
from hall.config import ConfigError, parse_config
from hall.outbox import Outbox
from region.web.context import RegionContext
from tests.live import wait_until

from .conftest import DemoHall, RegionServer


def test_the_background_sender_ships_new_events_until_closed(demo_hall: DemoHall, region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(3)
    outbox = demo_hall.outbox
    outbox.start()
    try:
        wait_until(lambda: outbox.status()["backlog"] == 0)
        demo_hall.serve_citizens(2)
        outbox.wake()
        wait_until(lambda: outbox.status()["backlog"] == 0)
    finally:
        outbox.close()
    with region_ctx.db.transaction() as conn:
        assert conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"] == demo_hall.event_count()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def test_the_hall_ships_over_https_and_refuses_a_certificate_it_does_not_trust(region_url: str, tmp_path: Path,
                                                                             register, certificate,
                                                                             region_ctx: RegionContext) -> None:
    cert, key = certificate
    server = RegionServer(region_url, tmp_path, extra=["--certfile", str(cert), "--keyfile", str(key)]).start()
    try:
        hall = DemoHall(tmp_path / "hall.db", "H001", register("H001"), transport=None,
                        url=f"https://127.0.0.1:{server.port}")
        hall.serve_citizens(2)
        refused = hall.outbox.run_once()  # the system's CAs do not know this self-signed certificate
        assert refused.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in refused.message
        trusting = Outbox(hall.storage, hall.settings.__class__(**{**hall.settings.__dict__, "ca_file": str(cert)}),
                          hall.service.hall, hall.clock)
        assert trusting.run_once().backlog == 0
        assert region_ctx.halls.overview()[0]["acknowledged"] == hall.event_count()
        hall.close()
    finally:
        server.stop()


def test_the_prefecture_section_is_checked_at_start() -> None:
    good = {"url": "https://prefecture.example.gov.cn", "token": "hall-x", "hall_code": "KL01"}
    assert parse_config({"prefecture": good}).prefecture.hall_code == "KL01"
    with pytest.raises(ConfigError, match="https"):
        parse_config({"prefecture": {**good, "url": "http://prefecture.example.gov.cn"}})
    assert parse_config({"prefecture": {**good, "url": "http://127.0.0.1:5100"}}).prefecture.url
    with pytest.raises(ConfigError, match="hall_code"):
        parse_config({"prefecture": {**good, "hall_code": ""}})
    with pytest.raises(ConfigError, match="unknown"):
        parse_config({"prefecture": {**good, "colour": "red"}})


def test_the_region_commands_register_a_hall_and_ship_its_log(region_url: str, tmp_path: Path, capsys,
                                                              monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("a-long-password\n"))
    assert cli_main(["region", "user", "add", "admin", "--role", "admin", "--password-stdin", "--db", region_url]) == 0
    assert cli_main(["region", "hall", "add", "KL01", "--name", "凯里市社保大厅", "--agency-code", "KL",
                     "--region-code", "522601", "--db", region_url]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli_main(["region", "hall", "add", "KL02", "--name", "x", "--agency-code", "KL", "--region-code", "north",
                     "--db", region_url]) == 2
    assert "区划编码" in capsys.readouterr().err
    server = RegionServer(region_url, tmp_path).start()
    try:
        config = tmp_path / "hall.toml"
        config.write_text(f'[prefecture]\nurl = "{server.url}"\ntoken = "{token}"\nhall_code = "KL01"\n',
                          encoding="utf-8")
        assert cli_main(["region", "ship", "--config", str(config), "--db", str(tmp_path / "hall.db"), "--once"]) == 0
        assert "idle: sent 0" in capsys.readouterr().out
    finally:
        server.stop()
    assert cli_main(["region", "check-rollups", "--db", region_url]) == 0
    assert cli_main(["region", "catalogue", "publish", str(config), "--db", region_url]) == 2
