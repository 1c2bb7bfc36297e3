"""Calls go on while managers read a year: call-next latency with a year-by-counter report over 1M tickets in a loop.

Reports run on OS threads of their own, on connections of their own (`hall.web.context.off_the_loop`), so the
server's event loop keeps answering the counters meanwhile.

    python -m bench.bench_report_load [--db /tmp/onewindow-bench.db] [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import Server, percentile, staff_session
from bench.gen_tickets import generate
from bench.load import Profiler, worker_pid


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def hall_copy(source: Path) -> Path:
    """A copy of the generated year with the demo's staff accounts, in a folder of its own."""
    folder = Path(tempfile.mkdtemp(prefix="onewindow-bench-year-"))
    target = folder / "hall.db"
    log(f"copying {source} …")
    shutil.copy(source, target)
    from hall.accounts import Accounts
    from hall.demo import DEMO_STAFF
    from hall.domain.clock import SystemClock
    from hall.storage import open_storage

    storage = open_storage(target)
    accounts = Accounts(storage, SystemClock())
    for username, display, roles, counter, password in DEMO_STAFF:
        accounts.add_staff(username, password, roles, display_name=display, counter=counter, policy=False)
    storage.close()
    # The demo's record of its installation: `serve --demo` then lets the published demo passwords in here.
    (folder / "demo_devices.json").write_text(json.dumps({"evaluators": {}}), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/onewindow-bench.db")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(argv)
    source = Path(args.db)
    if not source.exists():
        log(f"generating {args.tickets} tickets in {source} …")
        generate(source, args.tickets, progress=sys.stderr)
    conn = sqlite3.connect(source)
    first, last, total = conn.execute("SELECT min(service_day), max(service_day), count(*) FROM tickets").fetchone()
    conn.close()
    db = hall_copy(source)
    year_from = max(first, f"{int(last[:4]) - 1}{last[4:]}")
    with Server(directory=db.parent) as server:
        manager = staff_session(server.url, "manager")
        clerks = {n: staff_session(server.url, f"clerk{n}") for n in range(1, 6)}
        done = threading.Event()
        report_times: list[float] = []

        def reports() -> None:
            while not done.is_set():
                started = time.perf_counter()
                answer = manager.get(f"{server.url}/api/v1/reports/waiting",
                                     params={"from": year_from, "to": last, "group_by": "counter"}, timeout=120)
                answer.raise_for_status()
                report_times.append(time.perf_counter() - started)

        loop = threading.Thread(target=reports, daemon=True)
        loop.start()
        while not report_times:  # the first report is under way and done once: the loop is warm
            done.wait(0.1)
        profiler = Profiler(worker_pid(server.process.pid), 8).start()
        latencies = []
        for n in range(args.calls):
            counter = n % 5 + 1
            clerk = clerks[counter]
            clerk.post(f"{server.url}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=30)
            started = time.perf_counter()
            answer = clerk.post(f"{server.url}/api/v1/counters/{counter}/call-next", json={}, timeout=30)
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()
            for action in ("start", "finish"):
                clerk.post(f"{server.url}/api/v1/counters/{counter}/{action}", json={}, timeout=30)
        done.set()
        loop.join(timeout=120)
        profile = profiler.line()
    print(f"{args.calls} calls while a waiting-time report by counter over {year_from}…{last} "
          f"({total:,} tickets in the database) ran {len(report_times)} times in a loop\n")
    print(f"call-next p50 {1000 * percentile(latencies, 0.5):.1f} ms, p99 {1000 * percentile(latencies, 0.99):.1f} ms; "
          f"each report p50 {percentile(report_times, 0.5):.2f} s")
    print(f"\n{profile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
