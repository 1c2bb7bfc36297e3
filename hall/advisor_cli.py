"""`onewindow advise`: the workload learned from a range of the hall's record, the advised counters per
quarter-hour, and one-window against dedicated windows; progress on standard error."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from .advisor.advisor import Target, compare_policies, recommend
from .advisor.timeline import WEEKDAYS, quarter_label
from .advisor.workload import Workload, describe, fit_workload
from .domain.errors import N_, InvalidInput

Common = Callable[[argparse.ArgumentParser], None]


def add_parser(sub: Any, common: Common) -> None:
    """Register `advise` on the `onewindow` command's subparsers."""
    advise = sub.add_parser("advise", help="learn the workload from the record and advise counters per quarter-hour")
    common(advise)
    advise.add_argument("--from", dest="day_from", help="first service day of the record (YYYY-MM-DD)")
    advise.add_argument("--to", dest="day_to", help="last service day of the record (YYYY-MM-DD)")
    advise.add_argument("--seed-hall", action="store_true",
                        help="instead of the record, the generated workload of the seed hall (660 tickets a day)")
    advise.add_argument("--weekday", default="wed", choices=WEEKDAYS, help="the weekday to plan (default wed)")
    advise.add_argument("--month-start", action="store_true", help="plan a day at the start of a month")
    advise.add_argument("--target-minutes", type=float, default=None,
                        help="called within this many minutes (default: the hall's wait_target_minutes)")
    advise.add_argument("--target-share", type=float, default=0.8, help="share of tickets (default 0.8)")
    advise.add_argument("--days-share", type=float, default=0.95, help="share of days meeting it (default 0.95)")
    advise.add_argument("--days", type=int, default=60, help="simulated days to fit the plan on (default 60)")
    advise.add_argument("--max-counters", type=int, default=60, help="counters the hall has at most")
    advise.add_argument("--one-window", type=int, default=5, help="one-window counters to compare (default 5)")
    advise.add_argument("--dedicated", type=int, default=10, help="dedicated windows to compare (default 10)")
    advise.add_argument("--no-compare", action="store_true", help="skip the one-window/dedicated comparison")
    advise.add_argument("--json", action="store_true", help="print the result as JSON")
    advise.set_defaults(func=cmd_advise)


def _progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def load_workload(args: argparse.Namespace) -> Workload:
    """The seed hall's workload, or the one learned from the record of --from … --to."""
    from .cli import _config
    from .demo import catalogue_document
    from .storage import advisor as store
    from .storage import open_storage

    if args.seed_hall:
        from .advisor.generator import seed_hall_workload

        return seed_hall_workload(catalogue_document())
    if not args.day_from or not args.day_to:
        raise InvalidInput(N_("give --from and --to (service days of the record), or --seed-hall"))
    try:
        first, last = date.fromisoformat(args.day_from), date.fromisoformat(args.day_to)
    except ValueError:
        raise InvalidInput(N_("--from and --to must be dates written YYYY-MM-DD")) from None
    if first > last:
        raise InvalidInput(N_("--from must not be after --to"))
    config = _config(args)
    storage = open_storage(config.db_path)
    try:
        print(f"reading the record {first} … {last}", file=sys.stderr, flush=True)
        with storage.read() as db:
            record = store.visits(db, first.isoformat(), last.isoformat(), config.hall.tz)
            minutes = store.catalogue_minutes(db)
    finally:
        storage.close()
    print(f"  {len(record)} tickets", file=sys.stderr, flush=True)
    return fit_workload(record, minutes)


def cmd_advise(args: argparse.Namespace) -> int:
    from .cli import _config

    workload = load_workload(args)
    minutes = args.target_minutes if args.target_minutes is not None else _config(args).hall.wait_target_minutes
    target = Target(minutes=minutes, share=args.target_share, days_share=args.days_share)
    weekday = WEEKDAYS.index(args.weekday)
    print(f"advising {args.weekday}: {target.share:.0%} called within {target.minutes:g} min on "
          f"{target.days_share:.0%} of days", file=sys.stderr, flush=True)
    plan = recommend(workload, weekday, target, days=args.days, month_start=args.month_start, most=args.max_counters,
                     progress=_progress)
    comparison = None
    if not args.no_compare:
        print("comparing one-window with dedicated windows", file=sys.stderr, flush=True)
        comparison = compare_policies(workload, weekday, one_window=args.one_window, dedicated=args.dedicated,
                                      target=target, progress=_progress)
    result = {"workload": describe(workload), "plan": plan.as_dict(),
              "comparison": comparison.as_dict() if comparison else None}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(report_text(result))
    return 0


def report_text(result: dict[str, Any]) -> str:
    """The advice as a plain-text report."""
    w, plan = result["workload"], result["plan"]
    lines = ["Workload"]
    for weekday, n in w["daily_arrivals"].items():
        lines.append(f"  {WEEKDAYS[int(weekday)]}: {n:7.1f} tickets on an ordinary day")
    lines.append(f"  month-start surge ×{w['month_start_factor']:.2f} on days 1–{w['month_start_days']}"
                 + ("" if w["month_start_measured"] else " (not measured: the range has no month start)"))
    lines.append(f"  handling {w['mean_service_minutes']:.1f} min, walk {w['mean_walk_seconds']:.0f} s, "
                 f"no-show {w['no_show_rate']:.1%}, recall {w['recall_rate']:.1%}, "
                 f"priority {w['priority_share']:.1%}, appointments {w['appointment_share']:.1%}")
    lines.append("  top services (share, mean and p90 handling):")
    for s in w["services"][:8]:
        lines.append(f"    {s['code']:<12} {s['share']:6.1%} {s['mean_minutes']:5.1f} {s['p90_minutes']:5.1f} min")
    f = plan["figures"]
    lines += ["", f"Plan for {WEEKDAYS[plan['weekday']]} (β = {plan['beta']}): {plan['counter_hours']} counter-hours "
              f"(Erlang C alone: {plan['erlang_counter_hours']})",
              "  time   load  Erlang-C  advised"]
    for q in plan["quarters"]:
        lines.append(f"  {quarter_label(q['quarter'])} {q['offered_load']:6.1f} {q['erlang']:8d} {q['counters']:8d}")
    lines.append(f"  on {plan['days']} fresh simulated days: {plan['met_share']:.0%} meet the target; mean wait "
                 f"{f['mean_wait']:.1f} min, p90 {f['p90_wait']:.1f} min, service level {f['service_level']:.1%}")
    comparison = result["comparison"]
    if comparison:
        lines += ["", "One-window against dedicated windows (same citizens)"]
        for r in comparison["results"]:
            rf = r["figures"]
            lines.append(f"  {r['name']:<22} {r['counters']:3d} counters  mean {rf['mean_wait']:6.1f}  "
                         f"p90 {rf['p90_wait']:6.1f}  service level {rf['service_level']:.1%}")
        if comparison["one_window_beats_dedicated"]:
            lines.append("  the one-window counters beat the dedicated windows on mean and p90 wait")
        else:
            lines.append("  the one-window counters do NOT beat the dedicated windows on this workload")
            if comparison["handling_to_match"]:
                lines.append(f"  they would if one-window handling took {comparison['handling_to_match']:.0%} "
                             "of its present time")
            if comparison["reform_volume_to_match"]:
                lines.append(f"  with handling {comparison['reform_handling']:.0%} of today's (the reform's), "
                             "they would "
                             f"on a day with {comparison['reform_volume_to_match']:.0%} of the tickets")
            if comparison["volume_to_match"]:
                lines.append(f"  they would on a day with {comparison['volume_to_match']:.0%} of the tickets")
            else:
                lines.append("  no lighter day (fewer tickets, the same handling) makes them win")
            if comparison["counters_to_match"]:
                lines.append(f"  {comparison['counters_to_match']} one-window counters beat the dedicated windows")
    return "\n".join(lines)
