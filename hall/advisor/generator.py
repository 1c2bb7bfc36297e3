"""Days of arrivals drawn from a workload, and the workload of a made-up hall like the seed's.

The seed hall: a social-security hall on the demo catalogue, about 660 tickets on an ordinary day over
9:00–12:00 and 13:30–17:00 with a morning peak, handling about 5 minutes on average (Chengdu Wuhou's
social-security hall, 2019: about 663 visitors a working day, 5-minute handling).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from .timeline import QUARTER, Sessions
from .workload import Service, ServiceTime, Visit, Workload


@dataclass(frozen=True, slots=True)
class Arrival:
    """One citizen taking a ticket, with everything the simulator needs drawn in advance.

    Drawing service and walk times with the arrival keeps them the same whatever plan or policy
    a day is replayed under (common random numbers), so plans are compared on the same citizens.
    """

    at: float
    service: Service
    priority: bool
    appointment: bool
    service_seconds: float
    walk_seconds: float
    no_show: bool
    recalls: int = 0
    #: When the booked slot starts, for an appointment (the hall knows bookings before they check in).
    slot_start: float | None = None


def generate_day(workload: Workload, day: date, rng: random.Random, *, volume: float = 1.0,
                 quarter_weights: Mapping[int, float] | None = None) -> list[Arrival]:
    """A day of arrivals: a Poisson process per quarter-hour at the workload's rate × *volume*
    (× the month-start surge on the first days of a month, × *quarter_weights* if given)."""
    weekday = day.weekday()
    factor = workload.day_factor(day) * volume
    pace = math.exp(rng.gauss(0.0, workload.day_pace_sd)) if workload.day_pace_sd > 0 else 1.0
    arrivals: list[Arrival] = []
    for quarter in workload.sessions.quarters():
        mix = workload.quarter_mix(weekday, quarter)
        total = sum(mix.values()) * factor * (quarter_weights or {}).get(quarter, 1.0)
        if total <= 0:
            continue
        codes, weights = list(mix), list(mix.values())
        start = quarter * QUARTER
        at = start + rng.expovariate(total / QUARTER)
        while at < start + QUARTER:
            arrivals.append(draw_arrival(workload, workload.services[rng.choices(codes, weights)[0]], at, rng, pace))
            at += rng.expovariate(total / QUARTER)
    return arrivals


def draw_arrival(workload: Workload, service: Service, at: float, rng: random.Random, pace: float = 1.0) -> Arrival:
    """One arrival of *service* at *at* with its service (× the day's *pace*), walk, no-show, recall and
    priority drawn."""
    u = rng.random()
    appointment = u < workload.appointment_share
    priority = appointment or u < workload.appointment_share + workload.priority_share
    slot = None
    if appointment:  # check-in opens 30 minutes before the slot; most come a little early
        slot = max(0.0, at + rng.uniform(-10 * 60.0, 25 * 60.0))
    return Arrival(
        at=at, service=service, priority=priority, appointment=appointment,
        service_seconds=workload.service_times[service.code].sample(rng) * pace,
        walk_seconds=workload.walk.sample(rng), no_show=rng.random() < workload.no_show_rate,
        recalls=1 if rng.random() < workload.recall_rate else 0, slot_start=slot,
    )


def arrivals_from_visits(visits: Iterable[Visit], workload: Workload, rng: random.Random) -> list[Arrival]:
    """Replay recorded tickets: their own arrival times and, where they were served, their own service
    and walk times; a ticket never served gets times drawn from the workload."""
    arrivals = []
    for v in sorted(visits, key=lambda v: v.issued):
        drawn = draw_arrival(workload, v.service, v.issued, rng)
        served = v.started is not None and v.finished is not None
        walk = v.started - v.first_called if v.started is not None and v.first_called is not None else None
        arrivals.append(replace(
            drawn, priority=v.priority, appointment=v.appointment, no_show=v.state == "no_show",
            service_seconds=v.finished - v.started if served else drawn.service_seconds,  # type: ignore[operator]
            walk_seconds=walk if walk is not None and 0 <= walk < 900 else drawn.walk_seconds,
            recalls=v.recalls, slot_start=v.issued if v.appointment else None))
    return arrivals


# ---- the seed hall ---------------------------------------------------------------------------------

SEED_DAILY_TICKETS = 660
SEED_MEAN_HANDLING_MINUTES = 5.0
SEED_SESSIONS = Sessions(((36, 48), (54, 68)))
#: Relative arrivals per quarter-hour, 9:00–12:00 then 13:30–17:00: a morning crowd from opening,
#: a slow late morning, a smaller bump after lunch that fades towards closing.
SEED_PROFILE = (1.5, 1.9, 2.0, 1.9, 1.7, 1.5, 1.3, 1.1, 1.0, 0.9, 0.8, 0.6,
                0.9, 1.0, 1.1, 1.1, 1.0, 1.0, 0.9, 0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.35)
#: Monday is the busiest working day, Friday the quietest; the hall is closed at weekends.
SEED_WEEKDAYS = {0: 1.12, 1: 1.0, 2: 0.98, 3: 0.97, 4: 0.93}
SEED_MONTH_START_FACTOR = 1.3
#: How often each item is asked for (relative), as in a county social-security hall: pension checks,
#: card services, enrolment of flexible workers and employers' staff changes lead.
SEED_ITEM_WEIGHTS = {
    "A01": 1.0, "A02": 5.0, "A03": 4.0, "A04": 1.5, "A05": 0.4, "A06": 2.0, "A07": 4.0, "A08": 1.0,
    "B01": 6.0, "B02": 3.0, "B03": 2.5, "B04": 4.0, "B05": 1.5, "B06": 9.0, "B07": 0.8, "B08": 0.6, "B09": 0.5,
    "C01": 0.6, "C02": 0.4, "C03": 1.2, "C04": 0.4, "C05": 0.3, "C06": 0.1, "C07": 0.2, "C08": 0.6,
    "D01": 3.0, "D02": 3.5, "D03": 1.5, "D04": 0.2, "D05": 0.6, "D06": 1.0, "D07": 0.5,
    "E01": 6.0, "E02": 4.0, "E03": 4.0, "E04": 2.0, "E05": 5.0, "E06": 2.5, "E07": 0.8,
    "F01": 3.0, "F02": 1.5, "F03": 0.4, "F04": 1.0, "F05": 0.5, "F06": 0.6, "F07": 0.6, "F08": 1.5,
}
SEED_BUNDLE_SHARE = 0.06
SEED_SERVICE_CV = 0.6
#: Some days run slower (a system outage, a new clerk): the day's handling pace varies by about 8 %.
SEED_DAY_PACE_SD = 0.08


def seed_hall_workload(catalogue: Mapping[str, object], *, daily: float = SEED_DAILY_TICKETS,
                       mean_handling_minutes: float = SEED_MEAN_HANDLING_MINUTES,
                       profile: Sequence[float] = SEED_PROFILE) -> Workload:
    """The seed hall's workload on *catalogue* (the demo catalogue document: categories, items, bundles).

    Item durations keep the catalogue's proportions (a retirement claim takes five times a PIN reset),
    scaled so that handling over the item mix averages *mean_handling_minutes*.
    """
    items = {i["code"]: i for i in catalogue["items"]}  # type: ignore[index]
    services: dict[str, Service] = {code: Service(code, i["category"], frozenset({code})) for code, i in items.items()}
    weights = {code: SEED_ITEM_WEIGHTS.get(code, 0.5) for code in items}
    bundles = list(catalogue.get("bundles", ()))  # type: ignore[attr-defined]
    item_total = sum(weights.values())
    for b in bundles:
        code = f"bundle:{b['code']}"
        services[code] = Service(code, items[b["items"][0]]["category"], frozenset(b["items"]))
        weights[code] = item_total * SEED_BUNDLE_SHARE / (1 - SEED_BUNDLE_SHARE) / len(bundles)
    raw_minutes = {code: (sum(float(items[i].get("avg_service_minutes", 8)) for i in s.items)
                          * (0.8 if len(s.items) > 1 else 1.0))
                   for code, s in services.items()}
    whole = sum(weights.values())
    scale = mean_handling_minutes / (sum(weights[c] * raw_minutes[c] for c in services) / whole)
    service_times = {code: ServiceTime.from_mean(raw_minutes[code] * scale * 60.0, SEED_SERVICE_CV)
                     for code in services}
    quarters = SEED_SESSIONS.quarters()
    profile_total = sum(profile)
    arrivals = {
        weekday: {q: {code: daily * level * p / profile_total * weights[code] / whole for code in services}
                  for q, p in zip(quarters, profile, strict=False)}
        for weekday, level in SEED_WEEKDAYS.items()
    }
    return Workload(
        services=services, arrivals=arrivals, service_times=service_times,
        walk=ServiceTime.from_mean(40.0, 0.5), sessions=SEED_SESSIONS,
        days_observed={w: 0 for w in SEED_WEEKDAYS}, month_start_factor=SEED_MONTH_START_FACTOR,
        month_start_days=5, month_start_measured=False, no_show_rate=0.04, recall_rate=0.1,
        priority_share=0.05, appointment_share=0.06, no_show_wait_seconds=120.0, day_pace_sd=SEED_DAY_PACE_SD,
        appointment_show_rate=1.0,
    )


def scaled(workload: Workload, *, volume: float = 1.0, handling: float = 1.0) -> Workload:
    """The same workload with arrivals × *volume* and every handling time × *handling*."""
    arrivals = {w: {q: {c: n * volume for c, n in mix.items()} for q, mix in quarters.items()}
                for w, quarters in workload.arrivals.items()}
    times = {c: replace(t, mu=t.mu + math.log(handling)) for c, t in workload.service_times.items()}
    return replace(workload, arrivals=arrivals, service_times=times)


#: The three days of the estimate figures: an ordinary one, a morning-peak overload, a quiet one.
SCENARIOS: dict[str, dict[str, object]] = {
    "realistic": {"volume": 1.0, "peak": 1.0},
    "overload": {"volume": 1.1, "peak": 1.4},
    "quiet": {"volume": 0.55, "peak": 1.0},
}


def scenario_weights(peak: float) -> dict[int, float]:
    """Quarter weights that make the first two hours *peak* times busier (the rest of the day as it was)."""
    return {q: peak for q in range(36, 44)} if peak != 1.0 else {}
