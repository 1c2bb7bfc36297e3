"""Tickets per second over HTTP with 1, 8 and 32 concurrent clients, against the raw SQLite commit rate.

Each ticket is durably committed (WAL, synchronous=FULL) before the 201 is sent, so the
ratio to the raw commit rate measured in the same run is the figure that matters on a
noisy machine.

    python -m bench.bench_issue [--tickets 400] [--clients 1,8,32]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.common import Server, percentile


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


def issue_rate(url: str, clients: int, tickets: int) -> tuple[float, float, float]:
    """(tickets/s, p50 ms, p99 ms) for *tickets* tickets spread over *clients* threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = max(1, tickets // clients)
    barrier = threading.Barrier(clients)

    def work() -> None:
        session = requests.Session()
        mine = []
        barrier.wait()
        for _ in range(per_client):
            t0 = time.perf_counter()
            r = session.post(f"{url}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=30)
            mine.append(time.perf_counter() - t0)
            if r.status_code != 201:
                raise RuntimeError(r.text)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--clients", default="1,8,32")
    args = parser.parse_args(argv)
    print("raw SQLite commits (WAL, synchronous=FULL) ...", flush=True)
    raw = raw_commit_rate()
    print(f"  {raw:8.0f} commits/s", flush=True)
    with Server() as server:
        for clients in (int(c) for c in args.clients.split(",")):
            print(f"issuing {args.tickets} tickets with {clients} client(s) ...", flush=True)
            rate, p50, p99 = issue_rate(server.url, clients, args.tickets)
            print(f"  {rate:8.1f} tickets/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"({rate / raw:.1%} of raw commit rate)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
