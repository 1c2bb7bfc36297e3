"""The staffing advisor on the seed hall: its plan replayed on fresh days, one-window against dedicated
windows, and how long a month of the hall takes to simulate (issue 17's figures).

    python -m bench.bench_advisor [--days 60] [--replay-days 100] [--weekday 2] [--seed 1]

The advisor fits its plan (Erlang C per quarter-hour, then one safety margin β of the square-root rule
searched by simulation) on --days simulated days, then the plan is replayed on --replay-days fresh days
(seeds it never saw): the share of them meeting "80 % called within 15 minutes" is the figure.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta

from hall.advisor.advisor import Target, compare_policies, recommend, sample_days
from hall.advisor.generator import generate_day, seed_hall_workload
from hall.advisor.metrics import day_figures, service_level
from hall.advisor.simulator import one_window_plan, simulate_day
from hall.advisor.timeline import WEEKDAYS, quarter_label
from hall.demo import catalogue_document
from hall.domain.routing import OneWindowPolicy


def say(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def month_speed(workload, counters: int) -> tuple[int, int, float]:
    """A month (every working day of March 2026, two of them month starts) simulated: (days, tickets, seconds)."""
    plan, policy = one_window_plan(workload, counters), OneWindowPolicy(1800)
    days = [date(2026, 3, 1) + timedelta(days=d) for d in range(31)]
    arrivals = [generate_day(workload, d, random.Random(n)) for n, d in enumerate(days) if d.weekday() < 5]
    started = time.perf_counter()
    runs = [simulate_day(a, plan, policy) for a in arrivals]
    return len(runs), sum(len(r.tickets) for r in runs), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60, help="simulated days the plan is fitted on")
    parser.add_argument("--replay-days", type=int, default=100, help="fresh days the plan is replayed on")
    parser.add_argument("--weekday", type=int, default=2, help="0 = Monday (default Wednesday)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    workload = seed_hall_workload(catalogue_document())
    target = Target(minutes=15, share=0.8, days_share=0.95)
    policy = OneWindowPolicy(1800)
    name = WEEKDAYS[args.weekday]
    print(f"seed hall, {name}: {workload.daily_arrivals(args.weekday):.0f} tickets, handling "
          f"{workload.mean_service_seconds() / 60:.1f} min; target {target.share:.0%} within {target.minutes:g} min "
          f"on {target.days_share:.0%} of days")

    for month_start in (False, True):
        label = "at a month start" if month_start else "on an ordinary day"
        print(f"\nadvising {label} …", flush=True)
        started = time.perf_counter()
        plan = recommend(workload, args.weekday, target, days=args.days, confirm_days=40, seed=args.seed,
                         month_start=month_start, progress=say)
        seconds = time.perf_counter() - started
        print(f"  plan: β = {plan.beta}, {plan.counter_hours:.2f} counter-hours "
              f"(Erlang C alone {plan.erlang_counter_hours:.2f}); {plan.simulations} simulated days, {seconds:.1f} s")
        if not month_start:
            print("  time   load  Erlang-C  advised")
            for q in sorted(plan.counts):
                print(f"  {quarter_label(q)} {plan.offered_load[q]:6.1f} {plan.erlang[q]:8d} {plan.counts[q]:8d}")
        fresh = sample_days(workload, args.weekday, args.replay_days, seed=args.seed + 4242, month_start=month_start)
        runs = [simulate_day(d, one_window_plan(workload, plan.counts), policy) for d in fresh]
        met = sum(service_level(r, target.seconds) >= target.share for r in runs) / len(runs)
        figures, _ = day_figures(runs, target.seconds)
        erlang_runs = [simulate_day(d, one_window_plan(workload, plan.erlang), policy) for d in fresh]
        erlang_met = sum(service_level(r, target.seconds) >= target.share for r in erlang_runs) / len(erlang_runs)
        print(f"  replayed on {len(runs)} fresh days: {met:.0%} meet the target "
              f"({'met' if met >= target.days_share else 'MISSED'} ≥ {target.days_share:.0%}); mean wait "
              f"{figures.mean_wait:.1f} min, p90 {figures.p90_wait:.1f} min, "
              f"service level {figures.service_level:.1%}, "
              f"utilisation {figures.utilisation:.0%}")
        print(f"  the Erlang-C plan alone on the same days: {erlang_met:.0%} meet the target")

    print("\none-window against dedicated windows (same citizens, 20 days) …", flush=True)
    started = time.perf_counter()
    comparison = compare_policies(workload, args.weekday, one_window=5, dedicated=10, days=20, target=target,
                                  progress=say)
    print(f"  ({time.perf_counter() - started:.0f} s)")
    print(f"  {'':<26}{'counters':>9}{'mean':>8}{'p90':>8}{'max':>8}{'within 15':>11}")
    for r in comparison.results:
        f = r.figures
        print(f"  {r.name:<26}{r.counters:9d}{f.mean_wait:8.1f}{f.p90_wait:8.1f}{f.max_wait:8.1f}"
              f"{f.service_level:11.1%}"
              + (f"  {r.windows}" if r.windows else ""))
    if comparison.one_window_beats_dedicated:
        print("  5 one-window counters beat 10 dedicated windows on mean and p90 wait")
    else:
        print("  5 one-window counters do NOT beat 10 dedicated windows on this workload (660 tickets of 5 minutes "
              "are about 9 counters' work);")
        if comparison.counters_to_match:
            print(f"  {comparison.counters_to_match} one-window counters are the fewest that beat them;")
        if comparison.handling_to_match:
            print(f"  5 would if one-window handling took {comparison.handling_to_match:.0%} of today's 5 minutes "
                  "(the reform's 40 % faster handling is 60 %);")
        if comparison.reform_volume_to_match:
            print(f"  with the reform's 40 % faster handling, 5 beat today's 10 windows on a day of up to "
                  f"{comparison.reform_volume_to_match:.0%} of the tickets "
                  f"(≈ {comparison.reform_volume_to_match * workload.daily_arrivals(args.weekday):.0f});")
        print("  " + (f"or on a day with {comparison.volume_to_match:.0%} of the tickets" if comparison.volume_to_match
                      else "no lighter day makes 5 win against 10 windows on the same day (they idle too)"))

    print("\na month of the seed hall …", flush=True)
    days, tickets, seconds = month_speed(workload, 10)
    print(f"  {days} working days, {tickets} tickets on 10 counters: {seconds:.2f} s "
          f"({'met' if seconds <= 10 else 'MISSED'} ≤ 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
