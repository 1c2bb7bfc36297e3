"""Time the waiting-time report on a large hall database (numbers printed, not asserted).

    python -m bench.bench_reports --db /tmp/onewindow-bench.db            # generates 1M tickets first if missing
    python -m bench.bench_reports --db /tmp/small.db --tickets 20000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from bench.gen_tickets import TZ, generate
from hall.reports import report, verify_projection
from hall.storage import open_storage

CASES = (
    ("last week by hour", 7, "hour", None),
    ("last week by hour, one clerk", 7, "hour", "clerk3"),
    ("last month by day", 30, "day", None),
    ("last month by item", 30, "item", None),
    ("last month by clerk", 30, "clerk", None),
    ("last quarter by category", 91, "category", None),
    ("last year by counter", 365, "counter", None),
)


def timed(run, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/onewindow-bench.db")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets to generate when --db is missing")
    args = parser.parse_args(argv)
    path = Path(args.db)
    if not path.exists():
        print(f"generating {args.tickets:,} tickets into {path}", flush=True)
        print(generate(path, args.tickets), flush=True)
    storage = open_storage(path)
    try:
        total = storage.query("SELECT count(*) FROM tickets")[0][0]
        events = storage.query("SELECT count(*) FROM events")[0][0]
        last = date.fromisoformat(storage.query("SELECT max(service_day) FROM tickets")[0][0])
        print(f"{path}: {total:,} tickets, {events:,} events, last day {last}")
        print(f"{'report':<34} {'tickets':>9} {'rows':>5} {'best of 3':>10}")
        for name, days, group_by, staff in CASES:
            first = last - timedelta(days=days - 1)
            seconds, data = timed(lambda first=first, group_by=group_by, staff=staff: report(
                storage, first, last, group_by, tz=TZ, target_minutes=15, staff=staff))
            print(f"{name:<34} {data['total']['issued']:>9,} {len(data['rows']):>5} {seconds * 1000:>8.0f} ms")
        sample = [r[0] for r in storage.query("SELECT id FROM tickets ORDER BY random() LIMIT 1000")]
        seconds, problems = timed(lambda: verify_projection(storage, sample), repeat=1)
        print(f"{'projection = event log (1000 tickets)':<34} {len(problems):>9} {'':>5} {seconds * 1000:>8.0f} ms")
    finally:
        storage.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
