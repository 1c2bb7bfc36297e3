"""Domain events (past-tense names) and the in-process event bus."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

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
class CounterOpened(HallEvent):
    """A clerk signed in at a counter: it takes calls."""

    name: ClassVar[str] = "counter_opened"


@dataclass(frozen=True)
class CounterClosed(HallEvent):
    """Nobody serves at the counter any more (the clerk signed out, or the day closed)."""

    name: ClassVar[str] = "counter_closed"


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
class TicketExpired(HallEvent):
    """A ticket still open when its service day closed."""

    name: ClassVar[str] = "ticket_expired"


@dataclass(frozen=True)
class TicketArrived(HallEvent):
    """The holder of a remote ticket confirmed being in the hall (lobby QR or kiosk)."""

    name: ClassVar[str] = "ticket_arrived"


@dataclass(frozen=True)
class TicketMovedBack(HallEvent):
    """A waiting ticket was moved back some places ("I need more time"): its queue time changed."""

    name: ClassVar[str] = "ticket_moved_back"


@dataclass(frozen=True)
class TicketNoted(HallEvent):
    """Something logged about a ticket that changes no queue state (printed, a back-office step …)."""

    name: ClassVar[str] = "ticket_noted"

    @property
    def kind(self) -> str:
        return str(self.data.get("type", ""))


#: The event-log type of each kind of event (the ``events.type`` column); other types are TicketNoted.
LOG_TYPES: dict[str, type[HallEvent]] = {
    "issued": TicketIssued, "called": TicketCalled, "recalled": TicketRecalled,
    "serving_started": ServingStarted, "finished": CaseFinished, "no_show": TicketMissed,
    "transferred": TicketTransferred, "held": TicketHeld, "cancelled": TicketCancelled,
    "expired": TicketExpired, "counter_paused": CounterPaused, "counter_resumed": CounterResumed,
    "counter_opened": CounterOpened, "counter_closed": CounterClosed, "counter_configured": CounterConfigured,
    "rating_requested": RatingRequested, "rated": RatingRecorded, "rating_expired": RatingExpired,
    "arrived": TicketArrived, "moved_back": TicketMovedBack,
}


def event_from_log(row: dict[str, Any], ticket: dict[str, Any] | None) -> HallEvent:
    """The bus event of one event-log row (``data`` decoded) and its ticket's public view."""
    cls = LOG_TYPES.get(row["type"], TicketNoted)
    data = dict(row["data"])
    if cls is TicketNoted:
        data.setdefault("type", row["type"])
    return cls(event_id=row["id"], at=row["at"], counter=row["counter"], staff=row["staff"], ticket=ticket,
               data=data)


Listener = Callable[[HallEvent], None]


class HallListener(Protocol):
    """Anything that reacts to hall events: the live channel, the announcer, keypads, printers, senders.

    ``on_event`` runs on the feed's thread, in log order: it must return quickly (queue slow work on a
    worker of its own) and may raise — the bus logs the failure and goes on with the next listener.
    """

    def on_event(self, event: HallEvent) -> None: ...


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
