"""What each counter's LED strip shows: the call flashing, then steady; idle and pause texts.

``LedController`` is the behaviour, separate from the bytes: a call shows "请A001号到3号窗口"
flashing for ``flash_seconds`` and then steady; a repeated call of the same number at the
same window within ``merge_seconds`` of the one shown is merged into it (nothing is sent);
``pause`` and ``idle`` show the configured texts. Time comes from an injected clock and the
flash ends in ``tick()``, which a test calls after moving its clock, and which the
controller's own timer thread calls in a hall (``start``/``close``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from drivers.announce_text import validate_template
from drivers.led import Effect, LedConfigError, LedContent, LedSettings, load_framing
from drivers.led_bus import LedBus, LedStatusCallback

logger = logging.getLogger(__name__)


class Clock(Protocol):
    """Anything that tells the time in seconds (``hall.domain.clock`` clocks fit)."""

    def now(self) -> float: ...


class MonotonicClock:
    """The default clock: monotonic seconds, immune to wall-clock changes."""

    def now(self) -> float:
        return time.monotonic()


class LedSink(Protocol):
    """Where texts go: ``LedBus`` (or anything that shows a content at an address)."""

    def show(self, address: int, content: LedContent) -> None: ...


@dataclass(frozen=True)
class LedTexts:
    """The texts and timings of the strips (``[led]`` in the hall configuration)."""

    idle: str = "热情为您服务"
    pause: str = "暂停服务"
    call: str = "请{number}号到{counter}号窗口"
    flash_seconds: float = 3.0
    merge_seconds: float = 5.0

    def __post_init__(self) -> None:
        for name in ("idle", "pause", "call"):
            if not isinstance(getattr(self, name), str):
                raise LedConfigError(f"led.{name} must be a text")
        try:
            validate_template(self.call)
        except ValueError as exc:
            raise LedConfigError(f"led.call: {exc}") from None
        for name in ("flash_seconds", "merge_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise LedConfigError(f"led.{name} must be a number of seconds >= 0, got {value!r}")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> LedTexts:
        """Validate a ``[led]`` section; unknown keys are an error."""
        known = {"idle", "pause", "call", "flash_seconds", "merge_seconds"}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise LedConfigError(f"unknown led setting(s): {', '.join(unknown)}")
        return cls(**mapping)  # type: ignore[arg-type]

    def call_text(self, number: str, counter: str) -> str:
        """The call as the strip says it."""
        return self.call.format(number=number, counter=counter)


@dataclass
class _Window:
    """One counter's strip, as the controller last set it."""

    sink: LedSink
    address: int
    content: LedContent | None = None
    call_text: str | None = None  # the call shown, for merging
    called_at: float = float("-inf")
    flash_until: float | None = None


class LedController:
    """Counter → strip behaviour; thread-safe; never blocks on I/O (the sink's ``show`` only records)."""

    def __init__(self, windows: Mapping[str, tuple[LedSink, int]], texts: LedTexts | None = None,
                 clock: Clock | None = None) -> None:
        self.texts = texts or LedTexts()
        self._clock: Clock = clock or MonotonicClock()
        self._windows = {str(counter): _Window(sink, address) for counter, (sink, address) in windows.items()}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def counters(self) -> list[str]:
        """The counters that have a strip."""
        return sorted(self._windows)

    def start(self, show_idle: bool = True) -> None:
        """Start the timer thread that ends flashes; show the idle text on every strip first."""
        if show_idle:
            for counter in self._windows:
                self.idle(counter)
        self._thread = threading.Thread(target=self._run, name="led-controller", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the timer thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def call(self, counter: str, number: str) -> bool:
        """Show the call of ``number`` at ``counter`` flashing; False if merged into the same call just shown."""
        text = self.texts.call_text(number, counter)
        now = self._clock.now()
        with self._lock:
            window = self._window(counter)
            if window.call_text == text and now - window.called_at < self.texts.merge_seconds:
                logger.debug("LED counter %s: repeated call of %s merged", counter, number)
                return False
            window.call_text, window.called_at = text, now
            flashing = self.texts.flash_seconds > 0
            window.flash_until = now + self.texts.flash_seconds if flashing else None
            self._set(window, LedContent(text, Effect.FLASH if flashing else Effect.STEADY))
        self._wake.set()
        return True

    def pause(self, counter: str) -> None:
        """Show the pause text (暂停服务), steady."""
        self._show_text(counter, self.texts.pause)

    def idle(self, counter: str) -> None:
        """Show the idle text (热情为您服务), steady: the counter is open and nobody is called."""
        self._show_text(counter, self.texts.idle)

    def content(self, counter: str) -> LedContent | None:
        """What the controller last asked ``counter``'s strip to show."""
        with self._lock:
            return self._window(counter).content

    def tick(self) -> float | None:
        """End the flashes that are due; return the seconds until the next one ends (None: none flashing)."""
        now = self._clock.now()
        pending: list[float] = []
        with self._lock:
            for window in self._windows.values():
                if window.flash_until is None:
                    continue
                if window.flash_until <= now and window.content is not None:
                    window.flash_until = None
                    self._set(window, LedContent(window.content.text, Effect.STEADY))
                else:
                    pending.append(window.flash_until - now)
        return min(pending) if pending else None

    def _show_text(self, counter: str, text: str) -> None:
        with self._lock:
            window = self._window(counter)
            window.call_text, window.called_at, window.flash_until = None, float("-inf"), None
            self._set(window, LedContent(text, Effect.STEADY))

    def _window(self, counter: str) -> _Window:
        try:
            return self._windows[str(counter)]
        except KeyError:
            raise LedConfigError(f"counter {counter} has no LED display") from None

    @staticmethod
    def _set(window: _Window, content: LedContent) -> None:
        """Caller holds the lock; the sink only records, so this is cheap."""
        if content == window.content:
            return
        window.content = content
        window.sink.show(window.address, content)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.tick()
            except Exception:  # thread boundary: a sink bug must not stop the flashes ending
                logger.exception("LED controller tick failed")
                delay = 1.0
            self._wake.wait(delay)
            self._wake.clear()


class LedDisplays:
    """Every LED strip of a hall or a counter PC: one ``LedBus`` per line and the controller over them.

    What a hall-side listener or a device agent owns: ``start()``, ``close()``, and
    ``controller.call/pause/idle`` from its event handlers.
    """

    def __init__(self, settings: LedSettings, on_status: LedStatusCallback, texts: LedTexts | None = None,
                 clock: Clock | None = None) -> None:
        self.buses = [
            LedBus(url, line.counters, on_status, framing=load_framing(line.format), baudrate=line.baudrate)
            for url, line in settings.ports.items()
        ]
        windows = {counter: (bus, address)
                   for bus, line in zip(self.buses, settings.ports.values(), strict=True)
                   for address, counter in line.counters.items()}
        self.controller = LedController(windows, texts, clock)

    def start(self) -> None:
        """Open every line and show the idle text on every strip."""
        for bus in self.buses:
            bus.start()
        self.controller.start()

    def close(self) -> None:
        """Stop the controller's timer and every line."""
        self.controller.close()
        for bus in self.buses:
            bus.close()
