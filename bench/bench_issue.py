"""Tickets per second over HTTP, flat in the queue; call-next latency with 2,000 waiting; one process vs two.

Every ticket is durably committed (WAL, synchronous=FULL) before its 201 is sent. The load comes from wrk
(C) so the client costs little of the two cores; each figure is printed with the queue length it was
measured at, and the 8-client run with a py-spy profile of the server (what limits it now).

    python -m bench.bench_issue [--seconds 8] [--sweep 0,640,1280,2560,5000] [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import Server, free_port, percentile, staff_session, wait_for_http
from bench.load import Profiler, run_wrk, worker_pid, wrk_available


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def raw_commit_rate(seconds: float = 2.0) -> float:
    """Single-row INSERT + COMMIT per transaction with the same pragmas as the hall."""
    with tempfile.TemporaryDirectory() as d:
        conn = sqlite3.connect(Path(d) / "raw.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (v) VALUES ('x')")
            conn.execute("COMMIT")
            n += 1
        conn.close()
        return n / (time.perf_counter() - start)


def waiting_now(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM tickets WHERE state = 'waiting'").fetchone()[0])
    finally:
        conn.close()


def issue_rates(seconds: float) -> None:
    print("\n### Ticket issue over HTTP (POST /api/v1/tickets), an empty hall at the start\n")
    print("| clients | tickets/s | p50 ms | p99 ms | waiting at the end |")
    print("|---:|---:|---:|---:|---:|")
    profile = ""
    for clients in (1, 8):
        with Server() as server:
            log(f"  {clients} client(s), {seconds:.0f} s …")
            profiler = Profiler(worker_pid(server.process.pid), seconds - 2).start() if clients == 8 else None
            result = run_wrk(f"{server.url}/api/v1/tickets", connections=clients, seconds=seconds)
            if profiler is not None:
                profile = profiler.line()
            print(f"| {clients} | {result.requests_per_second:.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
                  f"{waiting_now(server.db)} |", flush=True)
            if result.non_2xx:
                print(f"\n{result.non_2xx} answers were not 201", flush=True)
    print(f"\n8 clients — {profile}")


def framework_floor(seconds: float) -> None:
    """The same load on a Flask app that does nothing but read the JSON and answer (bench/ceiling_app.py)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
                               "bench.ceiling_app:application"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=Path(__file__).parents[1])
    try:
        wait_for_http(server, port, 60)
        result = run_wrk(f"http://127.0.0.1:{port}/api/v1/tickets", connections=8, seconds=seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nthe floor — the same 8 clients on a Flask app that only reads the JSON and answers 201 (same server, "
          f"same worker class): {result.requests_per_second:.0f} answers/s, p50 {result.p50_ms:.1f} ms")


def sweep(lengths: list[int], seconds: float) -> None:
    print("\n### Flat in the queue: 8 clients issuing while N tickets already wait (FQM-style sweep)\n")
    print("| waiting at the start | tickets/s | p50 ms | p99 ms | waiting at the end | vs empty |")
    print("|---:|---:|---:|---:|---:|---:|")
    first = None
    for waiting in lengths:
        log(f"  {waiting} waiting …")
        with Server(waiting=waiting) as server:
            result = run_wrk(f"{server.url}/api/v1/tickets", connections=8, seconds=seconds)
            first = first or result.requests_per_second
            print(f"| {waiting} | {result.requests_per_second:.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
                  f"{waiting_now(server.db)} | {result.requests_per_second / first:.2f} |", flush=True)


def call_next_latency(waiting: int, calls: int) -> None:
    print(f"\n### Call next over HTTP with {waiting} waiting (5 counters in turn)\n")
    with Server(waiting=waiting) as server:
        clerks = [staff_session(server.url, f"clerk{n}") for n in range(1, 6)]
        profiler = Profiler(worker_pid(server.process.pid), 6).start()
        latencies = []
        for n in range(calls):
            counter = n % 5 + 1
            clerk = clerks[counter - 1]
            started = time.perf_counter()
            answer = clerk.post(f"{server.url}/api/v1/counters/{counter}/call-next", json={}, timeout=30)
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 200 and answer.json()["ticket"], answer.text
            for action in ("start", "finish"):
                clerk.post(f"{server.url}/api/v1/counters/{counter}/{action}", json={}, timeout=30)
        profile = profiler.line()
        remaining = waiting_now(server.db)
    print(f"{calls} calls: p50 {1000 * percentile(latencies, 0.5):.1f} ms, "
          f"p99 {1000 * percentile(latencies, 0.99):.1f} ms, "
          f"{remaining} still waiting at the end (client-side, Python requests)")
    print(f"\n{profile}")


def two_processes(seconds: float) -> None:
    redis = shutil.which("redis-server")
    if redis is None:
        print("\n(two processes: redis-server is not installed)")
        return
    print("\n### One process and two processes over Redis on one database, 16 clients in all\n")
    port = free_port()
    broker = subprocess.Popen([redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        with Server("--message-queue", url) as one:
            single = run_wrk(f"{one.url}/api/v1/tickets", connections=16, seconds=seconds, threads=2)
        shared = Path(tempfile.mkdtemp(prefix="onewindow-bench-pair-"))
        with (Server("--message-queue", url, directory=shared) as a,
              Server("--message-queue", url, directory=shared) as b):
            results: list = []
            # One wrk per server, both at once.
            threads = [threading.Thread(target=lambda s=s: results.append(
                run_wrk(f"{s.url}/api/v1/tickets", connections=8, seconds=seconds, threads=1))) for s in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        both = sum(r.requests_per_second for r in results)
        print("| layout | tickets/s | p99 ms |")
        print("|---|---:|---:|")
        print(f"| one process, 16 clients | {single.requests_per_second:.0f} | {single.p99_ms:.1f} |")
        print(f"| two processes, 8 clients each | {both:.0f} | {max(r.p99_ms for r in results):.1f} |")
        print(f"\ntwo processes ÷ one: {both / single.requests_per_second:.2f}")
    finally:
        broker.terminate()
        broker.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--sweep", default="0,640,1280,2560,5000")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="shorter runs and a shorter sweep")
    args = parser.parse_args(argv)
    if not wrk_available():
        print("wrk is not installed (apt-get install wrk, or scripts/install.sh --test)", file=sys.stderr)
        return 2
    seconds = 4.0 if args.quick else args.seconds
    log("raw SQLite commits (WAL, synchronous=FULL) …")
    raw = raw_commit_rate()
    print(f"raw SQLite commit rate on this disk (one row, WAL, synchronous=FULL): {raw:.0f} commits/s")
    issue_rates(seconds)
    framework_floor(seconds)
    sweep([int(n) for n in ("0,2560" if args.quick else args.sweep).split(",")], seconds / 2)
    call_next_latency(2000, 100 if args.quick else args.calls)
    two_processes(seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
