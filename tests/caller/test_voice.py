"""The voice of a call: a Mandarin WAV per call served to the lobby, and calls never lost when speech fails."""

from __future__ import annotations

import dataclasses
import io
import queue
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from drivers.announce_text import announcement_text
from drivers.speech import SpeechSettings
from hall.config import Config, SpeechSection
from hall.devices import Voice
from hall.web import create_app
from hall.web.context import HallContext
from hall.web.extensions import socketio
from tests.conftest import login, received, running_hall


@pytest.fixture
def speaking_app(config: Config, clock) -> Iterator[Flask]:
    """The demo hall with `[speech] backend = "wav"` (pyttsx3 on espeak-ng, voice cmn-latn-pinyin)."""
    with running_hall(dataclasses.replace(config, speech=SpeechSection(backend="wav")), clock) as app:
        yield app


@pytest.fixture
def lobby_of(speaking_app: Flask) -> Iterator[object]:
    """A lobby screen's Socket.IO client on the speaking app."""
    sio = socketio.test_client(speaking_app, namespace="/lobby", flask_test_client=speaking_app.test_client())
    yield sio
    if sio.is_connected("/lobby"):
        sio.disconnect(namespace="/lobby")


def test_numbers_read_the_hall_way() -> None:
    assert announcement_text("A001", 3) == "请A 零零一号到三号窗口办理"
    assert announcement_text("B012", 12) == "请B 零一二号到十二号窗口办理"
    assert announcement_text("A001", 3, lang="en") == "Number A 0 0 1, please go to counter 3"
    assert announcement_text("C105", 4, template="{number}，请到{counter}号窗口") == "C 一零五，请到四号窗口"


def test_each_call_produces_a_mandarin_wav_the_lobby_can_play(speaking_app: Flask, lobby_of) -> None:
    ctx: HallContext = speaking_app.extensions["onewindow"]
    client, clerk = speaking_app.test_client(), speaking_app.test_client()
    login(clerk, "clerk3")
    lobby = lobby_of
    client.post("/api/v1/tickets", json={"service": "A01", "print": False})
    assert clerk.post("/api/v1/counters/3/call-next", json={}).status_code == 200

    [call] = [m["args"][0] for m in received(lobby, "/lobby", ctx, "ticket_called")]
    assert call["number"] == "A001" and call["counter"] == 3 and call["audio_url"].startswith("/speech/")
    with client.get(call["audio_url"]) as response:  # waits while the speech worker renders
        assert response.status_code == 200 and response.mimetype in ("audio/wav", "audio/x-wav", "audio/wave")
        audio = response.data
    with wave.open(io.BytesIO(audio)) as wav:
        assert wav.getframerate() == 22050 and wav.getnchannels() == 1 and wav.getsampwidth() == 2
        seconds = wav.getnframes() / wav.getframerate()
    assert seconds > 1.0

    # A recall re-announces the same sentence: the lobby is sent the cached WAV again.
    clerk.post("/api/v1/counters/3/recall", json={})
    [again] = [m["args"][0] for m in received(lobby, "/lobby", ctx, "ticket_called")]
    assert again["recall"] is True and again["audio_url"] == call["audio_url"]


class BrokenEngine:
    """A speech engine whose every render fails, as when espeak-ng is missing or crashes."""

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings

    def render(self, text: str, voice: str, path: Path) -> None:
        raise RuntimeError("espeak-ng crashed")

    def close(self) -> None:
        """Nothing to release."""


def break_the_voice(ctx: HallContext) -> None:
    """Replace the hall's voice by one whose engine always fails (before the device owner starts)."""
    ctx.voice.close()
    ctx.voice = Voice(ctx.voice.settings, ctx.storage, ctx.device_status, engine_factory=BrokenEngine)
    ctx.voice.start()
    statuses: queue.Queue[tuple[str, str]] = queue.Queue()
    ctx.device_status.subscribe(lambda device, entry: statuses.put((device, entry["state"])))
    ctx.statuses = statuses  # type: ignore[attr-defined]


def test_speech_failure_never_loses_a_call(config: Config, clock) -> None:
    with running_hall(dataclasses.replace(config, speech=SpeechSection(backend="wav")), clock,
                      before_start=break_the_voice) as speaking_app:
        lobby = socketio.test_client(speaking_app, namespace="/lobby", flask_test_client=speaking_app.test_client())
        calls_go_on_without_sound(speaking_app, lobby)


def calls_go_on_without_sound(speaking_app: Flask, lobby) -> None:
    ctx: HallContext = speaking_app.extensions["onewindow"]
    statuses = ctx.statuses  # type: ignore[attr-defined]
    client, clerk = speaking_app.test_client(), speaking_app.test_client()
    login(clerk, "clerk3")
    for service in ("A01", "B01"):
        client.post("/api/v1/tickets", json={"service": service, "print": False})
    called = clerk.post("/api/v1/counters/3/call-next", json={})
    assert called.status_code == 200 and called.get_json()["ticket"]["state"] == "called"

    [call] = [m["args"][0] for m in received(lobby, "/lobby", ctx, "ticket_called")]
    assert call["number"] == "A001"  # the lobby still shows the call
    assert client.get(call["audio_url"]).status_code == 404  # there is just no sound for it
    while statuses.get(timeout=10) != ("speech", "error"):
        pass
    # The hall goes on: the next call works the same.
    clerk.post("/api/v1/counters/3/start", json={})
    clerk.post("/api/v1/counters/3/finish", json={})
    assert clerk.post("/api/v1/counters/3/call-next", json={}).get_json()["ticket"]["number"] == "B001"


def test_the_managers_announcement_template_is_what_the_hall_says(speaking_app: Flask, lobby_of) -> None:
    ctx: HallContext = speaking_app.extensions["onewindow"]
    manager, client, clerk = speaking_app.test_client(), speaking_app.test_client(), speaking_app.test_client()
    login(manager, "manager")
    login(clerk, "clerk2")
    saved = manager.put("/api/v1/admin/settings",
                        json={"announcement_template": {"zh": "{number}号请到{counter}号窗口",
                                                        "en": "{number} to {counter}"}})
    assert saved.status_code == 200, saved.get_json()
    client.post("/api/v1/tickets", json={"service": "A01", "print": False})
    clerk.post("/api/v1/counters/2/call-next", json={})
    [call] = [m["args"][0] for m in received(lobby_of, "/lobby", ctx, "ticket_called")]
    expected = announcement_text("A001", 2, template="{number}号请到{counter}号窗口")
    assert call["audio_url"] == f"/speech/{ctx.voice.worker.key_for(expected)}.wav?number=A001&counter=2"


def test_the_server_plays_each_call_on_its_own_speakers(config: Config, clock, tmp_path: Path) -> None:
    # `cp WAV DIR` stands in for aplay: a real subprocess per announcement, one after another.
    played = tmp_path / "played"
    played.mkdir()
    speech = SpeechSection(backend="wav", options={"play_on_server": True, "play_command": ["cp", "-t", str(played)]})
    with running_hall(dataclasses.replace(config, speech=speech), clock) as app:
        ctx: HallContext = app.extensions["onewindow"]
        client, clerk = app.test_client(), app.test_client()
        login(clerk, "clerk1")
        client.post("/api/v1/tickets", json={"service": "A01", "print": False})
        clerk.post("/api/v1/counters/1/call-next", json={})
        clerk.post("/api/v1/counters/1/recall", json={})
        ctx.live.wait_idle()
        announcer = ctx.owner.announcer
        assert announcer.wait_played(30)
        key = ctx.voice.worker.key_for(announcement_text("A001", 1))
        assert [p.name for p in announcer.player.played] == [f"{key}.wav", f"{key}.wav"]  # the recall again
        with wave.open(str(played / f"{key}.wav")) as wav:
            assert wav.getnframes() / wav.getframerate() > 1.0


def test_a_bad_play_command_stops_the_start_with_a_message(config: Config) -> None:
    from hall.config import ConfigError

    speech = SpeechSection(backend="wav", options={"play_on_server": True, "play_command": "aplay"})
    with pytest.raises(ConfigError, match="play_command"):
        create_app(dataclasses.replace(config, speech=speech))
