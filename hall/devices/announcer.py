"""The announcer: on every call, the WAV is rendered at once and, if configured, played on the server's speakers.

A bus listener of the device-owner process. The lobby screens fetch the same WAV by its content
address (``hall.devices.voice``); rendering it as soon as the call is logged means it is usually
ready before the first screen asks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers.speech import LocalPlayer

from ..domain import events as ev
from ..periodic import JobThread
from .status import DeviceStatusStore
from .voice import Voice

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerPlayback:
    """[speech] play_on_server and play_command: whether and how the server plays calls on its own speakers."""

    enabled: bool = False
    command: tuple[str, ...] = ("aplay", "-q")


class Announcer:
    """Renders each call's announcement and plays it on the server when asked to; never overlapping."""

    def __init__(self, voice: Voice, playback: ServerPlayback, status: DeviceStatusStore) -> None:
        self.voice = voice
        self.playback = playback
        self.player: LocalPlayer | None = None
        self._jobs = JobThread("announcer")
        self._status = status

    def start(self) -> None:
        self._jobs.start()
        if self.playback.enabled:
            self.player = LocalPlayer(self.playback.command,
                                      on_status=lambda state, message: self._status.set_status("speaker", state,
                                                                                               message))
            self.player.start()

    def close(self) -> None:
        self._jobs.close()
        if self.player is not None:
            self.player.close()
            self.player = None

    def on_event(self, event: ev.HallEvent) -> None:
        if not isinstance(event, (ev.TicketCalled, ev.TicketRecalled)) or event.counter is None:
            return
        number = (event.ticket or {}).get("number") or event.data.get("number")
        if number:
            counter = event.counter
            self._jobs.put(lambda: self._announce(str(number), counter))

    def wait_played(self, timeout: float) -> bool:
        """Block until every queued announcement has been rendered and played (for tests)."""
        return self._jobs.wait_idle(timeout) and (self.player is None or self.player.wait_idle(timeout))

    def _announce(self, number: str, counter: int) -> None:
        announcement = self.voice.announce(number, counter)
        if announcement is None or self.player is None:
            return
        path = self.voice.file_for(announcement.key, number, counter, timeout=30.0)
        if path is not None:
            self.player.play(path)
