"""Figures of simulated days: waits, service level and counter utilisation, per hour and for the day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .simulator import DayRun
from .timeline import hour_of, mean, percentile


@dataclass(frozen=True)
class Figures:
    """Waiting figures (minutes) and service level of a group of tickets, and the counters' utilisation."""

    tickets: int
    called: int
    mean_wait: float | None
    p50_wait: float | None
    p90_wait: float | None
    max_wait: float | None
    service_level: float | None
    utilisation: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {name: (round(v, 4) if isinstance(v, float) else v) for name, v in self.__dict__.items()}


def figures(waits_seconds: Sequence[float], tickets: int, target_seconds: float,
            utilisation: float | None = None) -> Figures:
    """Figures of the called tickets' waits; a ticket never called counts against the service level."""
    minutes = [w / 60.0 for w in waits_seconds]
    within = sum(1 for w in waits_seconds if w <= target_seconds)
    return Figures(tickets=tickets, called=len(minutes), mean_wait=mean(minutes), p50_wait=percentile(minutes, 0.5),
                   p90_wait=percentile(minutes, 0.9), max_wait=max(minutes) if minutes else None,
                   service_level=within / tickets if tickets else None, utilisation=utilisation)


def _add_interval(bins: dict[int, float], start: float, end: float) -> None:
    """Add the seconds of [start, end) to the hour bins they fall in."""
    while start < end:
        hour = hour_of(start)
        edge = min(end, (hour + 1) * 3600.0)
        bins[hour] += edge - start
        start = edge


def day_figures(runs: Iterable[DayRun], target_seconds: float) -> tuple[Figures, dict[int, Figures]]:
    """The figures of one or several simulated days, overall and per hour of arrival."""
    waits: dict[int, list[float]] = defaultdict(list)
    tickets: dict[int, int] = defaultdict(int)
    busy: dict[int, float] = defaultdict(float)
    opened: dict[int, float] = defaultdict(float)
    for run in runs:
        for t in run.tickets:
            hour = hour_of(t.arrival.at)
            tickets[hour] += 1
            if t.wait is not None:
                waits[hour].append(t.wait)
        for intervals in run.busy.values():
            for start, end in intervals:
                _add_interval(busy, start, end)
        for intervals in run.open.values():
            for start, end in intervals:
                _add_interval(opened, start, end)
    hours = sorted(set(tickets) | set(opened))
    per_hour = {h: figures(waits[h], tickets[h], target_seconds,
                           busy[h] / opened[h] if opened[h] else None) for h in hours}
    everything = [w for h in hours for w in waits[h]]
    total_open = sum(opened.values())
    return figures(everything, sum(tickets.values()), target_seconds,
                   sum(busy.values()) / total_open if total_open else None), per_hour


def service_level(run: DayRun, target_seconds: float) -> float:
    """Share of a day's tickets called within the target (1.0 for a day without tickets)."""
    if not run.tickets:
        return 1.0
    return sum(1 for t in run.tickets if t.wait is not None and t.wait <= target_seconds) / len(run.tickets)
