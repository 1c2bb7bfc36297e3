"""The staffing advisor: the fewest counters per quarter-hour that meet a waiting target, from the
Erlang-C bound confirmed (and corrected) by simulating days through the hall's routing policy; and
one-window against dedicated windows on the same citizens."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..domain.errors import N_
from ..domain.routing import OneWindowPolicy, make_policy
from .errors import BadPlan
from .generator import Arrival, generate_day
from .metrics import Figures, day_figures, service_level
from .simulator import DayRun, Plan, dedicated_plan, dedicated_windows, one_window_plan, simulate_day
from .staffing import erlang_counters, implied_beta, square_root_counters
from .timeline import QUARTER
from .workload import Workload

Progress = Callable[[str], None]
#: The reference reform cut handling time by about 40 %: one-window handling at 60 % of the old.
REFORM_HANDLING = 0.6
#: How finely the safety margin β of the square-root rule is searched.
BETA_STEP = 0.05
#: The training days must meet the target on this much more than the asked share of days.
DAYS_MARGIN = 0.03


@dataclass(frozen=True)
class Target:
    """"*share* of tickets called within *minutes*", to be met on *days_share* of days (城市一刻钟)."""

    minutes: float = 15.0
    share: float = 0.8
    days_share: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.minutes <= 240:
            raise BadPlan(N_("the target must be between 1 and 240 minutes"))
        if not 0 < self.share < 1 or not 0 < self.days_share <= 1:
            raise BadPlan(N_("the target shares must lie between 0 and 1"))

    @property
    def seconds(self) -> float:
        return self.minutes * 60.0


def sample_days(workload: Workload, weekday: int, count: int, seed: int, *, month_start: bool = False,
                volume: float = 1.0) -> list[list[Arrival]]:
    """*count* days of arrivals of one weekday (ordinary, or at the start of a month), seeded."""
    base = date(2026, 1, 12 if not month_start else 5)  # a Monday mid-month / at a month start
    day = base + timedelta(days=(weekday - base.weekday()) % 7)
    if month_start and day.day > workload.month_start_days:
        day = date(2026, 6, 1) + timedelta(days=(weekday - date(2026, 6, 1).weekday()) % 7)
    return [generate_day(workload, day, random.Random(seed * 7919 + i), volume=volume) for i in range(count)]


@dataclass
class Recommendation:
    """The advised plan: counters per quarter-hour, the Erlang-C bound it started from, and how the
    simulated days fared under it."""

    weekday: int
    target: Target
    counts: dict[int, int]
    erlang: dict[int, int]
    square_root: dict[int, int]
    offered_load: dict[int, float]
    met_share: float
    days: int
    figures: Figures
    per_hour: dict[int, Figures]
    simulations: int
    month_start: bool = False
    notes: list[str] = field(default_factory=list)
    #: The square-root rule's safety margin of the plan (counters = load + β√load).
    beta: float = 0.0

    @property
    def counter_hours(self) -> float:
        return sum(self.counts.values()) * QUARTER / 3600.0

    @property
    def erlang_counter_hours(self) -> float:
        return sum(self.erlang.values()) * QUARTER / 3600.0

    def as_dict(self) -> dict[str, object]:
        return {
            "weekday": self.weekday, "month_start": self.month_start,
            "target": {"minutes": self.target.minutes, "share": self.target.share,
                       "days_share": self.target.days_share},
            "quarters": [{"quarter": q, "counters": self.counts[q], "erlang": self.erlang[q],
                          "square_root": self.square_root[q], "offered_load": round(self.offered_load[q], 2)}
                         for q in sorted(self.counts)],
            "counter_hours": round(self.counter_hours, 2), "erlang_counter_hours": round(self.erlang_counter_hours, 2),
            "met_share": round(self.met_share, 4), "days": self.days, "simulations": self.simulations,
            "beta": self.beta,
            "figures": self.figures.as_dict(),
            "per_hour": {str(h): f.as_dict() for h, f in sorted(self.per_hour.items())},
            "notes": self.notes,
        }


def erlang_plan(workload: Workload, weekday: int, target: Target, *, factor: float = 1.0,
                most: int = 60) -> tuple[dict[int, int], dict[int, int], dict[int, float]]:
    """Per quarter-hour: the Erlang-C counters, the square-root rule's, and the offered load."""
    cycle = workload.mean_cycle_seconds()
    counts, roots, loads = {}, {}, {}
    for q in workload.sessions.quarters():
        rate = workload.quarter_rate(weekday, q, factor)
        loads[q] = rate * cycle
        counts[q] = max(1, erlang_counters(rate, cycle, target.seconds, target.share, most=most))
        roots[q] = max(1, square_root_counters(loads[q], implied_beta(counts[q], loads[q])))
    return counts, roots, loads


class _Trial:
    """Simulated days under plans built from per-quarter counts, on the same citizens every time."""

    def __init__(self, workload: Workload, days: Sequence[Sequence[Arrival]], policy: OneWindowPolicy,
                 target: Target) -> None:
        self.workload, self.days, self.policy, self.target = workload, days, policy, target
        self.simulations = 0

    def run(self, counts: Mapping[int, int]) -> list[DayRun]:
        plan = one_window_plan(self.workload, counts)
        self.simulations += len(self.days)
        return [simulate_day(d, plan, self.policy, no_show_wait_seconds=self.workload.no_show_wait_seconds)
                for d in self.days]

    def met(self, runs: Sequence[DayRun]) -> float:
        """Share of the days whose service level reaches the target."""
        return sum(1 for r in runs if service_level(r, self.target.seconds) >= self.target.share) / len(runs)


def square_root_plan(loads: Mapping[int, float], beta: float, most: int) -> dict[int, int]:
    """Counters per quarter-hour by the square-root rule with one safety margin *beta*."""
    return {q: min(most, max(1, square_root_counters(a, beta))) for q, a in loads.items()}


def recommend(workload: Workload, weekday: int, target: Target = Target(), *, policy: OneWindowPolicy | None = None,
              days: int = 60, confirm_days: int = 100, seed: int = 1, month_start: bool = False,
              most: int = 60, progress: Progress | None = None) -> Recommendation:
    """The fewest counters per quarter-hour meeting *target* on the simulated days of *weekday*.

    Erlang C gives each quarter-hour's counters as if it were a steady state, and the safety margin β
    (counters = load + β√load, the square-root rule) that amounts to. The advisor keeps that shape
    and searches the one β whose plan meets the target on enough simulated days: the queue carried
    over from the morning peak, the day-to-day swings of volume and pace, the routing's priority and
    fairness rules are what Erlang C cannot see. One number fitted to the training days cannot fit
    their luck the way a count per quarter-hour would; fresh days confirm it.
    """
    policy = policy or make_policy("one-window", 1800)
    say = progress or (lambda message: None)
    factor = workload.month_start_factor if month_start else 1.0
    erlang, roots, loads = erlang_plan(workload, weekday, target, factor=factor, most=most)
    training = _Trial(workload, sample_days(workload, weekday, days, seed, month_start=month_start), policy, target)
    aim = min(1.0, target.days_share + DAYS_MARGIN)
    betas = sorted(implied_beta(erlang[q], loads[q]) for q in loads if loads[q] > 0)
    start = betas[len(betas) // 2] if betas else 0.5

    def meets(beta: float) -> bool:
        met = training.met(training.run(square_root_plan(loads, beta, most)))
        say(f"β = {beta:.2f}: {met:.0%} of {days} days meet the target")
        return met >= aim

    low, high = start, start
    if meets(start):
        while low > -1.0 and meets(low - 0.5):
            low -= 0.5
        low, high = low - 0.5, low
    else:
        while high < 6.0 and not meets(high + 0.5):
            high += 0.5
        low, high = high, high + 0.5
    while high - low > BETA_STEP:
        middle = (low + high) / 2
        if meets(middle):
            high = middle
        else:
            low = middle
    counts = square_root_plan(loads, high, most)
    confirm = _Trial(workload, sample_days(workload, weekday, confirm_days, seed + 1000, month_start=month_start),
                     policy, target)
    confirmed = confirm.run(counts)
    overall, per_hour = day_figures(confirmed, target.seconds)
    notes = ["erlang_short"] if sum(counts.values()) > sum(erlang.values()) else []
    return Recommendation(weekday, target, counts, erlang, roots, loads, confirm.met(confirmed), confirm_days,
                          overall, per_hour, training.simulations + confirm.simulations, month_start, notes,
                          beta=round(high, 3))


# ---- one-window against dedicated windows ---------------------------------------------------------

@dataclass(frozen=True)
class PolicyResult:
    """One way of running the hall on the comparison's days."""

    name: str
    policy: str
    counters: int
    windows: dict[str, int]
    figures: Figures

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "policy": self.policy, "counters": self.counters, "windows": self.windows,
                "figures": self.figures.as_dict()}


@dataclass(frozen=True)
class PolicyComparison:
    """One-window against dedicated windows on the same simulated citizens, and where the balance turns."""

    results: list[PolicyResult]
    one_window_beats_dedicated: bool
    counters_to_match: int | None
    volume_to_match: float | None
    handling_to_match: float | None
    days: int
    #: With the reform's faster handling (REFORM_HANDLING of today's), the share of today's tickets up to
    #: which the one-window counters beat the dedicated windows as they run today.
    reform_volume_to_match: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {"results": [r.as_dict() for r in self.results],
                "one_window_beats_dedicated": self.one_window_beats_dedicated,
                "counters_to_match": self.counters_to_match, "volume_to_match": self.volume_to_match,
                "handling_to_match": self.handling_to_match, "days": self.days,
                "reform_handling": REFORM_HANDLING, "reform_volume_to_match": self.reform_volume_to_match}


def _run_plan(workload: Workload, days: Sequence[Sequence[Arrival]], plan: Plan, policy_name: str,
              target: Target) -> Figures:
    policy = make_policy(policy_name, 1800)
    runs = [simulate_day(d, plan, policy, no_show_wait_seconds=workload.no_show_wait_seconds) for d in days]
    return day_figures(runs, target.seconds)[0]


def _beats(a: Figures, b: Figures) -> bool:
    return (a.called == a.tickets and a.mean_wait is not None and b.mean_wait is not None
            and a.p90_wait is not None and b.p90_wait is not None
            and a.mean_wait < b.mean_wait and a.p90_wait < b.p90_wait)


def compare_policies(workload: Workload, weekday: int, *, one_window: int = 5, dedicated: int = 10,
                     days: int = 10, seed: int = 2, target: Target = Target(),
                     progress: Progress | None = None) -> PolicyComparison:
    """*one_window* one-window counters against *dedicated* windows split by category, on the same days;
    then the fewest one-window counters that beat the dedicated windows, and, if *one_window* counters
    do not, how much lighter the day (fewer tickets, or faster handling) would have to be for them to."""
    from .generator import scaled

    say = progress or (lambda message: None)
    windows = dedicated_windows(workload, dedicated)
    sample = sample_days(workload, weekday, days, seed)
    say(f"dedicated: {dedicated} windows {windows}")
    old = _run_plan(workload, sample, dedicated_plan(workload, windows), "dedicated", target)
    say(f"one-window: {one_window} counters")
    new = _run_plan(workload, sample, one_window_plan(workload, one_window), "one-window", target)
    same = _run_plan(workload, sample, one_window_plan(workload, dedicated), "one-window", target)
    results = [PolicyResult("dedicated", "dedicated", dedicated, windows, old),
               PolicyResult("one_window", "one-window", one_window, {}, new),
               PolicyResult("one_window_same_staff", "one-window", dedicated, {}, same)]
    wins = _beats(new, old)
    to_match = None
    # Fewer counters than the day's mean offered load can never keep up: start the search there.
    load = workload.daily_arrivals(weekday) * workload.mean_cycle_seconds() / workload.sessions.open_seconds
    for n in range(max(1, int(load)), dedicated + 1):
        say(f"fewest one-window counters that beat {dedicated} dedicated windows: trying {n}")
        if _beats(_run_plan(workload, sample, one_window_plan(workload, n), "one-window", target), old):
            to_match = n
            break
    volume = handling = None
    if not wins:
        def lighter_day(x: float) -> bool:  # both ways of running the hall on a day with fewer tickets
            light = scaled(workload, volume=x)
            light_days = sample_days(light, weekday, days, seed)
            return _beats(_run_plan(light, light_days, one_window_plan(light, one_window), "one-window", target),
                          _run_plan(light, light_days, dedicated_plan(light, windows), "dedicated", target))

        def faster_handling(x: float) -> bool:  # the reform's own claim: one-window handling got faster
            fast = scaled(workload, handling=x)
            return _beats(_run_plan(fast, sample_days(fast, weekday, days, seed), one_window_plan(fast, one_window),
                                    "one-window", target), old)

        def reformed(x: float) -> bool:  # faster handling as the reform reports, and a day with fewer tickets
            new_way = scaled(workload, volume=x, handling=REFORM_HANDLING)
            return _beats(_run_plan(new_way, sample_days(new_way, weekday, days, seed),
                                    one_window_plan(new_way, one_window), "one-window", target), old)

        volume = _turning_point(lighter_day, say, "tickets")
        handling = _turning_point(faster_handling, say, "handling time")
        reform = _turning_point(reformed, say, "tickets, with the reform's handling")
    else:
        reform = None
    return PolicyComparison(results, wins, to_match, volume, handling, days, reform)


def _turning_point(wins_at: Callable[[float], bool], say: Progress, what: str) -> float | None:
    """The largest factor in (0, 1] at which *wins_at* holds (bisection, 2 % steps), None if not even at 5 %."""
    low, high = 0.05, 1.0
    if not wins_at(low):
        return None
    for step in range(6):
        middle = (low + high) / 2
        say(f"where one-window wins: {what} × {middle:.2f} ({step + 1}/6)")
        if wins_at(middle):
            low = middle
        else:
            high = middle
    return round(low, 3)
