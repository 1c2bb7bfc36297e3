"""The clerks' daily assessment (日常考核), computed from the hall's record: cases handled, handling time
per item, the share of items a clerk is authorised for (toward 一岗全能), ratings and the follow-up of
every bad rating."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..ratings import BAD_LEVELS, SATISFIED_LEVELS, followup_figures, is_overdue
from .timeline import mean, percentile


@dataclass(frozen=True)
class HandledCase:
    """One finished case of a clerk: the service (item or "bundle:" code), handling, rating, follow-up."""

    ticket: int
    number: str
    day: str
    clerk: str
    service: str
    handling_seconds: float | None
    score: int | None
    followup: Mapping[str, Any] | None = None


@dataclass
class ClerkAssessment:
    """One clerk's figures over a period."""

    clerk: str
    name: str
    counter: int | None
    authorised_items: int
    active_items: int
    cases: list[HandledCase] = field(default_factory=list)

    def as_dict(self, now: float, names: Mapping[str, str]) -> dict[str, Any]:
        handled = [c.handling_seconds / 60.0 for c in self.cases if c.handling_seconds is not None]
        per_service: dict[str, list[float]] = defaultdict(list)
        for c in self.cases:
            if c.handling_seconds is not None:
                per_service[c.service].append(c.handling_seconds / 60.0)
        scores = [c.score for c in self.cases if c.score is not None]
        bad = [c for c in self.cases if c.score in BAD_LEVELS]
        followups = [c.followup for c in bad if c.followup is not None]
        return {
            "clerk": self.clerk, "name": self.name, "counter": self.counter, "cases": len(self.cases),
            "handling_minutes_mean": _round(mean(handled)), "handling_minutes_p90": _round(percentile(handled, 0.9)),
            "items": [{"service": code, "name": names.get(code, code), "cases": len(values),
                       "mean_minutes": _round(mean(values)), "p90_minutes": _round(percentile(values, 0.9))}
                      for code, values in sorted(per_service.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
            "items_handled": len(per_service),
            "authorised_items": self.authorised_items, "active_items": self.active_items,
            "authorised_share": round(self.authorised_items / self.active_items, 4) if self.active_items else None,
            "rated": len(scores),
            "rating_rate": round(len(scores) / len(self.cases), 4) if self.cases else None,
            "satisfaction_rate": (round(sum(1 for s in scores if s in SATISFIED_LEVELS) / len(scores), 4)
                                  if scores else None),
            "mean_score": _round(mean([float(s) for s in scores])),
            "bad_ratings": len(bad),
            "followups": followup_figures(followups, now),
            "bad": [{"ticket": c.ticket, "number": c.number, "day": c.day, "score": c.score,
                     "followup_state": c.followup["state"] if c.followup else None,
                     "due_day": c.followup["due_day"] if c.followup else None,
                     "closed_in_time": (bool(c.followup["closed_in_time"])
                                        if c.followup and c.followup["closed_in_time"] is not None else None),
                     "overdue": is_overdue(c.followup, now) if c.followup else False} for c in bad],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def assess(cases: Iterable[HandledCase], staff: Sequence[Mapping[str, Any]], authorised: Mapping[int, int],
           active_items: int, now: float, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each clerk's assessment: every member of *staff* (username, display_name, counter) listed, with
    the cases of the period that are theirs; *authorised* counts the items of each counter."""
    clerks = {s["username"]: ClerkAssessment(s["username"], s["display_name"], s["counter"],
                                             authorised.get(s["counter"], 0) if s["counter"] is not None else 0,
                                             active_items) for s in staff}
    for case in cases:
        if case.clerk in clerks:
            clerks[case.clerk].cases.append(case)
    return [clerks[name].as_dict(now, names) for name in sorted(clerks)]
