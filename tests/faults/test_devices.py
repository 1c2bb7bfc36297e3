"""Printer and speech faults injected while the hall runs: nothing lost, status on the console, recovery."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from drivers.speech import SimulatedSpeechEngine, SpeechSettings
from hall.config import Config, SpeechSection
from hall.devices import Voice
from hall.web.context import HallContext
from hall.web.extensions import socketio
from tests.conftest import login, printer_worker, received, running_hall, wait_print

SPEECH_BROKEN = threading.Event()


class FlakyEngine(SimulatedSpeechEngine):
    """A simulated voice that fails while SPEECH_BROKEN is set, as when the sound engine crashes."""

    def __init__(self, settings: SpeechSettings) -> None:
        super().__init__(settings)

    def render(self, text: str, voice: str, path: Path) -> None:
        if SPEECH_BROKEN.is_set():
            raise RuntimeError("speech engine crashed")
        super().render(text, voice, path)


def flaky_voice(ctx: HallContext) -> None:
    ctx.voice.close()
    ctx.voice = Voice(ctx.voice.settings, ctx.storage, ctx.device_status, engine_factory=FlakyEngine)
    ctx.voice.start()


@pytest.fixture
def hall(config: Config, clock) -> Iterator[Flask]:
    SPEECH_BROKEN.set()
    with running_hall(dataclasses.replace(config, speech=SpeechSection(backend="wav")), clock,
                      before_start=flaky_voice) as app:
        yield app
    SPEECH_BROKEN.clear()


def device_states(messages: list[dict]) -> dict[str, str]:
    states: dict[str, str] = {}
    for m in messages:
        if m["name"] == "device_status":
            states[m["args"][0]["device"]] = m["args"][0]["state"]
    return states


def test_printer_and_speech_faults_lose_nothing_show_on_the_console_and_recover(hall: Flask) -> None:
    ctx: HallContext = hall.extensions["onewindow"]
    kiosk, clerk, manager = hall.test_client(), hall.test_client(), hall.test_client()
    login(clerk, "clerk1")
    login(manager, "manager")
    console = socketio.test_client(hall, namespace="/console", flask_test_client=manager)
    lobby = socketio.test_client(hall, namespace="/lobby")
    assert console.is_connected("/console") and lobby.is_connected("/lobby")
    received(console, "/console", ctx), received(lobby, "/lobby", ctx)

    printer = printer_worker(ctx)
    printer.inject_fault("paper_out")
    tickets = []
    for _ in range(5):
        response = kiosk.post("/api/v1/tickets", json={"service": "A01"})
        assert response.status_code == 201  # the ticket is committed whatever the printer does
        tickets.append(response.get_json())
    assert [t["number"] for t in tickets] == ["A001", "A002", "A003", "A004", "A005"]
    for t in tickets:
        assert wait_print(ctx, t["id"])["state"] == "failed"
        assert kiosk.get(f"/api/v1/tickets/{t['id']}").get_json()["print"]["state"] == "failed"
    first = clerk.post("/api/v1/counters/1/call-next", json={}).get_json()["ticket"]
    assert first["number"] == "A001"
    calls = [m["args"][0] for m in received(lobby, "/lobby", ctx, "ticket_called")]
    assert [c["number"] for c in calls] == ["A001"]  # the screen shows the call even without sound
    with kiosk.get(calls[0]["audio_url"]) as missing:
        assert missing.status_code == 404
    # The speech worker reports asynchronously: wait for its status to reach the console.
    ctx.voice.worker.wait_ready(calls[0]["audio_url"].split("/")[-1].split(".wav")[0], timeout=10)
    states = device_states(received(console, "/console", ctx))
    assert states.get("printer") == "paper_out" and states.get("speech") == "error"
    assert {s["device"]: s["state"] for s in ctx.device_status.statuses()}["printer"] == "paper_out"

    # The devices come back: paper loaded, the voice restarted.
    printer.clear_fault()
    SPEECH_BROKEN.clear()
    reprint = manager.post(f"/api/v1/tickets/{tickets[1]['id']}/reprint", json={})
    assert reprint.status_code == 202
    assert wait_print(ctx, tickets[1]["id"])["state"] == "printed"
    assert clerk.post("/api/v1/counters/1/no-show", json={}).status_code == 200
    second = clerk.post("/api/v1/counters/1/call-next", json={}).get_json()["ticket"]
    assert second["number"] == "A002"
    [call] = [m["args"][0] for m in received(lobby, "/lobby", ctx, "ticket_called")]
    with kiosk.get(call["audio_url"]) as audio:
        assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    states = device_states(received(console, "/console", ctx))
    assert states.get("printer") == "ok" and states.get("speech") == "ok"
    with ctx.storage.read() as db:
        assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 5
