"""The discrete-event simulator: a day of arrivals through the hall's own routing policy under a plan.

A small event loop over a heap, not SimPy: the hall has one kind of resource (a counter) whose only
decision is the routing policy's ``choose``, which is a plain function call here exactly as in
``HallService.call_next``. SimPy's processes would add a generator per citizen and per counter and
hide the order of simultaneous events, which this loop fixes explicitly (plan changes, then counters
freeing, then arrivals); and a month of a 660-a-day hall runs in about a second.

Semantics, as in the hall: a ticket waits from issue to its first call; an idle open counter calls
as soon as a ticket it may serve is waiting; a called citizen walks to the counter (or never comes,
and the counter waits ``no_show_wait_seconds`` before calling the next); serving ends the case.
A counter that leaves the plan finishes its case first. Tickets are taken only in service hours, and
the counters open at the end of a session keep calling until nobody they may serve is waiting.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from ..domain.errors import N_
from ..domain.models import QueuedTicket
from ..domain.routing import CounterView, OneWindowPolicy
from .errors import BadPlan
from .generator import Arrival
from .timeline import QUARTER, Sessions
from .workload import Visit, Workload

_PLAN, _FREE, _ARRIVE, _DRAIN = 0, 1, 2, 3


@dataclass(frozen=True)
class Plan:
    """The counters (as routing sees them) and which of them are open in each quarter-hour."""

    counters: tuple[CounterView, ...]
    schedule: Mapping[int, tuple[int, ...]]
    sessions: Sessions

    def __post_init__(self) -> None:
        known = {c.number for c in self.counters}
        for quarter, numbers in self.schedule.items():
            if not set(numbers) <= known:
                raise BadPlan(N_("the plan opens counters {counters} at quarter {quarter}, which it does not define"),
                              counters=sorted(set(numbers) - known), quarter=quarter)

    def open_count(self, quarter: int) -> int:
        return len(self.schedule.get(quarter, ()))

    def counts(self) -> dict[int, int]:
        return {q: self.open_count(q) for q in self.sessions.quarters()}

    def counter_hours(self) -> float:
        return sum(self.counts().values()) * QUARTER / 3600.0


def one_window_plan(workload: Workload, counts: Mapping[int, int] | int) -> Plan:
    """Counters 1…n authorised for every item; *counts* per quarter-hour (or one number all day)."""
    quarters = workload.sessions.quarters()
    per_quarter = {q: counts for q in quarters} if isinstance(counts, int) else {q: counts.get(q, 0) for q in quarters}
    most = max(per_quarter.values(), default=0)
    if most <= 0:
        raise BadPlan(N_("a plan needs at least one open counter"))
    items = frozenset(i for s in workload.services.values() for i in s.items)
    categories = frozenset(s.category for s in workload.services.values())
    counters = tuple(CounterView(n, items, categories) for n in range(1, most + 1))
    return Plan(counters, {q: tuple(range(1, n + 1)) for q, n in per_quarter.items()}, workload.sessions)


def dedicated_plan(workload: Workload, windows: Mapping[str, int]) -> Plan:
    """The old way: *windows* counters per category, open all day, each serving its category's items
    (and the bundles filed under that category)."""
    if sum(windows.values()) <= 0:
        raise BadPlan(N_("a plan needs at least one window"))
    counters: list[CounterView] = []
    for category, n in sorted(windows.items()):
        items = frozenset(i for s in workload.services.values() if s.category == category for i in s.items)
        for _ in range(n):
            counters.append(CounterView(len(counters) + 1, items, frozenset({category}), dedicated_category=category))
    numbers = tuple(c.number for c in counters)
    return Plan(tuple(counters), {q: numbers for q in workload.sessions.quarters()}, workload.sessions)


def dedicated_windows(workload: Workload, total: int) -> dict[str, int]:
    """Split *total* windows over the categories by offered load (largest remainder; one each at least)."""
    load: dict[str, float] = {}
    for code, share in workload.service_shares().items():
        category = workload.services[code].category
        load[category] = load.get(category, 0.0) + share * workload.service_times[code].mean
    if total < len(load):
        raise BadPlan(N_("{total} windows cannot cover {categories} categories"), total=total, categories=len(load))
    whole = sum(load.values())
    exact = {c: total * v / whole for c, v in load.items()}
    windows = {c: max(1, int(x)) for c, x in exact.items()}
    while sum(windows.values()) < total:
        best = max(exact, key=lambda c: exact[c] - windows[c])
        windows[best] += 1
    while sum(windows.values()) > total:
        worst = max((c for c in windows if windows[c] > 1), key=lambda c: windows[c] - exact[c])
        windows[worst] -= 1
    return windows


@dataclass(slots=True)
class TicketRun:
    """What happened to one arrival: when it was called, served and finished, and where."""

    arrival: Arrival
    called: float | None = None
    started: float | None = None
    finished: float | None = None
    counter: int | None = None

    @property
    def wait(self) -> float | None:
        return None if self.called is None else self.called - self.arrival.at


@dataclass
class DayRun:
    """A simulated day: every ticket, and each counter's busy and open intervals (seconds since midnight)."""

    tickets: list[TicketRun]
    busy: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    open: dict[int, list[tuple[float, float]]] = field(default_factory=dict)


class Observer(Protocol):
    """Watches a simulation: after each arrival is queued, and after each call and each freed counter."""

    def on_arrival(self, sim: "DaySimulation", ticket: int) -> None: ...

    def on_call(self, sim: "DaySimulation", ticket: int, counter: int) -> None: ...

    def on_free(self, sim: "DaySimulation", ticket: int, counter: int) -> None: ...


class DaySimulation:
    """One simulated day; ``run()`` returns its DayRun. Observers may read ``now``, ``waiting``,
    ``busy`` (counter → (ticket, called at)), ``open_counters`` and ``views``."""

    def __init__(self, arrivals: Sequence[Arrival], plan: Plan, policy: OneWindowPolicy, *,
                 no_show_wait_seconds: float = 120.0, observer: Observer | None = None) -> None:
        self.arrivals = list(arrivals)
        self.plan = plan
        self.policy = policy
        self.no_show_wait_seconds = no_show_wait_seconds
        self.observer = observer
        self.views = {c.number: c for c in plan.counters}
        self.runs = [TicketRun(a) for a in self.arrivals]
        self.now = 0.0
        self.waiting: list[QueuedTicket] = []
        self.busy: dict[int, tuple[int, float]] = {}
        self.open_counters: set[int] = set()
        self.idle: set[int] = set()
        self._closing: set[int] = set()
        self._open_since: dict[int, float] = {}
        self._draining = False
        self._heap: list[tuple[float, int, int, int]] = []
        self._order = itertools.count()
        self.result = DayRun(self.runs, {c: [] for c in self.views}, {c: [] for c in self.views})

    def _push(self, at: float, kind: int, payload: int) -> None:
        heapq.heappush(self._heap, (at, kind, next(self._order), payload))

    def run(self) -> DayRun:
        for index, arrival in enumerate(self.arrivals):
            self._push(arrival.at, _ARRIVE, index)
        for start, end in self.plan.sessions.ranges:
            for quarter in range(start, end):
                self._push(quarter * QUARTER, _PLAN, quarter)
            self._push(end * QUARTER, _DRAIN, end)
        handlers = {_PLAN: self._plan_changes, _FREE: self._counter_frees, _ARRIVE: self._arrives,
                    _DRAIN: self._session_ends}
        while self._heap:
            self.now, kind, _, payload = heapq.heappop(self._heap)
            handlers[kind](payload)
        for number in list(self.open_counters):
            self._close(number)
        return self.result

    # ---- events --------------------------------------------------------------------------

    def _arrives(self, index: int) -> None:
        arrival = self.arrivals[index]
        self.waiting.append(QueuedTicket(id=index, category=arrival.service.category, items=arrival.service.items,
                                         priority=arrival.priority, queue_at=arrival.at))
        if self.observer is not None:
            self.observer.on_arrival(self, index)
        for number in sorted(self.idle):
            if self._call_next(number):
                break

    def _counter_frees(self, number: int) -> None:
        ticket, _ = self.busy.pop(number)
        if self.observer is not None:
            self.observer.on_free(self, ticket, number)
        if number in self._closing:
            self._closing.discard(number)
            self._close(number)
        elif number in self.open_counters and not self._call_next(number) and self._draining:
            self._close(number)

    def _plan_changes(self, quarter: int) -> None:
        self._draining = False
        wanted = set(self.plan.schedule.get(quarter, ()))
        for number in self.open_counters - wanted:
            if number in self.busy:
                self._closing.add(number)
            else:
                self._close(number)
        for number in sorted(wanted - self.open_counters):
            self._closing.discard(number)
            self.open_counters.add(number)
            self._open_since[number] = self.now
            if number not in self.busy:
                self._call_next(number)
        for number in wanted & self._closing:
            self._closing.discard(number)

    def _session_ends(self, _: int) -> None:
        self._draining = True
        for number in list(self.idle):
            self._close(number)

    # ---- counters --------------------------------------------------------------------------

    def _call_next(self, number: int) -> bool:
        """The counter calls the ticket the routing policy picks; False (and idle) when there is none."""
        chosen = self.policy.choose(self.views[number], self.waiting, self.now) if self.waiting else None
        if chosen is None:
            self.idle.add(number)
            return False
        self.idle.discard(number)
        self.waiting.remove(chosen)
        run = self.runs[chosen.id]
        run.called, run.counter = self.now, number
        self.busy[number] = (chosen.id, self.now)
        if run.arrival.no_show:
            free_at = self.now + self.no_show_wait_seconds
        else:
            run.started = self.now + run.arrival.walk_seconds
            run.finished = free_at = run.started + run.arrival.service_seconds
        self.result.busy[number].append((self.now, free_at))
        self._push(free_at, _FREE, number)
        if self.observer is not None:
            self.observer.on_call(self, chosen.id, number)
        return True

    def _close(self, number: int) -> None:
        self.idle.discard(number)
        if number in self.open_counters:
            self.open_counters.discard(number)
            self.result.open[number].append((self._open_since.pop(number, self.now), self.now))


def simulate_day(arrivals: Sequence[Arrival], plan: Plan, policy: OneWindowPolicy, *,
                 no_show_wait_seconds: float = 120.0, observer: Observer | None = None) -> DayRun:
    """Run one day of *arrivals* under *plan* through *policy*."""
    return DaySimulation(arrivals, plan, policy, no_show_wait_seconds=no_show_wait_seconds, observer=observer).run()


def visits_of(run: DayRun, day: date) -> list[Visit]:
    """The simulated day as the hall's record would hold it (for fitting a workload to it)."""
    visits = []
    for t in run.tickets:
        a = t.arrival
        state = "waiting" if t.called is None else ("no_show" if a.no_show else "finished")
        visits.append(Visit(day=day, service=a.service, issued=a.at, first_called=t.called, started=t.started,
                            finished=t.finished, state=state, priority=a.priority, appointment=a.appointment,
                            recalls=a.recalls))
    return visits


def waits_of(runs: Iterable[DayRun]) -> list[float]:
    """Every called ticket's wait in seconds, over several days."""
    return [t.wait for run in runs for t in run.tickets if t.wait is not None]
