"""Plain data of the hall: catalogue, counters, staff and tickets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import N_, Template
from .states import CounterState, TicketState

ROLES = ("clerk", "backoffice", "manager", "admin")
#: What a role is called where people read it (translated where it is shown).
ROLE_LABELS: dict[str, Template] = {"clerk": N_("clerk"), "backoffice": N_("back office"), "manager": N_("manager"),
                                    "admin": N_("administrator")}
DEVICE_KINDS = ("evaluator", "kiosk", "lobby", "counter_screen", "keypad", "printer", "agent")
RATING_LEVELS = {5: "very_satisfied", 4: "satisfied", 3: "fair", 2: "dissatisfied", 1: "very_dissatisfied"}


@dataclass(frozen=True)
class Localised:
    """A text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang.startswith("en") and self.en else self.zh


@dataclass(frozen=True)
class Category:
    """A business category; its letter prefixes the ticket numbers."""

    code: str
    letter: str
    name: Localised
    position: int = 0


@dataclass(frozen=True)
class ServiceItem:
    """A service item (事项) with its guide (办事指南)."""

    code: str
    category: str
    name: Localised
    kind: str  # "instant" or "reviewed"
    time_limit_days: int
    avg_service_minutes: float
    guide: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Bundle:
    """A bundle (打包办): several items on one ticket."""

    code: str
    name: Localised
    items: tuple[str, ...]
    summary: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Counter:
    """A counter (窗口) and the items it is authorised to serve."""

    number: int
    name: str
    items: frozenset[str]
    state: CounterState
    state_since: float
    pause_reason: str | None
    current_ticket_id: int | None
    staff: str | None
    dedicated_category: str | None = None


@dataclass(frozen=True)
class Ticket:
    """A ticket as currently derived from the event log."""

    id: int
    token: str
    number: str
    service_day: str
    category: str
    item: str | None
    bundle: str | None
    items: tuple[str, ...]
    priority: bool
    appointment: str | None
    state: TicketState
    issued_at: float
    queue_at: float
    target_counter: int | None
    target_category: str | None
    counter: int | None
    staff: str | None
    recall_count: int
    first_called_at: float | None
    called_at: float | None
    started_at: float | None
    finished_at: float | None
    estimated_wait_minutes: int
    people_ahead: int
    kiosk: str | None = None
    #: The range shown with the estimate (whole minutes); None on tickets issued before ranges were shown.
    estimated_wait_low: int | None = None
    estimated_wait_high: int | None = None
    #: walk_in (kiosk, staff), remote (the phone) or appointment (a checked-in booking).
    channel: str = "walk_in"
    #: When a remote ticket's holder confirmed being in the hall (None: not yet).
    arrived_at: float | None = None
    moved_back: bool = False

    @property
    def remote(self) -> bool:
        return self.channel == "remote"

    @property
    def arrived(self) -> bool:
        """Whether the citizen is in the hall as far as the hall knows (only remote tickets can say no)."""
        return not self.remote or self.arrived_at is not None

    def public(self) -> dict[str, Any]:
        """What anyone may see of a ticket: no personal data is ever held on it."""
        return {
            "id": self.id, "number": self.number, "state": self.state.value, "service_day": self.service_day,
            "category": self.category, "item": self.item, "bundle": self.bundle, "items": list(self.items),
            "priority": self.priority, "counter": self.counter, "recall_count": self.recall_count,
            "issued_at": self.issued_at, "called_at": self.called_at, "started_at": self.started_at,
            "finished_at": self.finished_at, "estimated_wait_minutes": self.estimated_wait_minutes,
            "estimated_wait_low": self.estimated_wait_low, "estimated_wait_high": self.estimated_wait_high,
            "people_ahead": self.people_ahead, "target_counter": self.target_counter,
            "target_category": self.target_category, "channel": self.channel, "remote": self.remote,
            "arrived": self.arrived, "moved_back": self.moved_back,
        }


@dataclass(frozen=True, repr=False)
class PersonRef:
    """Who took a ticket with an ID card, as the hall keeps it: a keyed hash of the ID number and masked forms."""

    person_hash: str
    id_masked: str
    name_masked: str

    def __repr__(self) -> str:
        return f"PersonRef({self.name_masked!r}, {self.id_masked!r})"


@dataclass(frozen=True)
class QueuedTicket:
    """What routing needs to know of a waiting ticket."""

    id: int
    category: str
    items: frozenset[str]
    priority: bool
    queue_at: float
    target_counter: int | None = None
    target_category: str | None = None
