"""Tickets print on their own kiosk's printer; the bytes say the right thing; faults never lose a ticket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drivers.ticket import FS_CHINESE_MODE_ON
from hall.config import ConfigError, parse_config
from hall.storage import repo
from tests.conftest import printer_worker, wait_print

QR_STORE = b"\x1d(k"  # GS ( k: the printer draws the QR code
CUT = b"\x1dV"  # GS V
RASTER = b"\x1dv0"  # GS v 0: raster bit image


def take(client, kiosk: str, **body) -> dict:
    response = client.post("/api/v1/tickets", json={"bundle": "P07", "kiosk": kiosk, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


#: The formatting commands the ticket sends before each text line (init, FS &/., GS ! n, GS B n, ESC E/a/M/- n).
_COMMANDS = re.compile(rb"\x1b@|\x1c[&.]|(?:\x1d[!B]|\x1b[EaM\-!t{])[\x00-\xff]", re.DOTALL)


def text_lines(data: bytes) -> list[str]:
    """The ticket's text lines as a person reads them: GB18030 decoded, formatting commands removed."""
    text_part = data.split(QR_STORE)[0]
    return [line.strip() for line in _COMMANDS.sub(b"", text_part).decode("gb18030").splitlines() if line.strip()]


def test_ticket_bytes_from_the_kiosks_file_printer(client, ctx, ticket_file: Path):
    ticket = take(client, "east")
    assert wait_print(ctx, ticket["id"])["state"] == "printed"
    data = ticket_file.read_bytes()
    assert FS_CHINESE_MODE_ON in data
    lines = text_lines(data)
    wait = ticket["wait_estimate"]  # the range the kiosk's screen shows, printed the same
    for expected in ("社会保险综合服务大厅", ticket["number"], "职工退休", "前面还有 0 人",
                     f"预计等候约 {wait['low']}–{wait['high']} 分钟",
                     "取号时间 2026-11-25 09:00", "过号请重新取号", "扫码查看排队进度"):
        assert expected in lines, (expected, lines)
    assert QR_STORE in data and ticket["status_url"].encode() in data
    assert data.rstrip(b"\x00").find(CUT) > data.find(QR_STORE)
    assert lines[:4] == ["社会保险综合服务大厅", ticket["number"], "职工退休", "前面还有 0 人"]


def test_full_width_digits_and_punctuation_print_right(client, ctx, ticket_file: Path):
    with ctx.storage.write() as db:
        repo.set_setting(db, "notices", {"zh": ["１２３：（）", "请到３号窗口！"], "en": []})
    ticket = take(client, "east")
    wait_print(ctx, ticket["id"])
    data = ticket_file.read_bytes()
    assert "１２３：（）".encode("gb18030") + b"\n" in data
    assert "１２３：（）" in text_lines(data) and "请到３号窗口！" in text_lines(data)
    assert b"?" not in data.split(QR_STORE)[0]


def test_kiosks_print_on_their_own_printers_and_unknown_ones_on_the_default(client, ctx, ticket_file: Path):
    west = take(client, "west")
    stranger = take(client, "somewhere-else")
    assert wait_print(ctx, west["id"])["printer"] == "printer:west"
    assert wait_print(ctx, stranger["id"])["printer"] == "printer"
    assert len(printer_worker(ctx, "printer:west").simulated_output()) == 1
    assert west["number"].encode() in printer_worker(ctx, "printer:west").simulated_output()[0]
    assert stranger["number"].encode() in printer_worker(ctx).simulated_output()[0]
    assert not ticket_file.exists()


def test_raster_mode_sends_one_image(client, ctx):
    ticket = take(client, "raster")
    assert wait_print(ctx, ticket["id"])["state"] == "printed"
    data = printer_worker(ctx, "printer:raster").simulated_output()[0]
    assert RASTER in data and CUT in data
    assert "职工退休".encode("gb18030") not in data


@pytest.mark.parametrize(("kiosk", "state"), [("broken", "error"), ("net", "offline"), ("west", "paper_out")])
def test_printer_faults_keep_the_ticket_and_say_so(client, ctx, kiosk: str, state: str):
    if kiosk == "west":
        printer_worker(ctx, "printer:west").inject_fault("paper_out")
    ticket = take(client, kiosk)
    printed = wait_print(ctx, ticket["id"])
    assert printed["state"] == "failed" and printed["error"]
    # The ticket is committed and waiting, and the kiosk's ticket screen learns of the fault.
    status = client.get(f"/api/v1/status/{ticket['token']}").get_json()
    assert status["state"] == "waiting" and status["print"]["state"] == "failed"
    device = {d["device"]: d for d in ctx.device_status.statuses()}[f"printer:{kiosk}"]
    assert device["state"] == state
    page = client.get(f"/kiosk/{kiosk}/ticket/{ticket['token']}").get_data(as_text=True)
    assert ticket["number"] in page and "打印机出现故障" in page
    assert f"/t/{ticket['token']}/ticket.png" in page  # the number and its QR stay on screen


def test_reprint_from_the_kiosk_after_a_fault(client, ctx, clock):
    worker = printer_worker(ctx, "printer:west")
    worker.inject_fault("offline")
    ticket = take(client, "west")
    assert wait_print(ctx, ticket["id"])["state"] == "failed"
    worker.clear_fault()
    response = client.post("/api/v1/kiosk/reprint", json={"token": ticket["token"]})
    assert response.status_code == 202
    assert wait_print(ctx, ticket["id"])["state"] == "printed"
    assert ticket["number"].encode() in worker.simulated_output()[-1]
    assert client.post("/api/v1/kiosk/reprint", json={"token": ticket["token"]}).status_code == 202
    refused = client.post("/api/v1/kiosk/reprint", json={"token": ticket["token"]})
    assert refused.status_code == 409 and refused.get_json()["error"] == "reprint_refused"


def test_kiosk_reprint_only_within_minutes_and_by_token(client, ctx, clock, manager):
    ticket = take(client, "west")
    wait_print(ctx, ticket["id"])
    clock.advance(6 * 60)
    late = client.post("/api/v1/kiosk/reprint", json={"token": ticket["token"]})
    assert late.status_code == 409 and late.get_json()["details"]["reason"] == "too_late"
    assert client.post("/api/v1/kiosk/reprint", json={"token": "guess"}).status_code == 404
    assert client.post("/api/v1/kiosk/reprint", data="token=x").status_code == 415
    # The managers' console can still reprint it, on the kiosk's own printer.
    assert manager.post(f"/api/v1/tickets/{ticket['id']}/reprint", json={}).status_code == 202
    assert wait_print(ctx, ticket["id"])["printer"] == "printer:west"


def test_ticket_preview_png_is_public_by_token_only(client):
    ticket = take(client, "west")
    png = client.get(f"/t/{ticket['token']}/ticket.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/t/not-a-token/ticket.png").status_code == 404


def test_kiosks_config_table():
    config = parse_config({"kiosks": [
        {"id": "east", "name": "东门", "idle_seconds": 30, "printer": {"backend": "network", "host": "10.0.0.9"}},
        {"id": "west"},
    ]})
    east, west = config.kiosks
    assert (east.idle_seconds == 30 and east.printer.backend == "network"
            and east.printer.options == {"host": "10.0.0.9"})
    assert west.printer is None and west.idle_seconds == 60
    for bad in ([{"id": "a b"}], [{"id": "a"}, {"id": "a"}], [{"id": "a", "idle_seconds": 2}],
                [{"id": "a", "printer": {"backend": "laser"}}], [{"id": "a", "colour": "red"}], {"id": "a"}):
        with pytest.raises(ConfigError):
            parse_config({"kiosks": bad})
