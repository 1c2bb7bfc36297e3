"""Estimated waiting time for a new ticket."""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean_service_minutes(recent_service_seconds: Sequence[float], fallback_minutes: float) -> float:
    """The mean of recent service times in minutes, or the catalogue's figure when there are none."""
    samples = [s for s in recent_service_seconds if s > 0]
    if len(samples) < 3:
        return fallback_minutes
    return sum(samples) / len(samples) / 60.0


def estimate_wait_minutes(people_ahead: int, serving_counters: int, service_minutes: float) -> int:
    """Minutes until a ticket with *people_ahead* is called, rounded up.

    Each of *serving_counters* takes one ticket every *service_minutes*; with
    nobody ahead and a free counter the wait is zero.
    """
    if people_ahead <= 0:
        return 0
    counters = max(1, serving_counters)
    return math.ceil(people_ahead * service_minutes / counters)
