"""Hall voice announcements: sentences rendered to cached WAV files by one speech worker thread.

The caller service builds a sentence with ``drivers.announce_text.announcement_text`` and
hands it to ``SpeechWorker.request``, which returns a cache key at once; the lobby screen
(or ``LocalPlayer``) plays ``path_for(key)`` once ``wait_ready`` says it exists. Speech
never runs inside a request: one worker thread owns the engine, because espeak-ng is a
process-wide, non-thread-safe library.

Notes on pyttsx3 2.99's espeak driver, which ``Pyttsx3Engine`` works around:

* ``setProperty("voice", …)`` failures are only *notified* and the previous voice stays,
  so a wrong voice id would silently speak Chinese with the English voice. We listen for
  the ``error`` notification and compare the voice after the render.
* If the WAV cannot be written the exception dies inside the ctypes callback and
  ``runAndWait`` loops forever. We create the target file ourselves first, so an unwritable
  directory fails in our code instead of hanging the worker.
* ``runAndWait`` calls ``stop()`` first, which cancels synthesis whenever espeak's thread is
  still busy, here usually with the rate/volume commands just queued: the utterance is cut
  short and its file is written late, partly or not at all. We ``espeak_Synchronize`` before
  every render and require a completed ``finished-utterance`` notification.
* It ``print``s "Audio saved to …" on every file and always labels the file 22050 Hz
  (espeak-ng's rate for its own voices). stdout is captured for the render and logged at
  DEBUG; the rate is read back from the file and chimes are generated at that rate.
"""

from __future__ import annotations

import array
import contextlib
import functools
import hashlib
import io
import json
import logging
import math
import os
import queue
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from drivers.announce_text import LANGS, validate_template, voice_segments

logger = logging.getLogger(__name__)

BACKENDS = ("none", "wav")
StatusCallback = Callable[[str, str], None]

# libespeak-ng is one global synthesiser per process; every render in the process goes through this lock.
_ESPEAK_LOCK = threading.Lock()
_REPEAT_GAP_SECONDS = 0.4


class SpeechError(Exception):
    """Base class of speech driver errors."""


class SpeechConfigError(SpeechError, ValueError):
    """The [speech] settings are invalid."""


class SpeechRenderError(SpeechError):
    """The engine could not turn a sentence into a WAV file."""


@dataclass(frozen=True)
class SpeechSettings:
    """Validated settings of the hall voice ([speech] section of the config)."""

    backend: str = "wav"
    dir: Path = Path("speech")
    voice: str = "cmn-latn-pinyin"
    voice_en: str = "en"
    rate: int = 150
    volume: float = 1.0
    chime: bool = True
    repeat: int = 1
    lang: str = "zh"
    template: str | None = None

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> "SpeechSettings":
        """Build settings from a config mapping (TOML or environment strings), raising SpeechConfigError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(m) - known)
        if unknown:
            raise SpeechConfigError(f"unknown [speech] option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values: dict[str, Any] = {}
        try:
            for name, raw in m.items():
                values[name] = _coerce(name, raw)
        except (TypeError, ValueError) as exc:
            raise SpeechConfigError(f"[speech] {name} = {raw!r}: {exc}") from exc
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise SpeechConfigError if a value is out of range."""
        problems = []
        if self.backend not in BACKENDS:
            problems.append(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if not 80 <= self.rate <= 450:
            problems.append(f"rate must be 80..450 words per minute, not {self.rate}")
        if not 0.0 <= self.volume <= 1.0:
            problems.append(f"volume must be 0.0..1.0, not {self.volume}")
        if not 1 <= self.repeat <= 5:
            problems.append(f"repeat must be 1..5, not {self.repeat}")
        if not self.voice or not self.voice_en:
            problems.append("voice and voice_en must not be empty")
        if self.lang not in LANGS:
            problems.append(f"lang must be one of {', '.join(LANGS)}, not {self.lang!r}")
        if self.template is not None:
            try:
                validate_template(self.template)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise SpeechConfigError("invalid [speech] settings: " + "; ".join(problems))


def _coerce(name: str, raw: Any) -> Any:
    """Turn one config value into the field's type; strings from the environment are accepted."""
    if name == "dir":
        return Path(raw)
    if name in ("rate", "repeat", "volume"):
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise TypeError("expected a number")
        return float(raw) if name == "volume" else int(raw)
    if name == "chime":
        words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
        if isinstance(raw, bool) or (isinstance(raw, str) and raw.strip().lower() in words):
            return raw if isinstance(raw, bool) else words[raw.strip().lower()]
        raise TypeError("expected true or false")
    if not isinstance(raw, str) and not (name == "template" and raw is None):
        raise TypeError("expected a string")
    return raw


class SpeechEngine(Protocol):
    """Renders one sentence in one voice to a mono 16-bit WAV file (the engine's one I/O primitive)."""

    def render(self, text: str, voice: str, path: Path) -> None: ...

    def close(self) -> None: ...


EngineFactory = Callable[[SpeechSettings], SpeechEngine]


class Pyttsx3Engine:
    """The real engine: pyttsx3 driving espeak-ng, voices selected by their pyttsx3 id."""

    def __init__(self, settings: SpeechSettings) -> None:
        import pyttsx3  # imported here so that importing this module never touches espeak
        from pyttsx3.drivers import _espeak

        self._synchronize: Callable[[], int] = _espeak.Synchronize

        self._settings = settings
        errors: list[Exception] = []
        finished: list[bool] = []
        self._errors, self._finished = errors, finished

        def on_error(name: str | None = None, exception: Exception | None = None) -> None:
            errors.append(exception or SpeechRenderError("unknown pyttsx3 error"))

        def on_finished(name: str | None = None, completed: bool = False) -> None:
            finished.append(bool(completed))

        # The callback must not reference self: a cycle would let a late garbage collection of this
        # pyttsx3 engine unset the espeak callback that a newer engine relies on (runAndWait would hang).
        with _ESPEAK_LOCK:
            self._engine = pyttsx3.init("espeak")
            self._tokens = [self._engine.connect("error", on_error),
                            self._engine.connect("finished-utterance", on_finished)]
            self.voice_ids = sorted(v.id for v in self._engine.getProperty("voices"))

    def resolve_voice(self, voice: str) -> str:
        """Map a configured voice ('cmn-latn-pinyin' or 'sit/cmn-latn-pinyin') to the engine's voice id."""
        wanted = voice.lower()
        for voice_id in self.voice_ids:
            if voice_id == wanted or voice_id.rsplit("/", 1)[-1] == wanted:
                return voice_id
        similar = [v for v in self.voice_ids if wanted.split("-")[0] in v]
        raise SpeechRenderError(f"espeak-ng voice {voice!r} is not installed (similar: {', '.join(similar) or 'none'})")

    def render(self, text: str, voice: str, path: Path) -> None:
        """Speak ``text`` with ``voice`` into ``path`` (which is created, or overwritten)."""
        voice_id = self.resolve_voice(voice)
        # Creating the file first turns an unwritable path into an OSError here instead of a hang in runAndWait.
        path.write_bytes(b"")
        captured = io.StringIO()
        with _ESPEAK_LOCK:
            self._errors.clear()
            self._finished.clear()
            self._engine.setProperty("voice", voice_id)
            self._engine.setProperty("rate", self._settings.rate)
            self._engine.setProperty("volume", self._settings.volume)
            # Rate and volume are queued to espeak's own thread; if it is still busy when runAndWait
            # starts, pyttsx3 cancels the very utterance it is about to synthesise (most renders, measured).
            self._synchronize()
            self._engine.save_to_file(text, str(path))
            with contextlib.redirect_stdout(captured):
                self._engine.runAndWait()
            current = self._engine.getProperty("voice")
            completed = list(self._finished)
        if captured.getvalue().strip():
            logger.debug("pyttsx3 said: %s", captured.getvalue().strip())
        if self._errors:
            raise SpeechRenderError(f"espeak-ng failed: {self._errors[0]}") from self._errors[0]
        if completed != [True]:
            raise SpeechRenderError(f"espeak-ng did not finish the utterance {text!r} (finished: {completed})")
        if current != voice_id:
            raise SpeechRenderError(f"espeak-ng kept voice {current!r} instead of {voice_id!r}")
        with wave.open(str(path), "rb") as wav:
            if wav.getnframes() == 0:
                raise SpeechRenderError(f"espeak-ng produced no audio for {text!r}")

    def close(self) -> None:
        """Let go of the pyttsx3 engine (libespeak-ng itself stays loaded for the process)."""
        with _ESPEAK_LOCK:
            for token in self._tokens:
                self._engine.disconnect(token)
        self._engine = None


class SimulatedSpeechEngine:
    """A stand-in engine that records what it was asked and writes a quiet tone, 60 ms per character."""

    def __init__(self, settings: SpeechSettings, sample_rate: int = 22050) -> None:
        self.sample_rate = sample_rate
        self.rendered: list[tuple[str, str]] = []

    def render(self, text: str, voice: str, path: Path) -> None:
        """Record (text, voice) and write a tone as long as the text."""
        self.rendered.append((text, voice))
        frames = _tone(self.sample_rate, 440.0, 0.06 * len(text), amplitude=0.05)
        _write_wav(path, self.sample_rate, frames)

    def close(self) -> None:
        """Nothing to release."""


def _tone(rate: int, freq: float, seconds: float, *, amplitude: float = 0.3, decay: float = 0.0) -> bytes:
    """Mono 16-bit little-endian sine, optionally with an exponential fade (a bell-like strike)."""
    count = int(rate * seconds)
    peak = 32767 * amplitude
    omega = 2 * math.pi * freq / rate
    return array.array("h", (int(peak * math.exp(-decay * i / rate) * math.sin(omega * i)) for i in range(count))).tobytes()


@functools.lru_cache(maxsize=4)
def chime_frames(rate: int) -> bytes:
    """A two-tone "ding-dong" (E5 then C5) and a short pause, generated at ``rate`` Hz mono 16-bit."""
    return _tone(rate, 659.25, 0.35, decay=6.0) + _tone(rate, 523.25, 0.5, decay=5.0) + _silence(rate, 0.2)


def _silence(rate: int, seconds: float) -> bytes:
    return b"\x00\x00" * int(rate * seconds)


def _write_wav(path: Path, rate: int, frames: bytes) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(frames)


def _read_mono16(path: Path) -> tuple[int, bytes]:
    """Return (sample rate, frames) of a mono 16-bit WAV, or raise SpeechRenderError."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise SpeechRenderError(f"{path.name}: expected mono 16-bit audio")
        return wav.getframerate(), wav.readframes(wav.getnframes())


class SpeechWorker:
    """Owns the speech engine on one thread and renders announcements to cached WAV files."""

    def __init__(
        self,
        settings: SpeechSettings,
        on_status: StatusCallback | None = None,
        *,
        engine_factory: EngineFactory | None = None,
    ) -> None:
        self.settings = settings
        self._on_status = on_status
        self._engine_factory: EngineFactory = engine_factory or Pyttsx3Engine
        self._jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._pending: dict[str, threading.Event] = {}
        self._thread: threading.Thread | None = None
        self._closed = False
        self._last_state: str | None = None
        self.render_count = 0

    @property
    def enabled(self) -> bool:
        """Whether this worker renders anything (backend is not "none")."""
        return self.settings.backend != "none"

    def start(self) -> None:
        """Create the WAV directory and start the speech thread (no-op for backend "none")."""
        if not self.enabled or self._thread is not None:
            return
        self.settings.dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="speech-worker", daemon=True)
        self._thread.start()
        logger.info("speech worker started, WAVs in %s, voice %s", self.settings.dir, self.settings.voice)

    def key_for(self, text: str) -> str:
        """Stable cache key of a sentence under these settings (sha1 hex, 16 characters)."""
        s = self.settings
        material = json.dumps([text, s.voice, s.voice_en, s.rate, s.volume, s.chime, s.repeat], ensure_ascii=False)
        return hashlib.sha1(material.encode("utf-8")).hexdigest()[:16]

    def path_for(self, key: str) -> Path:
        """Where the WAV for ``key`` is (or will be)."""
        return self.settings.dir / f"{key}.wav"

    def request(self, text: str) -> str:
        """Ask for a sentence to be rendered; returns its key at once (nothing is queued if cached)."""
        key = self.key_for(text)
        if not self.enabled:
            return key
        with self._lock:
            if self._closed:
                logger.warning("speech worker is closed; not rendering %r", text)
                return key
            if key in self._pending or self.path_for(key).exists():
                return key
            self._pending[key] = threading.Event()
        self._jobs.put((key, text))
        return key

    def wait_ready(self, key: str, timeout: float) -> Path | None:
        """Block until the WAV for ``key`` exists and return its path; None on failure, timeout or backend "none"."""
        if not self.enabled:
            return None
        with self._lock:
            done = self._pending.get(key)
        if done is not None:
            done.wait(timeout)
        path = self.path_for(key)
        return path if path.exists() else None

    def close(self, timeout: float = 30.0) -> None:
        """Finish the queued sentences, stop the thread and release the engine."""
        with self._lock:
            self._closed = True
        if self._thread is None:
            return
        self._jobs.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.error("speech worker did not stop within %.0f s", timeout)
        self._thread = None

    def _run(self) -> None:
        engine: SpeechEngine | None = None
        try:
            while (job := self._jobs.get()) is not None:
                key, text = job
                try:
                    if engine is None:
                        engine = self._engine_factory(self.settings)
                    self._render(engine, key, text)
                except Exception as exc:  # thread boundary: report, never raise to callers
                    logger.exception("could not render announcement %r", text)
                    self._report("error", f"speech rendering failed for {text!r}: {exc}")
                else:
                    self._report("ok", f"rendered {key}")
                finally:
                    with self._lock:
                        done = self._pending.pop(key, None)
                    if done is not None:
                        done.set()
        finally:
            if engine is not None:
                try:
                    engine.close()
                except Exception:  # thread boundary
                    logger.exception("closing the speech engine failed")

    def _render(self, engine: SpeechEngine, key: str, text: str) -> None:
        """Render each voice segment, then write chime + sentence × repeat atomically to path_for(key)."""
        segments = voice_segments(text)
        if not segments:
            raise SpeechRenderError("nothing to say: the sentence is empty")
        directory = self.settings.dir
        rate: int | None = None
        sentence = b""
        for part, is_chinese in segments:
            fd, name = tempfile.mkstemp(prefix=f".{key}.", suffix=".part.wav", dir=directory)
            os.close(fd)
            try:
                engine.render(part, self.settings.voice if is_chinese else self.settings.voice_en, Path(name))
                part_rate, frames = _read_mono16(Path(name))
            finally:
                Path(name).unlink(missing_ok=True)
            if rate is not None and part_rate != rate:
                raise SpeechRenderError(f"voices disagree on the sample rate ({rate} vs {part_rate} Hz)")
            rate = part_rate
            sentence += frames
        assert rate is not None
        gap = _silence(rate, _REPEAT_GAP_SECONDS)
        audio = (chime_frames(rate) if self.settings.chime else b"") + gap.join([sentence] * self.settings.repeat)
        fd, name = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp.wav", dir=directory)
        os.close(fd)
        try:
            _write_wav(Path(name), rate, audio)
            os.chmod(name, 0o644)  # mkstemp makes 0600; a static file server may run as another user
            os.replace(name, self.path_for(key))
        finally:
            Path(name).unlink(missing_ok=True)
        self.render_count += 1
        logger.debug("rendered %s (%.2f s at %d Hz): %r", key, len(audio) / 2 / rate, rate, text)

    def _report(self, state: str, message: str) -> None:
        """Tell the device-status listener about errors, and about "ok" when the state changes."""
        if not (state == "ok" and self._last_state == "ok"):
            self._last_state = state
            _notify(self._on_status, state, message)


def _notify(on_status: StatusCallback | None, state: str, message: str) -> None:
    """Call a device-status listener; a broken listener must not stop speech or playback."""
    if on_status is not None:
        try:
            on_status(state, message)
        except Exception:  # listener boundary
            logger.exception("speech status listener failed")


class LocalPlayer:
    """Optional server-side playback: plays WAV files one after another with ``aplay`` on its own thread."""

    def __init__(self, command: Sequence[str] = ("aplay", "-q"), on_status: StatusCallback | None = None,
                 timeout: float = 60.0) -> None:
        self._command = list(command)
        self._on_status = on_status
        self._timeout = timeout
        self._queue: queue.Queue[Path | None] = queue.Queue()
        self._idle = threading.Condition()
        self._outstanding = 0
        self._thread: threading.Thread | None = None
        self.played: list[Path] = []

    def start(self) -> None:
        """Start the playback thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="speech-player", daemon=True)
            self._thread.start()

    def play(self, path: Path) -> None:
        """Queue a WAV file; announcements never overlap."""
        with self._idle:
            self._outstanding += 1
        self._queue.put(path)

    def wait_idle(self, timeout: float) -> bool:
        """Block until everything queued has been played (or failed); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._outstanding == 0, timeout)

    def close(self, timeout: float = 60.0) -> None:
        """Play what is queued, then stop the thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while (path := self._queue.get()) is not None:
            try:
                subprocess.run([*self._command, str(path)], check=True, timeout=self._timeout,
                               stdin=subprocess.DEVNULL, capture_output=True)
                self.played.append(path)
            except FileNotFoundError:
                logger.error("cannot play announcements: %r is not installed", self._command[0])
                _notify(self._on_status, "error", f"player {self._command[0]!r} is not installed")
            except (subprocess.SubprocessError, OSError) as exc:
                logger.error("playing %s failed: %s", path, exc)
                _notify(self._on_status, "error", f"playing {path.name} failed: {exc}")
            finally:
                with self._idle:
                    self._outstanding -= 1
                    self._idle.notify_all()
