"""The report figures, defined once for the hall and the prefecture.

A ``Tally`` is the additive summary of a set of tickets: counts, sums and histograms that can be
added up across halls, days and items without going back to the tickets. The prefecture keeps
tallies as rollups on ingest; the hall builds them from its own rows. ``figures()`` turns a tally
into the figures managers read, with the definitions in ``DEFINITIONS``.

Pure Python: no storage, no web.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

#: Upper edges (seconds) of the time histogram: one bin per minute up to an hour, five minutes up to
#: three hours, then one open bin. Bin 0 holds exactly 0 s; a time t > 0 goes to the first edge ≥ t,
#: so "within a target of T minutes" (T ≤ 60) is exactly the sum of bins 0..T.
BIN_EDGES: tuple[float, ...] = tuple([60.0 * m for m in range(61)] + [3600.0 + 300.0 * k for k in range(1, 25)]
                                     + [math.inf])
BINS = len(BIN_EDGES)
SATISFIED_SCORES = (3, 4, 5)
BAD_SCORES = (1, 2)

DEFINITIONS = {
    "waiting": "waiting time = first call − ticket issued (minutes), over the tickets that were called",
    "service": "service time = finished − (last) serving started (minutes), over the finished cases",
    "service_level": "service level = tickets called within the waiting target ÷ tickets called",
    "satisfaction_rate": "satisfaction rate = ratings of 3 to 5 (basically satisfied or better) ÷ ratings given",
    "rating_rate": "rating rate = ratings given ÷ cases finished (served)",
    "accepted": "accepted (受理) = cases finished at a counter (tickets served)",
    "completed": "completed (办结) = cases served, less back-office cases opened, plus back-office cases closed "
                 "(delivered or rejected)",
    "p90": "p90 = the upper edge of the histogram bin (1 minute up to an hour, 5 minutes up to 3 hours) "
           "that holds the nearest-rank 90th percentile",
    "followups": "follow-ups open = bad ratings (1–2) whose follow-up is not closed; overdue = of those, "
                 "the ones the hall flagged past their deadline",
    "item": "a bundle ticket counts once, under its bundle",
}


def bin_of(seconds: float) -> int:
    """The histogram bin of a duration in seconds (negative durations count as 0)."""
    if seconds <= 0:
        return 0
    if seconds <= 3600:
        return math.ceil(seconds / 60.0)
    if seconds <= 10800:
        return 60 + math.ceil((seconds - 3600) / 300.0)
    return BINS - 1


def _hist() -> list[int]:
    return [0] * BINS


@dataclass
class Tally:
    """Counts, sums and histograms of a set of tickets; tallies add up."""

    issued: int = 0
    called: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    wait_sum: float = 0.0
    service_count: int = 0
    service_sum: float = 0.0
    rated: int = 0
    unrated: int = 0
    s1: int = 0
    s2: int = 0
    s3: int = 0
    s4: int = 0
    s5: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    fu_opened: int = 0
    fu_closed: int = 0
    fu_overdue: int = 0
    fu_overdue_closed: int = 0
    wait_hist: list[int] = field(default_factory=_hist)
    service_hist: list[int] = field(default_factory=_hist)

    def add(self, other: Tally) -> Tally:
        """Add *other* into this tally; returns self."""
        for name in SCALARS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in HISTOGRAMS:
            mine, theirs = getattr(self, name), getattr(other, name)
            for i, n in enumerate(theirs):
                if n:
                    mine[i] += n
        return self

    def add_wait(self, seconds: float) -> None:
        self.called += 1
        self.wait_sum += seconds
        self.wait_hist[bin_of(seconds)] += 1

    def add_service(self, seconds: float) -> None:
        self.service_count += 1
        self.service_sum += seconds
        self.service_hist[bin_of(seconds)] += 1

    def add_score(self, score: int) -> None:
        self.rated += 1
        name = f"s{score}"
        setattr(self, name, getattr(self, name) + 1)

    def is_zero(self) -> bool:
        return all(not getattr(self, n) for n in SCALARS) and not any(map(any, (self.wait_hist, self.service_hist)))

    def as_row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_row(cls, row: Any) -> Tally:
        """A tally from a mapping with the same names (a rollup row); missing histograms are empty."""
        values: dict[str, Any] = {name: row[name] or 0 for name in SCALARS}
        for name in HISTOGRAMS:
            hist = list(row[name] or [])
            values[name] = (hist + [0] * BINS)[:BINS]
        return cls(**values)


SCALARS = tuple(f.name for f in fields(Tally) if not f.name.endswith("_hist"))
HISTOGRAMS = ("wait_hist", "service_hist")


def ticket_tally(issued: float, called: float | None, started: float | None, finished: float | None, state: str,
                 score: int | None, unrated: int | bool | None) -> Tally:
    """One ticket's contribution from its times, final state and rating (the hall's tickets row)."""
    tally = Tally(issued=1)
    if called is not None:
        tally.add_wait(called - issued)
    if finished is not None:
        tally.served = 1
        if started is not None and finished >= started:
            tally.add_service(finished - started)
    if state == "no_show":
        tally.no_shows = 1
    elif state == "cancelled":
        tally.cancelled = 1
    if unrated:
        tally.unrated = 1
    elif score is not None:
        tally.add_score(int(score))
    return tally


def ratio(part: float, whole: float) -> float | None:
    """part ÷ whole to four places, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 2)


def nearest_rank(ordered: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of values already sorted."""
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1] if ordered else None


def hist_percentile(hist: Sequence[int], fraction: float) -> float | None:
    """The upper edge (seconds) of the bin holding the nearest-rank percentile; None if empty, inf if open."""
    total = sum(hist)
    if not total:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for index, count in enumerate(hist):
        seen += count
        if seen >= rank:
            return BIN_EDGES[index]
    return BIN_EDGES[-1]


def within(hist: Sequence[int], target_minutes: float) -> int:
    """How many durations are at most *target_minutes* (exact for whole minutes up to 60)."""
    limit = target_minutes * 60.0
    return sum(count for count, edge in zip(hist, BIN_EDGES, strict=False) if edge <= limit)


def _p90_minutes(hist: Sequence[int]) -> float | None:
    value = hist_percentile(hist, 0.9)
    if value is None:
        return None
    return None if math.isinf(value) else minutes(value)


def figures(tally: Tally, target_minutes: float) -> dict[str, Any]:
    """The figures of a report row, as defined in DEFINITIONS."""
    satisfied = tally.s3 + tally.s4 + tally.s5
    return {
        "issued": tally.issued, "called": tally.called, "served": tally.served,
        "accepted": tally.served, "completed": tally.served - tally.cases_opened + tally.cases_closed,
        "no_shows": tally.no_shows, "cancelled": tally.cancelled,
        "waiting_minutes_mean": minutes(tally.wait_sum / tally.called) if tally.called else None,
        "waiting_minutes_p90": _p90_minutes(tally.wait_hist),
        "service_minutes_mean": minutes(tally.service_sum / tally.service_count) if tally.service_count else None,
        "service_minutes_p90": _p90_minutes(tally.service_hist),
        "service_level": ratio(within(tally.wait_hist, target_minutes), tally.called),
        "rated": tally.rated, "unrated": tally.unrated,
        "satisfaction_rate": ratio(satisfied, tally.rated), "rating_rate": ratio(tally.rated, tally.served),
        "bad_ratings": tally.s1 + tally.s2,
        "followups_open": tally.fu_opened - tally.fu_closed,
        "followups_overdue": tally.fu_overdue - tally.fu_overdue_closed,
        "score_distribution": {str(s): getattr(tally, f"s{s}") for s in (5, 4, 3, 2, 1)},
    }


def total(tallies: Iterable[Tally]) -> Tally:
    """The sum of *tallies*."""
    result = Tally()
    for tally in tallies:
        result.add(tally)
    return result
