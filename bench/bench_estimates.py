"""Wait estimates against the waits they predict, on replayed days of the seed hall (issue 17's figures).

    python -m bench.bench_estimates [--days 20] [--history-days 40] [--forward-every 10] [--seed 1]

The seed hall: about 660 tickets on an ordinary day over 9:00–12:00 and 13:30–17:00 with a morning peak,
the demo catalogue's item mix, handling about 5 minutes, the day's pace varying by about 8 %. The hall's
record of --history-days working days gives the estimator its prior (as four weeks of the record do in
the hall); then every ticket of --days fresh days is predicted by every predictor the moment it is
issued and held against the wait the simulation gives it. Three days: the realistic one (the fewest
one-window counters whose mean wait lies in 15–30 min), a morning-peak overload and a quiet day, on the
same counters. Prints the predictors' table per day, what each costs, and what the hall's estimate costs
on a hall database with a record.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.common import sign_in_clerks
from hall.advisor.generator import SCENARIOS, generate_day, scenario_weights, seed_hall_workload
from hall.advisor.predictors import PREDICTORS, estimate_wait
from hall.advisor.replay import FORWARD, SHOWN, replay_predictions
from hall.advisor.simulator import one_window_plan, simulate_day, visits_of, waits_of
from hall.advisor.workload import fit_workload, prior_from_workload
from hall.demo import catalogue_document
from hall.domain.routing import OneWindowPolicy

from .record import catalogue_minutes

ORDINARY_DAY = date(2026, 3, 11)  # a Wednesday in the middle of a month
NAMES = [SHOWN, *PREDICTORS, FORWARD]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def scenario_days(workload, name: str, count: int, seed: int) -> list:
    spec = SCENARIOS[name]
    return [generate_day(workload, ORDINARY_DAY, random.Random(seed * 10_000 + n), volume=float(spec["volume"]),
                         quarter_weights=scenario_weights(float(spec["peak"]))) for n in range(count)]


def choose_counters(workload, policy, seed: int) -> tuple[int, float]:
    """The fewest one-window counters whose mean wait on ordinary days lies within 15–30 minutes."""
    days = scenario_days(workload, "realistic", 10, seed + 77)
    for counters in range(6, 20):
        waits = waits_of(simulate_day(d, one_window_plan(workload, counters), policy) for d in days)
        mean = sum(waits) / len(waits) / 60.0
        say(f"  {counters} counters: mean wait {mean:.1f} min")
        if mean <= 30.0:
            return counters, mean
    raise SystemExit("no number of counters gives a mean wait of 30 minutes or less")


def learn_prior(workload, counters: int, policy, history_days: int):
    """The estimator's prior from a record of *history_days* working days on the chosen counters."""
    plan, visits, day, n = one_window_plan(workload, counters), [], date(2026, 1, 5), 0
    while n < history_days:
        if day.weekday() < 5:
            visits += visits_of(
                simulate_day(generate_day(workload, day, random.Random(900_000 + n)), plan, policy), day)
            n += 1
        day += timedelta(days=1)
    return prior_from_workload(fit_workload(visits, catalogue_minutes())), len(visits)


def table(comparison) -> list[str]:
    lines = [f"  {'predictor':<24}{'MAE min':>9}{'p90 min':>9}{'bias':>7}{'in range':>10}"]
    for name in NAMES:
        e = comparison.errors.get(name)
        if e is not None:
            lines.append(f"  {name:<24}{e.mean_abs_minutes:9.2f}{e.p90_abs_minutes:9.2f}{e.bias_minutes:7.2f}"
                         f"{e.coverage:10.1%}")
    if comparison.sampled:
        n = comparison.sampled[SHOWN].tickets
        lines.append(f"  the {n} tickets the forward simulation was run for:")
        for name in NAMES:
            e = comparison.sampled.get(name)
            if e is not None:
                lines.append(f"    {name:<22}{e.mean_abs_minutes:9.2f}{e.p90_abs_minutes:9.2f}{e.bias_minutes:7.2f}"
                             f"{e.coverage:10.1%}")
    return lines


def predictor_costs(per_day) -> dict[str, float]:
    """Microseconds per call of each predictor and of the shown estimate, over the day's snapshots."""
    snapshots = [p.snapshot for day in per_day for p in day]
    costs = {}
    for name, predict in [*PREDICTORS.items(), (SHOWN, estimate_wait)]:
        started = time.perf_counter()
        for s in snapshots:
            predict(s)
        costs[name] = (time.perf_counter() - started) / len(snapshots) * 1e6
    return costs


def hall_cost(workload, counters: int, record_days_count: int) -> list[str]:
    """The estimate as the hall computes it: from a database holding a record, mid-morning."""
    from hall.config import HallSettings
    from hall.demo import load_catalogue
    from hall.domain.clock import FixedClock
    from hall.domain.events import EventBus
    from hall.domain.models import QueuedTicket
    from hall.domain.routing import NEWEST, make_policy
    from hall.service import HallService
    from hall.storage import open_storage
    from hall.wait_estimates import WaitEstimator

    from .record import SHANGHAI, record_days

    with tempfile.TemporaryDirectory(prefix="onewindow-estimates-") as folder:
        storage = open_storage(Path(folder) / "hall.db")
        storage.conn.execute("PRAGMA synchronous = NORMAL")
        load_catalogue(storage, catalogue_document(), 0.0, counters=counters)
        today = date(2026, 3, 31)
        history = [today - timedelta(days=d) for d in range(1, 40) if (today - timedelta(days=d)).weekday() < 5]
        record_days(storage, workload, history[:record_days_count], counters=counters)
        from datetime import datetime

        clock = FixedClock(datetime(2026, 3, 31, 10, 0, tzinfo=SHANGHAI).timestamp())
        service = HallService(storage, HallSettings(), make_policy("one-window", 1800), clock, EventBus())
        sign_in_clerks(service, counters)
        for n in range(60):
            service.issue_ticket(service=["B06", "E01", "A02", "B01", "D02"][n % 5])
            clock.advance(20)
        for counter in range(1, counters + 1):
            service.call_next(counter, None)
        started = time.perf_counter()
        with storage.read() as db:
            WaitEstimator(service.policy, SHANGHAI).prior(db, service.today())
        learning = time.perf_counter() - started
        queued = QueuedTicket(NEWEST, "pension", frozenset({"B06"}), False, clock.now())
        timings = []
        for _ in range(200):
            started = time.perf_counter()
            with storage.read() as db:
                views = service.able_views(db)
                with service.queue.view(db, service.today()) as index:
                    groups = index.ahead_groups(queued, views, clock.now())
                service.wait_estimator.estimate(db, queued, clock.now(), service.today(),
                                                views=service.views_by_number(db), ahead_groups=groups)
            timings.append(time.perf_counter() - started)
        issue = []
        for _ in range(50):
            started = time.perf_counter()
            service.issue_ticket(service="B06")
            issue.append(time.perf_counter() - started)
        tickets = storage.query("SELECT count(*) FROM tickets")[0][0]
        storage.close()
    timings.sort()
    issue.sort()
    return [f"  hall database: {tickets} tickets ({record_days_count} recorded days), 60 waiting, "
            f"{counters} counters busy",
            f"  first estimate of the day (learns the prior from the record): {learning * 1000:.0f} ms",
            f"  estimate from storage: p50 {timings[100] * 1000:.2f} ms, p99 {timings[197] * 1000:.2f} ms",
            f"  whole ticket issue with it (one transaction, synchronous=NORMAL): p50 {issue[25] * 1000:.1f} ms"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20, help="replayed days per scenario")
    parser.add_argument("--history-days", type=int, default=40, help="working days of record behind the prior")
    parser.add_argument("--forward-every", type=int, default=10,
                        help="run the forward simulation for every n-th ticket")
    parser.add_argument("--forward-runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    workload = seed_hall_workload(catalogue_document())
    policy = OneWindowPolicy(1800)
    say("choosing the counters of the realistic day …")
    counters, mean = choose_counters(workload, policy, args.seed)
    say(f"learning the prior from {args.history_days} recorded days …")
    prior, recorded = learn_prior(workload, counters, policy, args.history_days)
    print(f"seed hall: {workload.daily_arrivals(2):.0f} tickets on an ordinary Wednesday, handling "
          f"{workload.mean_service_seconds() / 60:.1f} min, {counters} one-window counters "
          f"(mean wait {mean:.1f} min on 10 ordinary days); prior from {recorded} recorded tickets")
    plan = one_window_plan(workload, counters)
    targets = []
    for name in ("realistic", "overload", "quiet"):
        days = scenario_days(workload, name, args.days, args.seed)
        forward = args.forward_every if name == "realistic" else 0
        say(f"replaying {args.days} {name} days{' with the forward simulation' if forward else ''} …")
        started = time.perf_counter()
        comparison, per_day = replay_predictions(days, plan, policy, prior, forward_every=forward,
                                                 forward_runs=args.forward_runs)
        seconds = time.perf_counter() - started
        print(f"\n{name} day × {args.days}: {comparison.tickets} tickets, mean wait {comparison.mean_wait_minutes:.1f} "
              f"min ({seconds:.0f} s)")
        print("\n".join(table(comparison)))
        shown = comparison.errors[SHOWN]
        if name == "realistic":
            targets = [("mean absolute error ≤ 3 min", shown.mean_abs_minutes <= 3.0, f"{shown.mean_abs_minutes:.2f}"),
                       ("p90 absolute error ≤ 8 min", shown.p90_abs_minutes <= 8.0, f"{shown.p90_abs_minutes:.2f}"),
                       ("range holds ≥ 80 % of waits", shown.coverage >= 0.8, f"{shown.coverage:.1%}")]
            costs = predictor_costs(per_day)
            print("  cost per call: " + ", ".join(f"{k} {v:.0f} µs" for k, v in costs.items()))
            if comparison.forward_seconds_per_ticket:
                print(f"  forward simulation ({args.forward_runs} runs): "
                      f"{comparison.forward_seconds_per_ticket * 1000:.0f} ms per ticket")
    print("\nrealistic day, the estimate shown:")
    for text, ok, value in targets:
        print(f"  {'met ' if ok else 'MISSED'} {text}: {value}")
    say("timing the estimate in a hall database …")
    print("\nin the hall:")
    print("\n".join(hall_cost(workload, counters, 20)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
