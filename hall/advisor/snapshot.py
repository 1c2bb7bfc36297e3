"""What the hall knows at the moment it estimates a ticket's wait: a small snapshot, and how it is built.

The same builder serves the hall (from its storage, see ``hall.wait_estimates``) and the simulator
(from its state, see ``hall.advisor.replay``), so the predictors are measured on exactly the inputs
they get in the hall.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..domain.models import QueuedTicket
from ..domain.routing import CounterView, OneWindowPolicy
from .workload import ServiceTime

#: How many of the day's last cases the "recent cycle" averages (as the hall's first estimate did).
RECENT_CASES = 30
#: Weight, in cases, of the catalogue's figure against today's mean of an item.
PRIOR_CASES = 3.0
DEFAULT_WALK_SECONDS = 40.0
DEFAULT_SERVICE_CV = 0.6
DEFAULT_NO_SHOW_WAIT_SECONDS = 120.0
#: Priority walk-ins of the last hour give the rate at which priority tickets jump the queue.
PRIORITY_WINDOW = 3600.0
#: Appointments are "due" when their slot starts within this long before or after now.
DUE_WINDOW = 1800.0
#: A bundle's handling against its items' handled one by one, when the record has no figure for it.
BUNDLE_FACTOR = 0.85


@dataclass(frozen=True)
class WaitSnapshot:
    """The inputs of a wait estimate for one ticket (seconds; counts).

    ``ahead``: waiting tickets the routing policy would call before this one, of which
    ``ahead_priority`` are priority tickets; ``ahead_cycle_seconds``: how long they will keep the
    counters in all, from their items' expected handling today. ``busy_remaining``: the expected time
    left at each able counter that has a ticket in hand; ``idle``: able counters without one.
    """

    priority: bool
    ahead: int
    ahead_priority: int
    ahead_cycle_seconds: float
    counters_able: int
    idle: int
    busy_remaining: tuple[float, ...]
    mean_cycle_seconds: float
    cycle_cv: float
    recent_cycle_seconds: float | None
    head_of_line_seconds: float | None
    last_called_wait_seconds: float | None
    #: Priority tickets (绿色通道 walk-ins) expected per second; they are called before a walk-in.
    priority_rate: float = 0.0
    #: Booked appointments not yet checked in whose slot starts soon; each will be called first.
    appointments_due: int = 0
    appointment_show_rate: float = 0.9
    fairness_seconds: float = 1800.0


@dataclass(frozen=True)
class CounterNow:
    """A counter as the estimate sees it: its routing view, whether it is open, what it has in hand."""

    view: CounterView
    open: bool
    busy_since: float | None = None
    items_in_hand: frozenset[str] | None = None


@dataclass
class DayHistory:
    """The day so far: recent case cycles, handling per item, walks, no-shows and the last call.

    Fed case by case (the simulator, or the hall's rows of the day); everything is O(1) per case.
    """

    recent_cycles: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT_CASES))
    item_seconds: dict[str, float] = field(default_factory=dict)
    item_cases: dict[str, int] = field(default_factory=dict)
    prior_seconds: float = 0.0
    observed_seconds: float = 0.0
    walk_total: float = 0.0
    walks: int = 0
    calls: int = 0
    no_shows: int = 0
    #: Cases in the log sums (the spread of handling around each item's figure); none when built from totals.
    spread_cases: int = 0
    log_sum: float = 0.0
    log_square_sum: float = 0.0
    last_call_at: float | None = None
    last_call_wait: float | None = None

    def record_call(self, at: float, wait: float) -> None:
        self.calls += 1
        if self.last_call_at is None or at >= self.last_call_at:
            self.last_call_at, self.last_call_wait = at, wait

    def record_case(self, items: frozenset[str], called: float, started: float | None, finished: float,
                    prior: MixPrior) -> None:
        """A case ended at *finished*: a finished case (started set) or a no-show (started None)."""
        self.recent_cycles.append(finished - called)
        if started is None:
            self.no_shows += 1
            return
        service = max(1.0, finished - started)
        self.walk_total += max(0.0, started - called)
        self.walks += 1
        # The spread of handling around each item's own figure, not the spread between items.
        relative = math.log(service / sum(prior.item_seconds.get(i, 480.0) for i in items))
        self.spread_cases += 1
        self.log_sum += relative
        self.log_square_sum += relative**2
        if len(items) == 1:
            (item,) = items
            self.item_seconds[item] = self.item_seconds.get(item, 0.0) + service
            self.item_cases[item] = self.item_cases.get(item, 0) + 1
            self.prior_seconds += prior.item_seconds.get(item, 480.0)
            self.observed_seconds += service


@dataclass(frozen=True)
class MixPrior:
    """What is expected of a day before it starts: handling per item, walk, no-shows and their spread.

    From the catalogue (``catalogue_prior``: only the items' proportions are trusted, today's cases set
    the pace) or from the hall's own record (``hall.advisor.workload.prior_from_workload``: the pace
    is trusted too, and today's cases move it only as they accumulate).
    """

    item_seconds: Mapping[str, float]
    walk_seconds: float = DEFAULT_WALK_SECONDS
    no_show_rate: float = 0.04
    #: Handling of a bundle ticket by its set of items (a bundle takes less than its items one by one).
    bundle_seconds: Mapping[frozenset[str], float] = field(default_factory=dict)
    service_cv: float = DEFAULT_SERVICE_CV
    no_show_wait_seconds: float = DEFAULT_NO_SHOW_WAIT_SECONDS
    #: How many of today's cases the prior of one item weighs against today's mean of that item.
    item_cases: float = PRIOR_CASES
    #: How many of today's cases the prior's pace weighs (0: today's pace alone, after 5 cases).
    pace_cases: float = 0.0
    #: How many calls the prior's no-show rate weighs.
    no_show_calls: float = 20.0
    #: Share of booked appointments whose holders check in.
    appointment_show_rate: float = 0.9


def catalogue_prior(avg_service_minutes: Mapping[str, float]) -> MixPrior:
    """The prior of a hall without a record: the catalogue's minutes per item."""
    return MixPrior({item: minutes * 60.0 for item, minutes in avg_service_minutes.items()})


@dataclass(frozen=True)
class ServiceMix:
    """Expected handling per item today: today's mean, shrunk towards the prior's figure scaled by
    how fast the hall runs today against the prior."""

    item_seconds: Mapping[str, float]
    walk_seconds: float
    no_show_rate: float
    no_show_wait_seconds: float
    service_cv: float
    scale: float
    bundle_seconds: Mapping[frozenset[str], float] = field(default_factory=dict)

    @classmethod
    def of_day(cls, history: DayHistory, prior: MixPrior,
               in_hand: Iterable[tuple[frozenset[str], float]] = ()) -> "ServiceMix":
        """Today's mix from the day's cases so far, the cases in hand ((items, seconds served so far))
        and the prior.

        The cases in hand count as far as they have gone: leaving them out would take the day for
        faster than it is while its long cases are still running (early in the day above all).
        """
        observed, expected = history.observed_seconds, history.prior_seconds
        for items, served in in_hand:
            if len(items) == 1 and served > 0:
                (item,) = items
                observed += served
                expected += min(served, prior.item_seconds.get(item, 480.0))
        if history.walks >= 5 and expected:
            typical = history.prior_seconds / max(1, sum(history.item_cases.values()))
            pace = prior.pace_cases * typical
            scale = (observed + pace) / (expected + pace)
        else:
            scale = 1.0
        items = {}
        for item, expected in prior.item_seconds.items():
            n = history.item_cases.get(item, 0)
            items[item] = ((history.item_seconds.get(item, 0.0) + prior.item_cases * expected * scale)
                           / (n + prior.item_cases))
        cv = prior.service_cv
        if history.spread_cases >= 10:
            mu = history.log_sum / history.spread_cases
            variance = max(0.0, history.log_square_sum / history.spread_cases - mu * mu)
            cv = math.sqrt(math.exp(variance) - 1.0)
        walk = (history.walk_total + 5 * prior.walk_seconds) / (history.walks + 5)
        no_shows = (history.no_shows + prior.no_show_calls * prior.no_show_rate) / (history.calls + prior.no_show_calls)
        bundles = {key: seconds * scale for key, seconds in prior.bundle_seconds.items()}
        return cls(items, walk, no_shows, prior.no_show_wait_seconds, cv, scale, bundles)

    def handling(self, items: frozenset[str]) -> float:
        """Expected handling seconds of a ticket for *items* (one item, or a bundle's)."""
        fallback = 300.0 * self.scale
        if len(items) > 1:
            known = self.bundle_seconds.get(items)
            if known is not None:
                return known
            return BUNDLE_FACTOR * sum(self.item_seconds.get(i, fallback) for i in items)
        return sum(self.item_seconds.get(i, fallback) for i in items) or fallback

    def cycle(self, items: frozenset[str]) -> float:
        """Expected seconds a ticket for *items* keeps a counter, from call to the next call."""
        served = self.walk_seconds + self.handling(items)
        return (1.0 - self.no_show_rate) * served + self.no_show_rate * self.no_show_wait_seconds

    def remaining(self, items: frozenset[str], elapsed: float) -> float:
        """Expected time left of a case called *elapsed* seconds ago."""
        handling = self.handling(items)
        if elapsed < self.walk_seconds:
            return self.walk_seconds - elapsed + handling
        return ServiceTime.from_mean(handling, self.service_cv).mean_residual(elapsed - self.walk_seconds)


def recent_rate(count: int, since_first_ticket: float) -> float:
    """Tickets per second: *count* in the last hour, or since the day's first ticket when that is
    shorter (at least ten minutes, so the first tickets of the day do not make a storm)."""
    return count / max(600.0, min(PRIORITY_WINDOW, since_first_ticket))


def in_hand_of(counters: Iterable[CounterNow], now: float, history: DayHistory) -> list[tuple[frozenset[str], float]]:
    """(items, seconds served so far) of every case in hand, for ServiceMix.of_day."""
    walk = history.walk_total / history.walks if history.walks else DEFAULT_WALK_SECONDS
    return [(c.items_in_hand, now - c.busy_since - walk) for c in counters
            if c.busy_since is not None and c.items_in_hand is not None]


def tickets_ahead(policy: OneWindowPolicy, ticket: QueuedTicket, waiting: Iterable[QueuedTicket],
                  able: Sequence[CounterView], now: float) -> list[QueuedTicket]:
    """The waiting tickets a counter able to serve *ticket* would call before it (as routing.people_ahead)."""
    own = policy.sort_key(ticket, now)
    return [other for other in waiting
            if other.id != ticket.id and policy.sort_key(other, now) < own
            and any(policy.eligible(c, other) for c in able)]


def build_snapshot(policy: OneWindowPolicy, ticket: QueuedTicket, counters: Sequence[CounterNow],
                   history: DayHistory, mix: ServiceMix, now: float, *,
                   ahead_groups: Sequence[tuple[QueuedTicket, int]] | None = None,
                   waiting: Sequence[QueuedTicket] = (), priority_rate: float = 0.0,
                   appointments_due: int = 0, appointment_show_rate: float = 0.9) -> WaitSnapshot:
    """The snapshot of *ticket* (waiting, or about to be issued) given the hall's state at *now*.

    The tickets routing would call before it come as *ahead_groups* — (the oldest of a group, how many
    the group holds), as the hall's queue index gives them by class and lane (``QueueIndex.ahead_groups``)
    — or are found here among *waiting* (each its own group).
    """
    able = [c for c in counters if c.open and policy.eligible(c.view, ticket)]
    if ahead_groups is None:
        ahead_groups = [(t, 1) for t in tickets_ahead(policy, ticket, waiting, [c.view for c in able], now)]
    busy = [c for c in able if c.busy_since is not None]
    cycles = list(history.recent_cycles)
    return WaitSnapshot(
        priority=ticket.priority, ahead=sum(n for _, n in ahead_groups),
        ahead_priority=sum(n for t, n in ahead_groups if t.priority),
        ahead_cycle_seconds=_total_cycle(mix, ahead_groups),
        counters_able=len(able), idle=len(able) - len(busy),
        busy_remaining=tuple(sorted(mix.remaining(c.items_in_hand or frozenset(), now - c.busy_since) for c in busy
                                    if c.busy_since is not None)),
        mean_cycle_seconds=sum(cycles) / len(cycles) if len(cycles) >= 5 else mix.cycle(ticket.items),
        cycle_cv=_cv(cycles), recent_cycle_seconds=sum(cycles) / len(cycles) if cycles else None,
        head_of_line_seconds=max(now - t.queue_at for t, _ in ahead_groups) if ahead_groups else None,
        last_called_wait_seconds=history.last_call_wait,
        priority_rate=0.0 if ticket.priority else priority_rate,
        appointments_due=0 if ticket.priority else appointments_due, appointment_show_rate=appointment_show_rate,
        fairness_seconds=policy.fairness_target_seconds,
    )


def _total_cycle(mix: ServiceMix, groups: Sequence[tuple[QueuedTicket, int]]) -> float:
    """Σ expected cycles of the groups' tickets, each distinct set of items worked out once."""
    per_items: dict[frozenset[str], float] = {}
    total = 0.0
    for t, count in groups:
        cycle = per_items.get(t.items)
        if cycle is None:
            cycle = per_items[t.items] = mix.cycle(t.items)
        total += cycle * count
    return total


def _cv(values: Sequence[float]) -> float:
    if len(values) < 5:
        return 0.7
    m = sum(values) / len(values)
    if m <= 0:
        return 0.7
    return (sum((v - m) ** 2 for v in values) / (len(values) - 1)) ** 0.5 / m
