"""Hall voice announcements: sentences rendered to cached WAV files by one speech worker thread.

The caller service passes ``announce_text.announcement_text(...)`` to ``SpeechWorker.request``,
which returns a cache key at once; a lobby screen (or ``LocalPlayer``) plays ``path_for(key)``
once ``wait_ready`` returns it. One worker thread owns the engine: espeak-ng is one
process-wide, non-thread-safe synthesiser.

Notes on pyttsx3 2.99's espeak driver, which ``Pyttsx3Engine`` works around:

* A failed ``setProperty("voice", …)`` is only *notified* and the old voice stays (Chinese
  read by the English voice). We listen for ``error`` and check the voice after the render.
* If the WAV cannot be written, the exception dies in the ctypes callback and ``runAndWait``
  loops forever. We create the file ourselves first, so that fails in our code instead.
* ``runAndWait`` calls ``stop()`` first, which cancels synthesis whenever espeak's own thread
  is busy (the last utterance's tail, or rate/volume commands just queued); the file is then
  written late, partly or not at all (252 of 300 renders in a loop). We ``espeak_Synchronize``
  first, accept a render only after one completed ``finished-utterance`` and no leftover
  stop request, and otherwise try again (3 attempts).
* It ``print``s "Audio saved to …" (captured, logged at DEBUG) and always labels the file
  22050 Hz, espeak-ng's rate; we read the rate back from the file and make the chime at it.
"""

from __future__ import annotations

import _queue
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from drivers.announce_text import LANGS, validate_template, voice_segments

logger = logging.getLogger(__name__)

BACKENDS = ("none", "wav")
StatusCallback = Callable[[str, str], None]
#: Starts ``target`` on a thread of its own and returns something with ``join(timeout)``; the hall passes
#: one that uses a real OS thread under gevent (espeak-ng is a blocking C library).
ThreadFactory = Callable[[Callable[[], None], str], Any]


def _os_thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread

# libespeak-ng is one global synthesiser per process; every render in the process goes through this lock.
_ESPEAK_LOCK = threading.Lock()
_REPEAT_GAP_SECONDS = 0.4
_ATTEMPTS = 3


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
            raise SpeechConfigError(
                f"unknown [speech] option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
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
        checks = [
            (self.backend in BACKENDS, f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}"),
            (80 <= self.rate <= 450, f"rate must be 80..450 words per minute, not {self.rate}"),
            (0.0 <= self.volume <= 1.0, f"volume must be 0.0..1.0, not {self.volume}"),
            (1 <= self.repeat <= 5, f"repeat must be 1..5, not {self.repeat}"),
            (bool(self.voice and self.voice_en), "voice and voice_en must not be empty"),
            (self.lang in LANGS, f"lang must be one of {', '.join(LANGS)}, not {self.lang!r}"),
        ]
        problems = [message for ok, message in checks if not ok]
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
        words = {"1": True, "true": True, "yes": True, "on": True,
                 "0": False, "false": False, "no": False, "off": False}
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
        self._errors: list[Exception] = []
        self._finished: list[bool] = []
        errors, finished = self._errors, self._finished

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
        for attempt in range(1, _ATTEMPTS + 1):
            # Creating the file first turns an unwritable path into an OSError here instead of a hang in runAndWait.
            path.write_bytes(b"")
            if self._render_once(text, voice_id, path):
                break
            logger.warning("espeak-ng cut utterance %r short (attempt %d of %d)", text, attempt, _ATTEMPTS)
        else:
            raise SpeechRenderError(f"espeak-ng kept cancelling the utterance {text!r}")
        with wave.open(str(path), "rb") as wav:
            if wav.getnframes() == 0:
                raise SpeechRenderError(f"espeak-ng produced no audio for {text!r}")

    def _render_once(self, text: str, voice_id: str, path: Path) -> bool:
        """One save_to_file + runAndWait; False if pyttsx3 cancelled it (see the module notes)."""
        captured = io.StringIO()
        with _ESPEAK_LOCK:
            self._errors.clear()
            self._finished.clear()
            self._engine.setProperty("voice", voice_id)
            self._engine.setProperty("rate", self._settings.rate)
            self._engine.setProperty("volume", self._settings.volume)
            self._synchronize()
            self._engine.save_to_file(text, str(path))
            with contextlib.redirect_stdout(captured):
                self._engine.runAndWait()
            current = self._engine.getProperty("voice")
            completed = list(self._finished)
            driver = self._engine.proxy._driver
            # When the utterance ends inside Synth, pyttsx3 never consumes its own stop request and
            # would cancel the next utterance; the rate/volume commands may have been dropped too.
            stop_leaked = bool(getattr(driver, "_stopping", False))
            if stop_leaked:
                driver._stopping = False
        if captured.getvalue().strip():
            logger.debug("pyttsx3 said: %s", captured.getvalue().strip())
        if self._errors:
            raise SpeechRenderError(f"espeak-ng failed: {self._errors[0]}") from self._errors[0]
        if current != voice_id:
            raise SpeechRenderError(f"espeak-ng kept voice {current!r} instead of {voice_id!r}")
        return completed == [True] and not stop_leaked

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
        _write_wav(path, self.sample_rate, _tone(self.sample_rate, 440.0, 0.06 * len(text), amplitude=0.05))

    def close(self) -> None:
        """Nothing to release."""


def _tone(rate: int, freq: float, seconds: float, *, amplitude: float = 0.3, decay: float = 0.0) -> bytes:
    """Mono 16-bit little-endian sine, optionally with an exponential fade (a bell-like strike)."""
    count = int(rate * seconds)
    peak = 32767 * amplitude
    omega = 2 * math.pi * freq / rate
    return array.array(
        "h", (int(peak * math.exp(-decay * i / rate) * math.sin(omega * i)) for i in range(count))).tobytes()


@functools.lru_cache(maxsize=4)
def chime_frames(rate: int) -> bytes:
    """A two-tone "ding-dong" (E5 then C5) and a short pause, generated at ``rate`` Hz mono 16-bit."""
    return _tone(rate, 659.25, 0.35, decay=6.0) + _tone(rate, 523.25, 0.5, decay=5.0) + _silence(rate, 0.2)


def _silence(rate: int, seconds: float) -> bytes:
    return b"\x00\x00" * int(rate * seconds)  # 16-bit zero samples


@contextlib.contextmanager
def _temp_wav(directory: Path, key: str) -> Iterator[Path]:
    """A new hidden temporary WAV path in ``directory``, removed afterwards unless it was moved away."""
    fd, name = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp.wav", dir=directory)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


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
        thread_factory: ThreadFactory | None = None,
    ) -> None:
        self.settings = settings
        self._on_status = on_status
        self._engine_factory: EngineFactory = engine_factory or Pyttsx3Engine
        self._thread_factory: ThreadFactory = thread_factory or _os_thread
        # The C SimpleQueue blocks on a real OS lock: the worker may run on an OS thread of its own inside a
        # gevent server (see ThreadFactory), where a monkey-patched queue could not block.
        self._jobs: _queue.SimpleQueue[tuple[str, str] | None] = _queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending: dict[str, threading.Event] = {}
        self._thread: Any = None
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
        self._thread = self._thread_factory(self._run, "speech-worker")
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
        if not (segments := voice_segments(text)):
            raise SpeechRenderError("nothing to say: the sentence is empty")
        rate: int | None = None
        sentence = b""
        for part, is_chinese in segments:
            with _temp_wav(self.settings.dir, key) as part_path:
                engine.render(part, self.settings.voice if is_chinese else self.settings.voice_en, part_path)
                part_rate, frames = _read_mono16(part_path)
            if rate is not None and part_rate != rate:
                raise SpeechRenderError(f"voices disagree on the sample rate ({rate} vs {part_rate} Hz)")
            rate, sentence = part_rate, sentence + frames
        assert rate is not None
        gap = _silence(rate, _REPEAT_GAP_SECONDS)
        audio = (chime_frames(rate) if self.settings.chime else b"") + gap.join([sentence] * self.settings.repeat)
        with _temp_wav(self.settings.dir, key) as tmp_path:
            _write_wav(tmp_path, rate, audio)
            tmp_path.chmod(0o644)  # mkstemp makes 0600; a static file server may run as another user
            os.replace(tmp_path, self.path_for(key))  # readers never see half a file
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
        self._command, self._on_status, self._timeout = list(command), on_status, timeout
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
