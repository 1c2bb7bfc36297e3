"""Wait predictors over a WaitSnapshot, and the estimate the hall shows: a point and a range in minutes.

Each predictor returns seconds. Compared on replayed days by ``hall.advisor.replay`` (see
docs/advisor.md for the table); the hall uses :func:`estimate_wait`, which is the best of them on
those days plus a range calibrated there. All are pure and cost microseconds.

- ``queue_length_today``: people ahead × the day's recent call-to-finish cycle ÷ able counters (the
  hall's first estimate);
- ``queue_length``: the M/M/c answer, (ahead + 1 − idle counters) departures × cycle ÷ counters;
- ``head_of_line`` and ``last_to_enter_service``: the delay so far of the ticket first in line, and the
  delay of the last ticket called (Ibrahim & Whitt's delay-history predictors);
- ``item_mix``: each counter frees when its case in hand is expected to end (given how long it has
  lasted), then takes the tickets ahead in turn, each for its items' expected handling today (blended,
  while few counters must free first, with the stationary share of the work in hand and ahead);
- ``item_mix_priority``: the same plus the priority tickets expected to arrive while the ticket waits
  and the appointments due, which the routing calls first (until the fairness guard stops them);
- ``blend``: a weighted mean of ``item_mix_priority`` and ``last_to_enter_service``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

from .snapshot import WaitSnapshot

#: Appointments due (counted over the next 30 minutes by the snapshot builders) arrive over about this long.
APPOINTMENT_HORIZON = 1200.0

Predictor = Callable[[WaitSnapshot], float]


def _counters(s: WaitSnapshot) -> int:
    return max(1, s.counters_able)


def queue_length_today(s: WaitSnapshot) -> float:
    if s.ahead <= 0:
        return 0.0
    cycle = s.recent_cycle_seconds if s.recent_cycle_seconds is not None else s.mean_cycle_seconds
    return s.ahead * cycle / _counters(s)


def queue_length(s: WaitSnapshot) -> float:
    departures = s.ahead + 1 - s.idle
    return max(0, departures) * s.mean_cycle_seconds / _counters(s)


def head_of_line(s: WaitSnapshot) -> float:
    if s.head_of_line_seconds is not None:
        return s.head_of_line_seconds
    return 0.0 if s.idle else s.mean_cycle_seconds / _counters(s)


def last_to_enter_service(s: WaitSnapshot) -> float:
    if s.ahead < s.idle:
        return 0.0
    return s.last_called_wait_seconds or 0.0


def _scheduled(s: WaitSnapshot) -> float:
    """Each counter frees when its case in hand is expected to end, then takes the tickets ahead in turn."""
    free = [0.0] * s.idle + list(s.busy_remaining)
    each = s.ahead_cycle_seconds / s.ahead if s.ahead else 0.0
    return schedule_start(free, each, s.ahead)


def schedule_start(free: list[float], each: float, ahead: int) -> float:
    """When the next ticket starts if counters free at *free* and take the *ahead* tickets in turn, each
    taking *each* seconds: the (ahead + 1)-th earliest of the starts ``f + j·each`` over all counters.

    The same as handing the tickets one by one to the counter that frees first, in O(k log k) for k counters
    instead of O(ahead log k): the queue may be thousands long and this runs on every ticket issued.
    """
    if not free:
        return 0.0
    free = sorted(free)
    if each <= 0.0 or ahead == 0:
        return free[0]
    # Until the last counter frees, hand tickets out one by one (at most a few per counter: the counters'
    # free times are within a case or two of each other).
    latest = free[-1]
    heapq.heapify(free)
    while ahead and free[0] < latest:
        heapq.heapreplace(free, free[0] + each)
        ahead -= 1
    if not ahead:
        return free[0]
    # From then on every counter takes one ticket per *each* seconds, in the same order each round.
    starts = sorted(free)
    rounds, place = divmod(ahead, len(starts))
    return starts[place] + rounds * each


def _stationary(s: WaitSnapshot) -> float:
    """All the work in hand and ahead shared by the counters, less what the other counters still have in
    hand when this ticket is called (a case seen at a random moment has (1 + cv²)/2 of a cycle left)."""
    counters = _counters(s)
    each = s.ahead_cycle_seconds / s.ahead if s.ahead else s.mean_cycle_seconds
    left_then = (counters - 1) * each * (1.0 + s.cycle_cv**2) / 2.0
    return max(0.0, (sum(s.busy_remaining) + s.ahead_cycle_seconds - left_then) / counters)


def item_mix(s: WaitSnapshot) -> float:
    if s.ahead < s.idle:
        return 0.0
    if s.counters_able <= 0:  # nobody open may call it yet: the queue over one counter's pace
        return s.ahead_cycle_seconds + s.mean_cycle_seconds
    # Expected end times overstate how soon the first counter frees (the soonest of several uncertain
    # ends comes earlier than the soonest expected end): while few counters must free first, the
    # stationary share is nearer; as more must, the schedule of the cases in hand and ahead takes over.
    share = min(1.0, (s.ahead + 1 - s.idle) / (2.0 * s.counters_able))
    return (1.0 - share) * _stationary(s) + share * _scheduled(s)


def _with_jumps(s: WaitSnapshot, base: float) -> float:
    """Add the priority tickets the routing will call first: walk-ins arriving while it waits and the
    appointments due. They go first only while the tickets being called are not yet overdue (the
    fairness guard calls those first), so only that share of the wait counts: the called tickets'
    delay rises from the head of the line's to this ticket's own."""
    if s.priority or base <= 0.0:
        return base
    fairness = s.fairness_seconds
    head = s.head_of_line_seconds or 0.0
    if base <= head:
        share = 1.0 if head < fairness else 0.0
    else:
        share = min(1.0, max(0.0, (fairness - head) / (base - head)))
    step = s.mean_cycle_seconds / _counters(s)
    wait = base
    for _ in range(4):  # a fixed point: a longer wait lets more of them in
        due = s.appointments_due * s.appointment_show_rate * min(1.0, wait / APPOINTMENT_HORIZON)
        wait = base + step * share * (s.priority_rate * min(wait, fairness) + due)
    return wait


def item_mix_priority(s: WaitSnapshot) -> float:
    return _with_jumps(s, item_mix(s))


BLEND_WEIGHT = 0.8


def blend(s: WaitSnapshot) -> float:
    if s.ahead < s.idle:
        return 0.0
    return BLEND_WEIGHT * item_mix_priority(s) + (1.0 - BLEND_WEIGHT) * last_to_enter_service(s)


PREDICTORS: dict[str, Predictor] = {
    "queue_length_today": queue_length_today,
    "queue_length": queue_length,
    "head_of_line": head_of_line,
    "last_to_enter_service": last_to_enter_service,
    "item_mix": item_mix,
    "item_mix_priority": item_mix_priority,
    "blend": blend,
}


# ---- the estimate the hall shows ----------------------------------------------------------------

@dataclass(frozen=True)
class RangeModel:
    """How wide the shown range is: the spread of the time until enough counters free
    (``departure_cv`` per departure) plus a share of the point for the pace changing (``pace_cv``),
    ``z_low`` and ``z_high`` spreads below and above. Calibrated on replayed days (docs/advisor.md)."""

    departure_cv: float = 0.8
    pace_cv: float = 0.08
    z_low: float = 1.2
    z_high: float = 1.2

    def spread(self, s: WaitSnapshot, point: float) -> float:
        departures = max(0, s.ahead + 1 - s.idle)
        step = s.mean_cycle_seconds / _counters(s)
        return math.sqrt(departures * (self.departure_cv * step) ** 2 + (self.pace_cv * point) ** 2)


DEFAULT_RANGE = RangeModel()
DEFAULT_PREDICTOR = "item_mix_priority"


@dataclass(frozen=True)
class WaitEstimate:
    """The estimate shown to a citizen: a point and a range, whole minutes (low ≤ point ≤ high)."""

    point: int
    low: int
    high: int
    method: str = DEFAULT_PREDICTOR

    def as_dict(self) -> dict[str, int | str]:
        return {"point": self.point, "low": self.low, "high": self.high, "method": self.method}


def shown_range(low_seconds: float, high_seconds: float) -> tuple[int, int]:
    """Whole minutes, outward; from 20 minutes on, to multiples of 5 ("约 20–30 分钟")."""
    low = max(0, math.floor(low_seconds / 60.0))
    high = max(low + 1, math.ceil(high_seconds / 60.0))
    if high >= 20:
        low, high = 5 * (low // 5), 5 * math.ceil(high / 5)
    return low, high


def estimate_wait(s: WaitSnapshot, *, predictor: str = DEFAULT_PREDICTOR,
                  ranges: RangeModel = DEFAULT_RANGE) -> WaitEstimate:
    """The estimate for one ticket: the predictor's point and the calibrated range around it."""
    point = PREDICTORS[predictor](s)
    if point <= 0.0 and s.ahead < s.idle:
        return WaitEstimate(0, 0, 1, predictor)
    spread = ranges.spread(s, point)
    low, high = shown_range(point - ranges.z_low * spread, point + ranges.z_high * spread)
    minutes = round(point / 60.0)
    return WaitEstimate(min(max(minutes, low), high), low, high, predictor)
