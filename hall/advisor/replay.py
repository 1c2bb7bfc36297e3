"""The predictors compared on replayed days: each ticket's snapshot is taken when it is issued, every
predictor answers, and the answers are held against the wait the simulation then gives it."""

from __future__ import annotations

import bisect
import heapq
import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..domain.models import QueuedTicket
from ..domain.routing import OneWindowPolicy
from .accuracy import EstimatedWait, EstimateError, estimate_error
from .generator import Arrival
from .predictors import DEFAULT_RANGE, PREDICTORS, RangeModel, WaitEstimate, estimate_wait, shown_range
from .simulator import DaySimulation, Plan
from .snapshot import (
    DUE_WINDOW,
    PRIORITY_WINDOW,
    CounterNow,
    DayHistory,
    MixPrior,
    ServiceMix,
    WaitSnapshot,
    build_snapshot,
    in_hand_of,
    recent_rate,
)
from .workload import ServiceTime

FORWARD = "forward_simulation"


@dataclass
class Prediction:
    """Every predictor's answer (seconds) for one ticket, with its snapshot and the shown estimate."""

    ticket: int
    snapshot: WaitSnapshot
    points: dict[str, float]
    shown: WaitEstimate
    forward_range: tuple[float, float] | None = None


@dataclass
class PredictionLog:
    """Watches a simulation and predicts each ticket's wait at its arrival (a simulator Observer)."""

    policy: OneWindowPolicy
    prior: MixPrior
    ranges: RangeModel = DEFAULT_RANGE
    forward_every: int = 0
    forward_runs: int = 20
    seed: int = 0
    no_show_wait_seconds: float = 120.0
    history: DayHistory = field(default_factory=DayHistory)
    predictions: list[Prediction] = field(default_factory=list)
    #: Wall-clock seconds spent in the forward simulations (what one would cost the hall per ticket).
    forward_seconds: float = 0.0
    _priority_times: deque[float] = field(default_factory=deque)
    _slots: list[tuple[float, float]] | None = None

    def on_arrival(self, sim: DaySimulation, ticket: int) -> None:
        arrival = sim.arrivals[ticket]
        if self._slots is None:
            self._slots = sorted((a.slot_start if a.slot_start is not None else a.at, a.at)
                                 for a in sim.arrivals if a.appointment)
        now = sim.now
        while self._priority_times and self._priority_times[0] < now - PRIORITY_WINDOW:
            self._priority_times.popleft()
        queued = sim.waiting[-1]
        counters = [self._counter_now(sim, number) for number in sorted(sim.views)]
        mix = ServiceMix.of_day(self.history, self.prior, in_hand_of(counters, now, self.history))
        snapshot = build_snapshot(self.policy, queued, counters, self.history, mix, now, waiting=sim.waiting,
                                  priority_rate=recent_rate(len(self._priority_times), now - sim.arrivals[0].at),
                                  appointments_due=self._appointments_due(now),
                                  appointment_show_rate=self.prior.appointment_show_rate)
        points = {name: predict(snapshot) for name, predict in PREDICTORS.items()}
        prediction = Prediction(ticket, snapshot, points, estimate_wait(snapshot, ranges=self.ranges))
        if self.forward_every and ticket % self.forward_every == 0:
            started = time.perf_counter()
            runs = forward_waits(sim, queued, mix, self.policy, snapshot.priority_rate,
                                 random.Random(self.seed * 100_003 + ticket), self.forward_runs)
            self.forward_seconds += time.perf_counter() - started
            if runs:
                ordered = sorted(runs)
                points[FORWARD] = sum(runs) / len(runs)
                prediction.forward_range = (ordered[len(ordered) // 10], ordered[(9 * len(ordered)) // 10])
        self.predictions.append(prediction)
        if arrival.priority and not arrival.appointment:
            self._priority_times.append(now)

    def _appointments_due(self, now: float) -> int:
        """Bookings whose holder has not checked in yet and whose slot starts within the horizon."""
        slots = self._slots or []
        end = bisect.bisect_right(slots, (now + DUE_WINDOW, float("inf")))
        return sum(1 for slot, at in slots[:end] if at > now and slot >= now - DUE_WINDOW)

    @staticmethod
    def _counter_now(sim: DaySimulation, number: int) -> CounterNow:
        held = sim.busy.get(number)
        items = sim.arrivals[held[0]].service.items if held else None
        return CounterNow(sim.views[number], number in sim.open_counters, held[1] if held else None, items)

    def on_call(self, sim: DaySimulation, ticket: int, counter: int) -> None:
        self.history.record_call(sim.now, sim.now - sim.arrivals[ticket].at)

    def on_free(self, sim: DaySimulation, ticket: int, counter: int) -> None:
        run = sim.runs[ticket]
        assert run.called is not None
        self.history.record_case(run.arrival.service.items, run.called, run.started, sim.now, self.prior)


def forward_waits(sim: DaySimulation, ticket: QueuedTicket, mix: ServiceMix, policy: OneWindowPolicy,
                  priority_rate: float, rng: random.Random, runs: int) -> list[float]:
    """The simulator run forward from the current state *runs* times: the ticket's wait in each run.

    Cases in hand and tickets waiting get durations drawn from today's mix (never the simulation's own
    future); priority walk-ins arrive at the recent rate; the open counters stay open.
    """
    open_counters = [n for n in sorted(sim.open_counters) if policy.eligible(sim.views[n], ticket)]
    if not open_counters:
        return []
    waits = []
    for _ in range(runs):
        free: list[tuple[float, int]] = []
        for number in sorted(sim.open_counters):
            held = sim.busy.get(number)
            left = 0.0
            if held is not None:
                items = sim.arrivals[held[0]].service.items
                left = _draw_remaining(mix, items, sim.now - held[1], rng)
            free.append((sim.now + left, number))
        heapq.heapify(free)
        waiting = list(sim.waiting)
        next_priority = sim.now + (rng.expovariate(priority_rate) if priority_rate > 0 else float("inf"))
        serial = -1
        while free:
            at, number = heapq.heappop(free)
            while next_priority <= at:
                waiting.append(QueuedTicket(serial, ticket.category, ticket.items, True, next_priority))
                serial -= 1
                next_priority += rng.expovariate(priority_rate)
            chosen = policy.choose(sim.views[number], waiting, at)
            if chosen is None:
                continue
            if chosen.id == ticket.id:
                waits.append(at - sim.now)
                break
            waiting.remove(chosen)
            items = sim.arrivals[chosen.id].service.items if chosen.id >= 0 else chosen.items
            heapq.heappush(free, (at + _draw_cycle(mix, items, rng), number))
    return waits


def _draw_cycle(mix: ServiceMix, items: frozenset[str], rng: random.Random) -> float:
    if rng.random() < mix.no_show_rate:
        return mix.no_show_wait_seconds
    return mix.walk_seconds + ServiceTime.from_mean(mix.handling(items), mix.service_cv).sample(rng)


def _draw_remaining(mix: ServiceMix, items: frozenset[str], elapsed: float, rng: random.Random) -> float:
    handling = ServiceTime.from_mean(mix.handling(items), mix.service_cv)
    if elapsed < mix.walk_seconds:
        return mix.walk_seconds - elapsed + handling.sample(rng)
    served = elapsed - mix.walk_seconds
    for _ in range(20):
        total = handling.sample(rng)
        if total > served:
            return total - served
    return handling.mean_residual(served)


@dataclass(frozen=True)
class Comparison:
    """Each predictor's error over the replayed tickets, and over the tickets the forward simulation was
    run for (a sample: it is too slow for every ticket). Around every predictor the shown range is
    built the same way, except the forward simulation's (its own 10–90 % spread) and the shown
    estimate's (``estimate_wait``)."""

    errors: dict[str, EstimateError]
    sampled: dict[str, EstimateError]
    tickets: int
    mean_wait_minutes: float
    forward_seconds_per_ticket: float | None


#: The estimate the hall shows, under its own name in the comparison.
SHOWN = "shown_estimate"


def replay_predictions(days: Sequence[Sequence[Arrival]], plan: Plan, policy: OneWindowPolicy, prior: MixPrior, *,
                       ranges: RangeModel = DEFAULT_RANGE, forward_every: int = 0, forward_runs: int = 20,
                       no_show_wait_seconds: float = 120.0) -> tuple[Comparison, list[list[Prediction]]]:
    """Simulate each day under *plan*, predicting every ticket at issue; compare with the waits it got."""
    per_day: list[list[Prediction]] = []
    everything: dict[str, list[EstimatedWait]] = {}
    sampled: dict[str, list[EstimatedWait]] = {}
    waits: list[float] = []
    forward_time = 0.0
    forward_count = 0
    for seed, arrivals in enumerate(days):
        log = PredictionLog(policy, prior, ranges, forward_every, forward_runs, seed, no_show_wait_seconds)
        run = DaySimulation(arrivals, plan, policy, no_show_wait_seconds=no_show_wait_seconds, observer=log).run()
        per_day.append(log.predictions)
        forward_time += log.forward_seconds
        for p in log.predictions:
            wait = run.tickets[p.ticket].wait
            if wait is None:
                continue
            actual = wait / 60.0
            waits.append(actual)
            rows = {name: _estimated(p, name, seconds, ranges, actual) for name, seconds in p.points.items()}
            rows[SHOWN] = EstimatedWait(p.shown.point, p.shown.low, p.shown.high, actual)
            for name, row in rows.items():
                everything.setdefault(name, []).append(row)
                if FORWARD in p.points:
                    sampled.setdefault(name, []).append(row)
            forward_count += FORWARD in p.points
    comparison = Comparison(
        errors={name: estimate_error(rows) for name, rows in everything.items() if name != FORWARD},
        sampled={name: estimate_error(rows) for name, rows in sampled.items()},
        tickets=len(waits), mean_wait_minutes=sum(waits) / len(waits) if waits else 0.0,
        forward_seconds_per_ticket=forward_time / forward_count if forward_count else None)
    return comparison, per_day


def _estimated(p: Prediction, name: str, seconds: float, ranges: RangeModel, actual: float) -> EstimatedWait:
    if name == FORWARD and p.forward_range is not None:
        low, high = shown_range(*p.forward_range)
    elif seconds <= 0.0 and p.snapshot.ahead < p.snapshot.idle:
        low, high = 0, 1
    else:
        spread = ranges.spread(p.snapshot, seconds)
        low, high = shown_range(seconds - ranges.z_low * spread, seconds + ranges.z_high * spread)
    return EstimatedWait(round(seconds / 60.0), low, high, actual)
