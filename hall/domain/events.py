"""Domain events (past-tense names) and the in-process event bus."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HallEvent:
    """Something that happened in the hall, after it was committed to the log."""

    name: ClassVar[str] = "hall_event"
    event_id: int
    at: float
    counter: int | None = None
    staff: str | None = None
    ticket: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TicketIssued(HallEvent):
    name: ClassVar[str] = "ticket_issued"


@dataclass(frozen=True)
class TicketCalled(HallEvent):
    name: ClassVar[str] = "ticket_called"


@dataclass(frozen=True)
class TicketRecalled(HallEvent):
    name: ClassVar[str] = "ticket_recalled"


@dataclass(frozen=True)
class ServingStarted(HallEvent):
    name: ClassVar[str] = "serving_started"


@dataclass(frozen=True)
class CaseFinished(HallEvent):
    name: ClassVar[str] = "case_finished"


@dataclass(frozen=True)
class TicketMissed(HallEvent):
    name: ClassVar[str] = "ticket_no_show"


@dataclass(frozen=True)
class TicketTransferred(HallEvent):
    name: ClassVar[str] = "ticket_transferred"


@dataclass(frozen=True)
class TicketHeld(HallEvent):
    name: ClassVar[str] = "ticket_held"


@dataclass(frozen=True)
class TicketCancelled(HallEvent):
    name: ClassVar[str] = "ticket_cancelled"


@dataclass(frozen=True)
class CounterPaused(HallEvent):
    name: ClassVar[str] = "counter_paused"


@dataclass(frozen=True)
class CounterResumed(HallEvent):
    name: ClassVar[str] = "counter_resumed"


@dataclass(frozen=True)
class RatingRequested(HallEvent):
    name: ClassVar[str] = "rating_requested"


@dataclass(frozen=True)
class RatingRecorded(HallEvent):
    name: ClassVar[str] = "rating_recorded"


@dataclass(frozen=True)
class RatingExpired(HallEvent):
    name: ClassVar[str] = "rating_expired"


@dataclass(frozen=True)
class CounterConfigured(HallEvent):
    """A manager added, renamed, enabled or retired a counter (data: number, action)."""

    name: ClassVar[str] = "counter_configured"


@dataclass(frozen=True)
class DeviceStatusChanged(HallEvent):
    name: ClassVar[str] = "device_status"


Listener = Callable[[HallEvent], None]


class EventBus:
    """Delivers events to listeners in order; a failing listener is logged, never fatal."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add *listener*; returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: HallEvent) -> None:
        """Hand *event* to every listener."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                logger.exception("event listener %r failed on %s", listener, event.name)
