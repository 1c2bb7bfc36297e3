"""Simulated days written into a hall's database as the hall itself would have recorded them: tickets with
the estimate shown on each, their items and their events. For the estimate benchmark and the tests."""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from hall.advisor.generator import generate_day
from hall.advisor.replay import PredictionLog
from hall.advisor.simulator import DayRun, DaySimulation, one_window_plan
from hall.advisor.snapshot import MixPrior, catalogue_prior
from hall.advisor.timeline import midnight
from hall.advisor.workload import Workload
from hall.demo import DEMO_COUNTERS, catalogue_document
from hall.domain.routing import make_policy
from hall.storage import Storage

SHANGHAI = ZoneInfo("Asia/Shanghai")


def catalogue_minutes() -> dict[str, float]:
    return {i["code"]: float(i["avg_service_minutes"]) for i in catalogue_document()["items"]}


def record_days(storage: Storage, workload: Workload, days: Sequence[date], *, counters: int = 10,
                seed: int = 0, volume: float = 1.0, prior: MixPrior | None = None) -> list[DayRun]:
    """Simulate each day through the hall's routing on *counters* counters and write it into *storage*: every
    ticket with the estimate the hall would have shown, its items and its events. The demo hall's counters
    (1–5, clerk n at counter n) are named on the tickets they served; the others stay anonymous."""
    policy = make_policy("one-window", 1800)
    letters = {c["code"]: c["letter"] for c in catalogue_document()["categories"]}
    plan = one_window_plan(workload, counters)
    runs = []
    with storage.write() as db:
        ticket_id = db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]
        for n, day in enumerate(days):
            arrivals = generate_day(workload, day, random.Random(seed * 1000 + n), volume=volume)
            log = PredictionLog(policy, prior or catalogue_prior(catalogue_minutes()))
            run = DaySimulation(arrivals, plan, policy, observer=log).run()
            runs.append(run)
            shown = {p.ticket: p.shown for p in log.predictions}
            base = midnight(day, SHANGHAI)
            sequence: dict[str, int] = {}
            for index, t in enumerate(run.tickets):
                ticket_id += 1
                a = t.arrival
                letter = letters[a.service.category]
                sequence[letter] = sequence.get(letter, 0) + 1
                bundle = a.service.code[7:] if a.service.code.startswith("bundle:") else None
                state = "waiting" if t.called is None else ("no_show" if a.no_show else "finished")
                at = lambda seconds, base=base: None if seconds is None else base + seconds  # noqa: E731
                estimate = shown[index]
                counter = t.counter if t.counter is not None and t.counter <= DEMO_COUNTERS else None
                db.execute(
                    "INSERT INTO tickets (id, token, number, service_day, category, item, bundle, priority, "
                    "appointment, state, issued_at, queue_at, counter, staff, first_called_at, called_at, started_at, "
                    "finished_at, estimated_wait_minutes, estimated_wait_low, estimated_wait_high, people_ahead) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [ticket_id, secrets.token_urlsafe(12), f"{letter}{sequence[letter]:03d}", day.isoformat(),
                     a.service.category, None if bundle else a.service.code, bundle, int(a.priority),
                     f"BK{ticket_id}" if a.appointment else None, state, at(a.at), at(a.at), counter,
                     f"clerk{counter}" if counter else None, at(t.called), at(t.called),
                     at(t.started), at(t.finished), estimate.point, estimate.low, estimate.high, 0])
                db.conn.executemany("INSERT INTO ticket_items (ticket, item) VALUES (?, ?)",
                               [(ticket_id, item) for item in sorted(a.service.items)])
                events = [(at(a.at), "issued")]
                if t.called is not None:
                    events.append((at(t.called), "called"))
                    events += [(at(t.called + 20.0), "recalled")] * a.recalls
                    if a.no_show:
                        events.append((at(t.called + workload.no_show_wait_seconds), "no_show"))
                    else:
                        events += [(at(t.started), "serving_started"), (at(t.finished), "finished")]
                db.conn.executemany("INSERT INTO events (at, type, ticket, counter, staff, data) "
                                    "VALUES (?, ?, ?, ?, ?, ?)",
                                    [(when, kind, ticket_id, counter, None, json.dumps({})) for when, kind in events])
    return runs
