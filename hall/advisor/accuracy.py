"""How wrong the shown estimates were: a day's (or a replay's) error, from estimated against actual waits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .timeline import percentile


@dataclass(frozen=True)
class EstimatedWait:
    """One ticket's shown estimate (minutes; the range may be unknown for old tickets) and its actual wait."""

    point: float
    low: float | None
    high: float | None
    actual_minutes: float


@dataclass(frozen=True)
class EstimateError:
    """Mean and p90 absolute error (minutes), mean signed error (+ = waits longer than shown), and the
    share of tickets whose actual wait fell inside the shown range."""

    tickets: int
    mean_abs_minutes: float | None
    p90_abs_minutes: float | None
    bias_minutes: float | None
    coverage: float | None
    ranged: int

    def as_dict(self) -> dict[str, float | int | None]:
        return {name: (round(v, 3) if isinstance(v, float) else v) for name, v in self.__dict__.items()}


def estimate_error(estimates: Iterable[EstimatedWait]) -> EstimateError:
    """The error of a set of estimates; tickets never called are not in it (they have no actual wait)."""
    errors: list[float] = []
    inside = ranged = 0
    for e in estimates:
        errors.append(e.actual_minutes - e.point)
        if e.low is not None and e.high is not None:
            ranged += 1
            inside += e.low <= e.actual_minutes <= e.high
    absolute = [abs(x) for x in errors]
    return EstimateError(
        tickets=len(errors),
        mean_abs_minutes=sum(absolute) / len(absolute) if absolute else None,
        p90_abs_minutes=percentile(absolute, 0.9),
        bias_minutes=sum(errors) / len(errors) if errors else None,
        coverage=inside / ranged if ranged else None, ranged=ranged,
    )
