"""The workload model: what the hall's own record says about arrivals, service, walk, no-shows and priority.

Learned by :func:`fit_workload` from the tickets of a date range (one :class:`Visit` per ticket), and
produced for a made-up hall by :mod:`hall.advisor.generator`. Times are seconds since local midnight.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..domain.errors import N_
from .errors import NoHistory
from .timeline import QUARTER, Sessions, is_month_start, mean, percentile, quarter_of

if TYPE_CHECKING:
    from .snapshot import MixPrior

#: Fewer samples than this and an item's service time falls back to the catalogue's figure.
MIN_SAMPLES = 5
#: Spread (log-sd) assumed for an item with too few samples: a coefficient of variation of about 0.55.
DEFAULT_SIGMA = 0.5
#: At most this many cases of weight for the record's pace against today's.
MAX_PACE_CASES = 300.0
#: A quarter-hour belongs to the service hours if tickets were taken in it on at least this share of days.
SESSION_SHARE = 0.2


@dataclass(frozen=True)
class Service:
    """What a ticket is for: one service item (code "B06"), or a bundle ("bundle:P06") of several."""

    code: str
    category: str
    items: frozenset[str]


@dataclass(frozen=True)
class Visit:
    """One ticket of the record, as the fit needs it (times in seconds since the day's local midnight)."""

    day: date
    service: Service
    issued: float
    first_called: float | None
    started: float | None
    finished: float | None
    state: str
    priority: bool
    appointment: bool
    recalls: int = 0

    @property
    def wait(self) -> float | None:
        return None if self.first_called is None else self.first_called - self.issued


@dataclass(frozen=True)
class ServiceTime:
    """A lognormal duration (seconds): log-mean *mu*, log-sd *sigma*, and how many samples it came from."""

    mu: float
    sigma: float
    samples: int = 0

    @classmethod
    def from_mean(cls, mean_seconds: float, cv: float) -> "ServiceTime":
        """The lognormal with this mean and coefficient of variation."""
        sigma = math.sqrt(math.log(1.0 + cv * cv))
        return cls(math.log(max(1.0, mean_seconds)) - sigma * sigma / 2.0, sigma, 0)

    @classmethod
    def fit(cls, seconds: Sequence[float], fallback_mean: float) -> "ServiceTime":
        """Fit the log-mean and log-sd of *seconds*; the fallback mean when there are too few samples."""
        values = [s for s in seconds if s > 0]
        if len(values) < MIN_SAMPLES:
            return cls.from_mean(fallback_mean, math.sqrt(math.exp(DEFAULT_SIGMA**2) - 1.0))
        logs = [math.log(v) for v in values]
        mu = sum(logs) / len(logs)
        sigma = math.sqrt(sum((x - mu) ** 2 for x in logs) / max(1, len(logs) - 1))
        return cls(mu, max(0.05, sigma), len(values))

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2.0)

    @property
    def cv(self) -> float:
        return math.sqrt(math.exp(self.sigma**2) - 1.0)

    def quantile(self, fraction: float) -> float:
        return math.exp(self.mu + self.sigma * _normal_quantile(fraction))

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(self.mu, self.sigma)

    def mean_residual(self, elapsed: float) -> float:
        """Expected time left of a duration that has already lasted *elapsed* seconds."""
        if elapsed <= 0:
            return self.mean
        z = (math.log(elapsed) - self.mu) / self.sigma
        survive = _normal_tail(z)
        if survive < 1e-9:
            return self.mean * 0.1
        return self.mean * _normal_tail(z - self.sigma) / survive - elapsed


def _normal_tail(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF (Acklam's rational approximation; |error| < 1.2e-9)."""
    if not 0.0 < p < 1.0:
        raise ValueError("a quantile needs 0 < p < 1")
    a = (-39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472, 2.50662827745924)
    b = (-54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857)
    c = (-0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373, 4.37466414146497,
         2.93816398269878)
    d = (0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if p > 1 - 0.02425:
        return -_normal_quantile(1 - p)
    q = p - 0.5
    r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)


normal_quantile = _normal_quantile


@dataclass(frozen=True)
class Workload:
    """Arrivals per service by weekday and quarter-hour, with the month-start surge; service-time
    distributions per service; walk time; no-show, recall, priority and appointment shares."""

    services: Mapping[str, Service]
    #: weekday (0 = Monday) → quarter-hour → service code → mean tickets on an ordinary (not month-start) day.
    arrivals: Mapping[int, Mapping[int, Mapping[str, float]]]
    service_times: Mapping[str, ServiceTime]
    walk: ServiceTime
    sessions: Sessions
    days_observed: Mapping[int, int] = field(default_factory=dict)
    month_start_factor: float = 1.0
    month_start_days: int = 5
    #: True when the range held both month-start and other days, so the factor was measured.
    month_start_measured: bool = False
    no_show_rate: float = 0.0
    recall_rate: float = 0.0
    priority_share: float = 0.0
    appointment_share: float = 0.0
    cancel_rate: float = 0.0
    #: How long a counter waits for a called citizen who never comes (recalls, then 过号).
    no_show_wait_seconds: float = 120.0
    #: Share of booked appointments whose holders check in.
    appointment_show_rate: float = 0.9
    #: How much a whole day's handling pace varies from day to day (log-sd: 0.08 ≈ ±8 %).
    day_pace_sd: float = 0.0

    def quarter_mix(self, weekday: int, quarter: int) -> dict[str, float]:
        """Mean tickets per service in one quarter-hour of an ordinary *weekday* (averaged if never observed)."""
        if weekday in self.arrivals:
            return dict(self.arrivals[weekday].get(quarter, {}))
        observed = [w for w in self.arrivals if self.arrivals[w]]
        mixed: dict[str, float] = defaultdict(float)
        for w in observed:
            for code, n in self.arrivals[w].get(quarter, {}).items():
                mixed[code] += n / len(observed)
        return dict(mixed)

    def day_factor(self, day: date) -> float:
        return self.month_start_factor if is_month_start(day, self.month_start_days) else 1.0

    def quarter_rate(self, weekday: int, quarter: int, factor: float = 1.0) -> float:
        """Expected tickets per second in one quarter-hour."""
        return sum(self.quarter_mix(weekday, quarter).values()) * factor / QUARTER

    def daily_arrivals(self, weekday: int, factor: float = 1.0) -> float:
        return sum(sum(self.quarter_mix(weekday, q).values()) for q in self.sessions.quarters()) * factor

    def service_shares(self) -> dict[str, float]:
        """Each service's share of all tickets, over every weekday and quarter."""
        totals: dict[str, float] = defaultdict(float)
        for quarters in self.arrivals.values():
            for mix in quarters.values():
                for code, n in mix.items():
                    totals[code] += n
        whole = sum(totals.values()) or 1.0
        return {code: n / whole for code, n in sorted(totals.items(), key=lambda kv: -kv[1])}

    def mean_service_seconds(self) -> float:
        """Handling time (serving started → finished) averaged over the service mix."""
        shares = self.service_shares()
        return sum(share * self.service_times[code].mean for code, share in shares.items()
                   if code in self.service_times) or 300.0

    def mean_cycle_seconds(self) -> float:
        """How long one ticket keeps a counter, from call to finish (no-shows keep it for the wait)."""
        served = (1.0 - self.no_show_rate) * (self.walk.mean + self.mean_service_seconds())
        return served + self.no_show_rate * self.no_show_wait_seconds

    def item_service_seconds(self) -> dict[str, float]:
        """Mean handling seconds of each single-item service, by item code (bundles left out)."""
        return {s.code: self.service_times[s.code].mean for s in self.services.values()
                if not s.code.startswith("bundle:") and s.code in self.service_times}


def prior_from_workload(workload: Workload) -> "MixPrior":
    """The prior of a day's ServiceMix from the hall's own record: its items, pace, walk and no-shows."""
    from .snapshot import MixPrior

    shares = workload.service_shares()
    singles = {code: share for code, share in shares.items() if not code.startswith("bundle:")}
    whole = sum(singles.values()) or 1.0
    cv = sum(share * workload.service_times[code].cv for code, share in singles.items()) / whole
    # Today's cases move the pace as far as the day-to-day spread of the pace allows (Bayes: the
    # prior weighs as many cases as the ratio of the two variances).
    pace_cases = (cv / workload.day_pace_sd) ** 2 if workload.day_pace_sd > 0 else MAX_PACE_CASES
    bundles = {s.items: workload.service_times[s.code].mean for s in workload.services.values()
               if s.code.startswith("bundle:") and s.code in workload.service_times}
    return MixPrior(workload.item_service_seconds(), bundle_seconds=bundles, walk_seconds=workload.walk.mean,
                    no_show_rate=workload.no_show_rate, service_cv=cv or 0.6,
                    no_show_wait_seconds=workload.no_show_wait_seconds, item_cases=10.0,
                    pace_cases=min(MAX_PACE_CASES, max(10.0, pace_cases)), no_show_calls=100.0,
                    appointment_show_rate=workload.appointment_show_rate)


def service_key(item: str | None, bundle: str | None) -> str:
    """The service code of a ticket: its item, or "bundle:" + its bundle."""
    return f"bundle:{bundle}" if bundle else (item or "")


def fit_workload(visits: Iterable[Visit], fallback_minutes: Mapping[str, float], *,
                 month_start_days: int = 5, no_show_wait_seconds: float = 120.0) -> Workload:
    """Learn the workload from the tickets of a range of days.

    *fallback_minutes* gives the catalogue's mean minutes per item, used for services with too few
    finished cases. Arrival means are per ordinary day: month-start days are divided by the measured
    surge factor first, so a range with a month start does not inflate the ordinary days.
    """
    visits = list(visits)
    if not visits:
        raise NoHistory(N_("no tickets in this range: the workload cannot be learned"))
    by_day: dict[date, list[Visit]] = defaultdict(list)
    for v in visits:
        by_day[v.day].append(v)
    factor, measured = _month_start_factor(by_day, month_start_days)
    days_observed = Counter(day.weekday() for day in by_day)
    counts: dict[int, dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    quarter_days: dict[int, set[date]] = defaultdict(set)
    services: dict[str, Service] = {}
    for day, tickets in by_day.items():
        weight = 1.0 / (factor if is_month_start(day, month_start_days) else 1.0) / days_observed[day.weekday()]
        for v in tickets:
            quarter = quarter_of(v.issued)
            counts[day.weekday()][quarter][v.service.code] += weight
            quarter_days[quarter].add(day)
            services.setdefault(v.service.code, v.service)
    sessions = Sessions.from_quarters(q for q, days in quarter_days.items() if len(days) >= SESSION_SHARE * len(by_day))
    arrivals = {w: {q: dict(mix) for q, mix in quarters.items()} for w, quarters in counts.items()}
    service_samples: dict[str, list[float]] = defaultdict(list)
    walks: list[float] = []
    for v in visits:
        if v.started is not None and v.finished is not None and v.state == "finished":
            service_samples[v.service.code].append(v.finished - v.started)
        if v.started is not None and v.first_called is not None and 0 <= v.started - v.first_called < 900:
            walks.append(v.started - v.first_called)
    service_times = {code: ServiceTime.fit(service_samples.get(code, ()), _fallback_seconds(s, fallback_minutes))
                     for code, s in services.items()}
    called = [v for v in visits if v.first_called is not None]
    total = len(visits)
    pace_sd = _day_pace_sd(by_day, service_times)
    return Workload(
        services=services, arrivals=arrivals, service_times=service_times,
        walk=ServiceTime.fit(walks, 30.0), sessions=sessions, days_observed=dict(days_observed),
        month_start_factor=factor, month_start_days=month_start_days, month_start_measured=measured,
        no_show_rate=_share(sum(1 for v in called if v.state == "no_show"), len(called)),
        recall_rate=_share(sum(1 for v in called if v.recalls > 0), len(called)),
        priority_share=_share(sum(1 for v in visits if v.priority and not v.appointment), total),
        appointment_share=_share(sum(1 for v in visits if v.appointment), total),
        cancel_rate=_share(sum(1 for v in visits if v.state == "cancelled" and v.first_called is None), total),
        no_show_wait_seconds=no_show_wait_seconds, day_pace_sd=pace_sd,
    )


def _day_pace_sd(by_day: Mapping[date, Sequence[Visit]], times: Mapping[str, ServiceTime]) -> float:
    """The day-to-day spread of the handling pace: the log-sd of each day's handling ÷ expected,
    less the part the day's own sampling explains."""
    logs, noise = [], []
    for tickets in by_day.values():
        done = [v for v in tickets if v.state == "finished" and v.started is not None and v.finished is not None]
        if len(done) < 20:
            continue
        expected = sum(times[v.service.code].mean for v in done)
        logs.append(math.log(sum(v.finished - v.started for v in done) / expected))  # type: ignore[operator]
        noise.append(sum(times[v.service.code].cv ** 2 for v in done) / len(done) ** 2)
    if len(logs) < 3:
        return 0.0
    m = sum(logs) / len(logs)
    variance = sum((x - m) ** 2 for x in logs) / (len(logs) - 1) - sum(noise) / len(noise)
    return math.sqrt(max(0.0, variance))


def _fallback_seconds(service: Service, fallback_minutes: Mapping[str, float]) -> float:
    minutes = sum(fallback_minutes.get(item, 8.0) for item in service.items) or 8.0
    return minutes * 60.0


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _month_start_factor(by_day: Mapping[date, Sequence[Visit]], month_start_days: int) -> tuple[float, bool]:
    """Mean tickets of a month-start day ÷ mean of an ordinary day, each first divided by its weekday's mean."""
    totals = {day: len(v) for day, v in by_day.items()}
    per_weekday: dict[int, list[int]] = defaultdict(list)
    for day, n in totals.items():
        per_weekday[day.weekday()].append(n)
    ordinary_mean = {w: mean([totals[d] for d in totals
                              if d.weekday() == w and not is_month_start(d, month_start_days)])
                     for w in per_weekday}
    start = [n / ordinary_mean[d.weekday()] for d, n in totals.items()
             if is_month_start(d, month_start_days) and ordinary_mean[d.weekday()]]
    if not start or not any(ordinary_mean.values()):
        return 1.0, False
    return max(0.2, sum(start) / len(start)), True


def describe(workload: Workload) -> dict[str, object]:
    """The model as plain data, for the command line, the API and the console page."""
    shares = workload.service_shares()
    weekdays = sorted(workload.arrivals)
    quarters = workload.sessions.quarters()
    return {
        "sessions": [list(r) for r in workload.sessions.ranges],
        "days_observed": {str(w): n for w, n in sorted(workload.days_observed.items())},
        "daily_arrivals": {str(w): round(workload.daily_arrivals(w), 1) for w in weekdays},
        "per_quarter": {str(w): [round(sum(workload.quarter_mix(w, q).values()), 2) for q in quarters]
                        for w in weekdays},
        "quarters": quarters,
        "month_start_factor": round(workload.month_start_factor, 3),
        "month_start_measured": workload.month_start_measured,
        "month_start_days": workload.month_start_days,
        "mean_service_minutes": round(workload.mean_service_seconds() / 60.0, 2),
        "mean_walk_seconds": round(workload.walk.mean, 1),
        "no_show_rate": round(workload.no_show_rate, 4),
        "recall_rate": round(workload.recall_rate, 4),
        "priority_share": round(workload.priority_share, 4),
        "appointment_share": round(workload.appointment_share, 4),
        "cancel_rate": round(workload.cancel_rate, 4),
        "services": [
            {"code": code, "category": workload.services[code].category, "share": round(share, 4),
             "mean_minutes": round(workload.service_times[code].mean / 60.0, 2),
             "p90_minutes": round(workload.service_times[code].quantile(0.9) / 60.0, 2),
             "samples": workload.service_times[code].samples}
            for code, share in shares.items()
        ],
    }


__all__ = ["Service", "ServiceTime", "Visit", "Workload", "describe", "fit_workload", "normal_quantile",
           "percentile", "service_key"]
