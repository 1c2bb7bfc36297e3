"""Routing policies: which waiting ticket a counter gets when it calls next."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .models import Counter, QueuedTicket

#: Id for a ticket not yet issued: it sorts after every existing ticket issued at the same instant.
NEWEST = 2**62


@dataclass(frozen=True)
class CounterView:
    """What routing needs to know of the calling counter."""

    number: int
    items: frozenset[str]
    item_categories: frozenset[str]
    dedicated_category: str | None = None


def counter_view(counter: Counter, categories_of_items: dict[str, str]) -> CounterView:
    """The routing view of a counter; a counter with no dedicated category takes the one most of its items are in."""
    categories = [categories_of_items[i] for i in counter.items if i in categories_of_items]
    main = max(sorted(set(categories)), key=categories.count) if categories else None
    return CounterView(number=counter.number, items=counter.items, item_categories=frozenset(categories),
                       dedicated_category=counter.dedicated_category or main)


class RoutingPolicy(Protocol):
    """Chooses the next ticket for a counter; pure, no storage."""

    name: str

    def eligible(self, counter: CounterView, ticket: QueuedTicket) -> bool: ...

    def choose(self, counter: CounterView, waiting: Sequence[QueuedTicket], now: float) -> QueuedTicket | None: ...


def _directed_elsewhere(counter: CounterView, ticket: QueuedTicket) -> bool:
    return ticket.target_counter is not None and ticket.target_counter != counter.number


class OneWindowPolicy:
    """Every counter serves every ticket whose items it is authorised for.

    Order: tickets past the fairness target first (oldest first), then priority
    tickets (绿色通道 and checked-in appointments), then the oldest.
    """

    name = "one-window"

    def __init__(self, fairness_target_seconds: float = 30 * 60) -> None:
        self.fairness_target_seconds = fairness_target_seconds

    def eligible(self, counter: CounterView, ticket: QueuedTicket) -> bool:
        if _directed_elsewhere(counter, ticket):
            return False
        if ticket.target_counter == counter.number:
            return True
        if ticket.target_category is not None:
            return ticket.target_category in counter.item_categories
        return ticket.items <= counter.items

    def sort_key(self, ticket: QueuedTicket, now: float) -> tuple[int, int, float, int]:
        overdue = now - ticket.queue_at > self.fairness_target_seconds
        return (0 if overdue else 1, 0 if ticket.priority else 1, ticket.queue_at, ticket.id)

    def choose(self, counter: CounterView, waiting: Sequence[QueuedTicket], now: float) -> QueuedTicket | None:
        candidates = [t for t in waiting if self.eligible(counter, t)]
        if not candidates:
            return None
        return min(candidates, key=lambda t: self.sort_key(t, now))


class DedicatedPolicy(OneWindowPolicy):
    """The old way, for comparison: one queue per category, a counter serves its category only."""

    name = "dedicated"

    def eligible(self, counter: CounterView, ticket: QueuedTicket) -> bool:
        if _directed_elsewhere(counter, ticket):
            return False
        if ticket.target_counter == counter.number:
            return True
        category = ticket.target_category or ticket.category
        return category == counter.dedicated_category and ticket.items <= counter.items


POLICIES: dict[str, type[OneWindowPolicy]] = {
    OneWindowPolicy.name: OneWindowPolicy,
    DedicatedPolicy.name: DedicatedPolicy,
}


def make_policy(name: str, fairness_target_seconds: float) -> OneWindowPolicy:
    """The routing policy called *name* ("one-window" or "dedicated")."""
    try:
        return POLICIES[name](fairness_target_seconds)
    except KeyError:
        raise ValueError(f"unknown routing policy {name!r}; choose one of {', '.join(POLICIES)}") from None


def people_ahead(
    policy: OneWindowPolicy,
    ticket: QueuedTicket,
    waiting: Iterable[QueuedTicket],
    counters: Iterable[CounterView],
    now: float,
) -> int:
    """How many waiting tickets a counter able to serve *ticket* would call before it."""
    able = [c for c in counters if policy.eligible(c, ticket)]
    own_key = policy.sort_key(ticket, now)
    ahead = 0
    for other in waiting:
        if other.id == ticket.id:
            continue
        if any(policy.eligible(c, other) for c in able) and policy.sort_key(other, now) < own_key:
            ahead += 1
    return ahead
