"""The demo hall as the README ships it (issue 12, points 1-3): the voice is heard, the QR codes reach phones.

The test does what `scripts/demo` does — `docs/demo-hall.toml` copied to `instance/hall.toml` in a fresh
folder, `onewindow serve --demo --config instance/hall.toml`, relative paths and all — then uses the hall
in Chromium.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import wave
from io import BytesIO
from pathlib import Path

import pytest
import requests

from drivers.announce_text import announcement_text
from drivers.speech import SpeechSettings, SpeechWorker
from tests.faults.realserver import staff_session
from tests.live import LiveServer, free_port

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ZBARIMG = shutil.which("zbarimg")


def decode_qr(png: bytes) -> str:
    """The text of the QR code in a PNG, decoded by zbar (Debian zbar-tools)."""
    if ZBARIMG is None:
        pytest.fail("zbarimg is not installed (scripts/install.sh --test installs zbar-tools)")
    out = subprocess.run([ZBARIMG, "--quiet", "--raw", "-"], input=png, capture_output=True, check=True)
    return out.stdout.decode().strip()


def open_the_shipped_hall(url: str) -> None:
    """The shipped demo gives out tickets in its service hours only: outside them, the manager opens it early."""
    manager = staff_session(url, "manager")
    if not manager.get(f"{url}/api/v1/admin/hours", timeout=10).json()["open_now"]:
        manager.post(f"{url}/api/v1/admin/hours/open-early", json={}, timeout=10).raise_for_status()


@pytest.fixture
def shipped_demo(tmp_path: Path):
    """`scripts/demo`: the shipped configuration copied to instance/hall.toml, the hall served from the checkout."""
    (tmp_path / "instance").mkdir()
    shutil.copy(ROOT / "docs" / "demo-hall.toml", tmp_path / "instance" / "hall.toml")
    port = free_port()
    server = LiveServer(tmp_path, port, argv=[sys.executable, "-m", "hall.cli", "serve", "--demo", "--config",
                                               "instance/hall.toml", "--host", "0.0.0.0", "--port", str(port)])
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_shipped_demo_speaks_and_its_qr_codes_reach_phones(shipped_demo: LiveServer, browser):
    server = shipped_demo
    banner = server.read_banner()
    public = re.search(r"public address (\S+)", banner).group(1)
    assert "127.0.0.1" not in public or public.startswith("http://127.0.0.1")  # the LAN address when there is one
    assert "set [hall] public_url" in banner and f"{public}/kiosk" in banner

    context = browser.new_context(locale="zh-CN")
    lobby = context.new_page()
    wavs = []
    lobby.on("response", lambda r: wavs.append(r) if "/speech/" in r.url else None)
    lobby.goto(f"{server.url}/lobby")
    lobby.wait_for_function("() => document.documentElement.dataset.snapshots >= 1")

    clerk = staff_session(server.url, "clerk3")
    open_the_shipped_hall(server.url)
    ticket = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01", "kiosk": "kiosk-1"}, timeout=10)
    assert ticket.status_code == 201
    called = clerk.post(f"{server.url}/api/v1/counters/3/call-next", json={}, timeout=10).json()["ticket"]
    lobby.wait_for_function(
        f"() => document.getElementById('now-calling').textContent.startsWith({called['number']!r})")
    with lobby.expect_response(lambda r: "/speech/" in r.url, timeout=15000) as fetched:
        pass
    response = fetched.value if not wavs else wavs[0]
    assert response.status in (200, 206)  # Chromium asks for audio with a Range header
    whole = requests.get(response.url, timeout=30)
    assert whole.status_code == 200 and whole.headers["Content-Type"].startswith("audio/")
    body = whole.content
    assert body[:4] == b"RIFF"
    with wave.open(BytesIO(body)) as wav:
        assert wav.getnchannels() == 1 and wav.getnframes() / wav.getframerate() > 1.5
    # The WAV is the sentence of this call, with the demo's voice settings.
    sentence = announcement_text(called["number"], 3)
    key = SpeechWorker(SpeechSettings.from_mapping({"backend": "wav", "dir": str(server.workdir)})).key_for(sentence)
    assert f"/speech/{key}.wav" in response.url
    assert (server.workdir / "instance" / "speech" / f"{key}.wav").read_bytes() == body  # in the instance folder
    context.close()

    # The printed ticket's QR (raw ESC/POS in instance/tickets.escpos) and its preview point at the public address.
    printed = (server.workdir / "instance" / "tickets.escpos").read_bytes()
    store = re.search(rb"\x1d\(k..1P0(.*?)\x1d\(k", printed, re.S)
    assert store and store.group(1).decode() == f"{public}/t/{ticket.json()['token']}"
    preview = requests.get(f"{server.url}/t/{ticket.json()['token']}/ticket.png", timeout=10).content
    assert decode_qr(preview) == f"{public}/t/{ticket.json()['token']}"
    # A reprint carries the same address.
    manager = staff_session(server.url, "manager")
    assert manager.post(f"{server.url}/api/v1/tickets/{ticket.json()['id']}/reprint", json={},
                        timeout=10).status_code == 202
    # The console says the speech device is ok only now that its WAV was served.
    devices = {d["device"]: d for d in manager.get(f"{server.url}/api/v1/console/live", timeout=10).json()["devices"]}
    assert devices["speech"]["state"] == "ok"


def test_a_guide_qr_points_at_the_configured_public_address(tmp_path: Path, browser):
    (tmp_path / "instance").mkdir()
    config = (ROOT / "docs" / "demo-hall.toml").read_text(encoding="utf-8")
    (tmp_path / "instance" / "hall.toml").write_text(
        config.replace("[hall]\n", '[hall]\npublic_url = "https://hall.example.gov.cn"\n', 1), encoding="utf-8")
    port = free_port()
    server = LiveServer(tmp_path, port, argv=[sys.executable, "-m", "hall.cli", "serve", "--demo", "--config",
                                               "instance/hall.toml", "--port", str(port)]).start()
    try:
        server.read_banner()
        page = browser.new_page()
        page.goto(f"{server.url}/kiosk/kiosk-1/item/A01")
        png = page.locator(".qr svg, .qr img, svg").first.screenshot()
        assert decode_qr(png) == "https://hall.example.gov.cn/guide/A01"
        page.close()
    finally:
        server.stop()
