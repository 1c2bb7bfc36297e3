"""The hall's voice: announcement WAVs addressed by their content, rendered by whichever process is asked.

A call's sentence ("请A001号到3号窗口办理") follows from the ticket number, the counter and the hall's
announcement template; its file name is a hash of the sentence and the voice settings. The lobby is
sent ``/speech/<key>.wav?number=A001&counter=3``: any server process can rebuild the sentence from
those, check that it hashes to the key, and render it if no process has yet. The files live in the
instance folder's speech directory, shared by every process on the machine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from drivers.announce_text import announcement_text
from drivers.speech import EngineFactory, SpeechSettings, SpeechWorker

from ..admin import saved_announcement_template
from ..concurrency import native_thread
from ..storage import Storage
from .status import DeviceStatusStore

logger = logging.getLogger(__name__)

DEVICE = "speech"


@dataclass(frozen=True)
class Announcement:
    """One call's WAV: its content key and the URL a lobby fetches it from."""

    key: str
    url: str


class Voice:
    """Renders and finds announcement WAVs; ``start()`` before use, ``close()`` to finish queued renders."""

    def __init__(self, settings: SpeechSettings, storage: Storage, status: DeviceStatusStore | None = None, *,
                 engine_factory: EngineFactory | None = None) -> None:
        self.settings = settings
        self.storage = storage
        self.status = status
        self.worker = SpeechWorker(settings, on_status=self._on_status, engine_factory=engine_factory,
                                   thread_factory=native_thread)

    @property
    def enabled(self) -> bool:
        return self.worker.enabled

    def start(self) -> None:
        self.worker.start()

    def close(self) -> None:
        self.worker.close()

    def sentence(self, number: str, counter: int) -> str | None:
        """What the hall says for a call of *number* to *counter* (the managers' template, if they saved one)."""
        with self.storage.read() as db:
            template = saved_announcement_template(db, self.settings.lang) or self.settings.template
        try:
            return announcement_text(number, counter, lang=self.settings.lang, template=template)
        except ValueError:
            logger.exception("announcement template failed for %s", number)
            return None

    def announce(self, number: str, counter: int) -> Announcement | None:
        """Queue the call's WAV (nothing if it exists already); None without speech."""
        if not self.enabled:
            return None
        text = self.sentence(number, counter)
        if text is None:
            return None
        key = self.worker.request(text)
        return Announcement(key, "/speech/" + key + ".wav?" + urlencode({"number": number, "counter": counter}))

    def file_for(self, key: str, number: str | None, counter: int | None, timeout: float = 10.0) -> Path | None:
        """The WAV for *key*: rendered now from (number, counter) if no process has rendered it yet."""
        if not self.enabled or not key.isalnum() or len(key) > 40:
            return None
        path = self.worker.path_for(key)
        if path.exists():
            return path
        if number is None or counter is None:
            return None
        text = self.sentence(number, counter)
        if text is None or self.worker.key_for(text) != key:
            return None  # not a sentence of this hall (or the template changed since the call)
        self.worker.request(text)
        return self.worker.wait_ready(key, timeout)

    def _on_status(self, state: str, message: str) -> None:
        if self.status is None:
            return
        if state == "ok":
            # "ok" only when what was rendered is where the lobby will ask for it.
            directory = self.settings.dir
            if not directory.is_absolute() or not directory.is_dir():
                self.status.set_status(DEVICE, "error", f"speech folder {directory} is not an absolute folder")
                return
            self.status.set_status(DEVICE, "ok", f"announcements ready in {directory}")
        else:
            self.status.set_status(DEVICE, state, message)
