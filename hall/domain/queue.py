"""The waiting queue as an index: next-to-call, people-ahead and per-category counts in O(K log n).

Waiting tickets are grouped into *classes* — tickets that every counter treats alike because they have
the same category, items and transfer target. A hall has a few dozen classes however long its queue
is (K, bounded by the catalogue), and each class keeps two sorted lanes, priority and normal, ordered
by (queue_at, id). Routing eligibility is decided per class with the policy's own ``eligible``; the
order within a lane is the policy's ``sort_key`` order, because that key — (overdue, priority,
queue_at, id) — is monotone in (queue_at, id) for a fixed priority. So:

* next for a counter: the smallest ``sort_key`` among the heads of its eligible classes' lanes;
* people ahead of a ticket: per class able counters may serve, a bisection for each lane;
* waiting and oldest per category: sums and minima over classes.

Pure: no storage. ``hall.queue_book`` keeps one index consistent with the event log.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sortedcontainers import SortedList

from .models import QueuedTicket
from .routing import NEWEST, CounterView, OneWindowPolicy

ClassKey = tuple[str, frozenset[str], int | None, str | None]


def class_of(ticket: QueuedTicket) -> ClassKey:
    """The queue class of a ticket: what routing looks at, apart from priority and age."""
    return (ticket.category, ticket.items, ticket.target_counter, ticket.target_category)


def _probe(key: ClassKey) -> QueuedTicket:
    category, items, target_counter, target_category = key
    return QueuedTicket(id=NEWEST, category=category, items=items, priority=False, queue_at=0.0,
                        target_counter=target_counter, target_category=target_category)


@dataclass
class _Class:
    """The waiting tickets of one class: two lanes sorted by (queue_at, id)."""

    probe: QueuedTicket
    priority: SortedList
    normal: SortedList

    def __len__(self) -> int:
        return len(self.priority) + len(self.normal)

    def lanes(self) -> Iterator[tuple[bool, SortedList]]:
        yield True, self.priority
        yield False, self.normal

    def oldest(self) -> float | None:
        heads = [lane[0][0] for _, lane in self.lanes() if lane]
        return min(heads) if heads else None


@dataclass(frozen=True)
class CategoryQueue:
    """How many wait in a category (by the category they are sent to) and since when the oldest waits."""

    category: str
    waiting: int
    oldest_queue_at: float | None


class QueueIndex:
    """Every waiting ticket of the service day, indexed for routing; not thread-safe (callers lock)."""

    def __init__(self, policy: OneWindowPolicy) -> None:
        self.policy = policy
        self._classes: dict[ClassKey, _Class] = {}
        self._tickets: dict[int, QueuedTicket] = {}
        self._eligible_cache: dict[CounterView, tuple[ClassKey, ...]] = {}

    # ---- contents ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._tickets)

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._tickets

    def get(self, ticket_id: int) -> QueuedTicket | None:
        return self._tickets.get(ticket_id)

    def tickets(self) -> Iterator[QueuedTicket]:
        """Every waiting ticket (in no particular order)."""
        return iter(self._tickets.values())

    def clear(self) -> None:
        self._classes.clear()
        self._tickets.clear()
        self._eligible_cache.clear()

    def put(self, ticket: QueuedTicket) -> None:
        """Add a waiting ticket, or move it if it was there with other values."""
        old = self._tickets.get(ticket.id)
        if old == ticket:
            return
        if old is not None:
            self.discard(ticket.id)
        key = class_of(ticket)
        entry = self._classes.get(key)
        if entry is None:
            entry = _Class(_probe(key), SortedList(), SortedList())
            self._classes[key] = entry
            self._eligible_cache.clear()  # a new class may be eligible for any counter
        (entry.priority if ticket.priority else entry.normal).add((ticket.queue_at, ticket.id))
        self._tickets[ticket.id] = ticket

    def discard(self, ticket_id: int) -> None:
        """Remove a ticket that is no longer waiting (absent: nothing happens)."""
        ticket = self._tickets.pop(ticket_id, None)
        if ticket is None:
            return
        entry = self._classes[class_of(ticket)]
        (entry.priority if ticket.priority else entry.normal).discard((ticket.queue_at, ticket.id))

    # ---- routing -------------------------------------------------------------------------------

    def eligible_classes(self, counter: CounterView) -> tuple[ClassKey, ...]:
        """The classes *counter* may serve (cached until a new class appears)."""
        cached = self._eligible_cache.get(counter)
        if cached is None:
            if len(self._eligible_cache) > 512:  # authorisations changed many times: start afresh
                self._eligible_cache.clear()
            cached = tuple(k for k, c in self._classes.items() if self.policy.eligible(counter, c.probe))
            self._eligible_cache[counter] = cached
        return cached

    def next_for(self, counter: CounterView, now: float) -> QueuedTicket | None:
        """The ticket the policy would give *counter* now (the same choice as ``policy.choose``)."""
        best: tuple[tuple[int, int, float, int], QueuedTicket] | None = None
        for key in self.eligible_classes(counter):
            for _, lane in self._classes[key].lanes():
                if not lane:
                    continue
                ticket = self._tickets[lane[0][1]]
                rank = self.policy.sort_key(ticket, now)
                if best is None or rank < best[0]:
                    best = (rank, ticket)
        return best[1] if best else None

    def waiting_for(self, counter: CounterView) -> tuple[int, float | None]:
        """How many tickets *counter* may serve, and the queue time of the oldest."""
        total, oldest = 0, None
        for key in self.eligible_classes(counter):
            entry = self._classes[key]
            total += len(entry)
            head = entry.oldest()
            if head is not None and (oldest is None or head < oldest):
                oldest = head
        return total, oldest

    def people_ahead(self, ticket: QueuedTicket, counters: Iterable[CounterView], now: float) -> int:
        """How many waiting tickets a counter able to serve *ticket* would call before it.

        The same count as ``hall.domain.routing.people_ahead`` over the whole queue. *ticket* may be
        waiting in the index or a probe for one not yet issued (id ``NEWEST``).
        """
        keys, own = self._serving_classes(ticket, counters, now)
        return sum(self._ahead_in_lane(lane, priority, own, now)
                   for key in keys for priority, lane in self._classes[key].lanes())

    def _serving_classes(self, ticket: QueuedTicket, counters: Iterable[CounterView],
                         now: float) -> tuple[set[ClassKey], tuple[int, int, float, int]]:
        """The classes the counters able to serve *ticket* call from, and *ticket*'s own sort key."""
        keys: set[ClassKey] = set()
        for counter in counters:
            if self.policy.eligible(counter, ticket):
                keys.update(self.eligible_classes(counter))
        return keys, self.policy.sort_key(ticket, now)

    def ahead_groups(self, ticket: QueuedTicket, counters: Iterable[CounterView],
                     now: float) -> list[tuple[QueuedTicket, int]]:
        """The tickets ahead of *ticket* (as ``people_ahead`` counts them) by class and lane: the oldest of
        each lane's tickets ahead and how many they are. The ones ahead in a lane are always its oldest
        entries, so the first entry stands for them. For the wait estimate (hall.advisor.snapshot)."""
        keys, own = self._serving_classes(ticket, counters, now)
        groups = []
        for key in keys:
            for priority, lane in self._classes[key].lanes():
                count = self._ahead_in_lane(lane, priority, own, now)
                if count:
                    groups.append((self._tickets[lane[0][1]], count))
        return groups

    def tickets_behind(self, ticket: QueuedTicket, counters: Iterable[CounterView], now: float,
                       limit: int) -> list[QueuedTicket]:
        """The next *limit* waiting tickets a counter able to serve *ticket* would call after it, in order.

        A merge of the lanes of the classes those counters serve, each from the first entry past *ticket*:
        O(K log n + limit log K). For "I need more time": the ticket moves behind the last of these.
        """
        keys, own = self._serving_classes(ticket, counters, now)

        def after(lane: SortedList, priority: bool) -> Iterator[tuple[tuple[int, int, float, int], int]]:
            start = self._ahead_in_lane(lane, priority, own, now)
            for _, ticket_id in lane.islice(start):
                if ticket_id != ticket.id:
                    yield self.policy.sort_key(self._tickets[ticket_id], now), ticket_id

        lanes = [after(lane, priority) for key in keys for priority, lane in self._classes[key].lanes() if lane]
        behind = []
        for _, ticket_id in heapq.merge(*lanes):
            behind.append(self._tickets[ticket_id])
            if len(behind) >= limit:
                break
        return behind

    def _ahead_in_lane(self, lane: SortedList, priority: bool, own: tuple[int, int, float, int],
                       now: float) -> int:
        """Entries of one lane whose sort key is below *own* (a ticket never counts itself)."""
        if not lane:
            return 0
        split = self._overdue_prefix(lane, now)
        lane_priority = 0 if priority else 1
        count = 0
        for overdue_flag, start, stop in ((0, 0, split), (1, split, len(lane))):
            if start >= stop:
                continue
            group = (overdue_flag, lane_priority)
            if group < own[:2]:
                count += stop - start
            elif group == own[:2]:
                count += max(0, min(stop, lane.bisect_left((own[2], own[3]))) - start)
        return count

    def _overdue_prefix(self, lane: SortedList, now: float) -> int:
        """How many of the lane's oldest entries are past the fairness target, by the policy's own test."""
        target = self.policy.fairness_target_seconds
        # Overdue-ness is monotone along the lane (entries are (queue_at, id)): the lane's own bisect finds
        # the split, then the policy's test itself settles the one or two entries that float rounding of
        # ``now - target`` could put on the wrong side.
        split: int = lane.bisect_left((now - target,))
        while split > 0 and not now - lane[split - 1][0] > target:
            split -= 1
        while split < len(lane) and now - lane[split][0] > target:
            split += 1
        return split

    # ---- the lobby -----------------------------------------------------------------------------

    def categories(self) -> dict[str, CategoryQueue]:
        """Per category a ticket is sent to (its transfer target, else its own): count and oldest."""
        counts: dict[str, list[float | int | None]] = {}
        for (category, _items, _counter, target_category), entry in self._classes.items():
            if not len(entry):
                continue
            name = target_category or category
            slot = counts.setdefault(name, [0, None])
            slot[0] = int(slot[0] or 0) + len(entry)
            head = entry.oldest()
            if head is not None and (slot[1] is None or head < float(slot[1])):
                slot[1] = head
        return {name: CategoryQueue(name, int(v[0] or 0), None if v[1] is None else float(v[1]))
                for name, v in counts.items()}

