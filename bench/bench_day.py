"""A simulated day: 1,500 tickets over 8 hours with a morning peak, 5 counters, through the real HallService.

A discrete-event simulation on a settable clock: citizens arrive (more of them between
8:30 and 10:30, fewer at lunch), take a ticket (the estimate printed on it is what the
hall computes at that moment), and five counters call next, walk, serve and finish.
It prints the mean and p90 wait and the estimated-wait error: the mean absolute
difference between the estimate on each ticket and the wait that ticket really had.

    python -m bench.bench_day [--tickets 1500] [--counters 5] [--service-minutes 1.4] [--seed 7]

1,500 tickets in 8 hours on 5 counters leave at most 1.6 minutes per ticket, so the
default mean service time is 1.4 minutes (about 88 % of capacity over the day, far above
it in the morning peak): the queue builds up in the morning and drains after lunch.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import percentile, sign_in_clerks
from hall.config import HallSettings
from hall.demo import catalogue_document, load_catalogue
from hall.domain.clock import FixedClock
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.service import HallService
from hall.storage import open_storage

OPENING = (8, 30)
HOURS = 8
#: Relative arrival rate per half hour from 8:30: a morning crowd, a lunch dip, a smaller afternoon bump.
PROFILE = [3.0, 3.2, 2.6, 2.0, 1.5, 1.2, 0.7, 0.5, 0.8, 1.2, 1.3, 1.2, 1.0, 0.8, 0.6, 0.4]
WALK_SECONDS = 25.0
SERVICES = ["A01", "A02", "B01", "B02", "C01", "D01", "E01"]


def arrivals(count: int, start: float, rng: random.Random) -> list[float]:
    """*count* arrival times over the day following PROFILE (piecewise constant density)."""
    slot = HOURS * 3600 / len(PROFILE)
    times = [start + (rng.choices(range(len(PROFILE)), weights=PROFILE)[0] + rng.random()) * slot for _ in range(count)]
    return sorted(times)


def simulate(tickets: int, counters: int, service_minutes: float, seed: int, folder: Path) -> dict[str, float]:
    rng = random.Random(seed)
    tz = ZoneInfo("Asia/Shanghai")
    opening = datetime(2026, 3, 2, *OPENING, tzinfo=tz).timestamp()
    clock = FixedClock(opening - 600)
    storage = open_storage(folder / "day.db")
    storage.conn.execute("PRAGMA synchronous = NORMAL")  # simulated time: the disk is not what we measure here
    load_catalogue(storage, catalogue_document(), clock.now(), counters=counters)
    service = HallService(storage, HallSettings(),
                          make_policy("one-window", 1800), clock, EventBus())
    sign_in_clerks(service, counters)
    codes = SERVICES
    queue: list[tuple[float, int, str, int]] = []  # (time, order, kind, counter or arrival index)
    order = 0
    for i, at in enumerate(arrivals(tickets, opening, rng)):
        heapq.heappush(queue, (at, order, "arrive", i))
        order += 1
    idle = set(range(1, counters + 1))
    sigma = 0.6
    mu = math.log(service_minutes * 60) - sigma**2 / 2
    wall = time.perf_counter()
    while queue:
        at, _, kind, who = heapq.heappop(queue)
        clock.set(at)
        if kind == "arrive":
            service.issue_ticket(service=rng.choice(codes))
            for number in sorted(idle):
                heapq.heappush(queue, (at, order, "call", number))
                order += 1
            idle.clear()
        elif kind == "call":
            if service.call_next(who, None) is None:
                idle.add(who)
            else:
                heapq.heappush(queue, (at + WALK_SECONDS, order, "start", who))
                order += 1
        elif kind == "start":
            service.start(who, None)
            heapq.heappush(queue, (at + rng.lognormvariate(mu, sigma), order, "finish", who))
            order += 1
        elif kind == "finish":
            service.finish(who, None)
            heapq.heappush(queue, (at, order, "call", who))
            order += 1
    wall = time.perf_counter() - wall
    rows = storage.query("SELECT issued_at, first_called_at, estimated_wait_minutes FROM tickets")
    storage.close()
    waits = [(r["first_called_at"] - r["issued_at"]) / 60 for r in rows]
    errors = [abs(r["estimated_wait_minutes"] - (r["first_called_at"] - r["issued_at"]) / 60) for r in rows]
    return {"tickets": len(rows), "mean_wait": sum(waits) / len(waits), "p90_wait": percentile(waits, 0.9),
            "max_wait": max(waits), "estimate_mae": sum(errors) / len(errors),
            "estimate_p90_error": percentile(errors, 0.9),
            "wall_seconds": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1500)
    parser.add_argument("--counters", type=int, default=5)
    parser.add_argument("--service-minutes", type=float, default=1.4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"simulating {args.tickets} tickets, {args.counters} counters, mean service {args.service_minutes} min ...",
          file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="onewindow-day-") as folder:
        result = simulate(args.tickets, args.counters, args.service_minutes, args.seed, Path(folder))
    print(f"tickets served          {result['tickets']:>8}")
    print(f"mean wait               {result['mean_wait']:>8.1f} min")
    print(f"p90 wait                {result['p90_wait']:>8.1f} min")
    print(f"longest wait            {result['max_wait']:>8.1f} min")
    print(f"estimated-wait error    {result['estimate_mae']:>8.1f} min (mean absolute), "
          f"p90 {result['estimate_p90_error']:.1f} min")
    print(f"simulation took         {result['wall_seconds']:>8.1f} s of wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
