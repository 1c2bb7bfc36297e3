"""Erlang C and the square-root staffing rule: how many counters a steady stream of tickets needs."""

from __future__ import annotations

import math

from ..domain.errors import N_
from .errors import BadPlan


def erlang_c(counters: int, load: float) -> float:
    """Probability that a ticket has to wait in an M/M/c queue with *load* = arrival rate × mean cycle."""
    if load <= 0:
        return 0.0
    if counters <= load:
        return 1.0
    blocking = 1.0  # Erlang B by its recursion: stable for any number of counters
    for k in range(1, counters + 1):
        blocking = load * blocking / (k + load * blocking)
    return counters * blocking / (counters - load * (1.0 - blocking))


def service_level(counters: int, load: float, mean_cycle_seconds: float, target_seconds: float) -> float:
    """Share of tickets called within *target_seconds* in the M/M/c queue (0 when it is overloaded)."""
    if load <= 0:
        return 1.0
    if counters <= load:
        return 0.0
    return 1.0 - erlang_c(counters, load) * math.exp(-(counters - load) * target_seconds / mean_cycle_seconds)


def mean_wait_seconds(counters: int, load: float, mean_cycle_seconds: float) -> float:
    """Mean wait in the M/M/c queue (infinite when it is overloaded)."""
    if load <= 0:
        return 0.0
    if counters <= load:
        return math.inf
    return erlang_c(counters, load) * mean_cycle_seconds / (counters - load)


def erlang_counters(rate_per_second: float, mean_cycle_seconds: float, target_seconds: float,
                    target_share: float, *, most: int = 200) -> int:
    """The fewest counters that call *target_share* of tickets within *target_seconds* (Erlang C)."""
    if not 0.0 < target_share < 1.0:
        raise BadPlan(N_("the target share must lie strictly between 0 and 1"))
    load = rate_per_second * mean_cycle_seconds
    if load <= 0:
        return 0
    counters = max(1, math.floor(load) + 1)
    while counters < most and service_level(counters, load, mean_cycle_seconds, target_seconds) < target_share:
        counters += 1
    return counters


def square_root_counters(load: float, beta: float) -> int:
    """The square-root staffing rule (Halfin–Whitt): load + β√load counters, rounded up."""
    return 0 if load <= 0 else math.ceil(load + beta * math.sqrt(load))


def implied_beta(counters: int, load: float) -> float:
    """The β of the square-root rule that a number of counters amounts to."""
    return (counters - load) / math.sqrt(load) if load > 0 else 0.0
