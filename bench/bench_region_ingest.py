"""Ingest throughput: N halls post their batches at once to `onewindow region serve` on PostgreSQL.

    python -m bench.bench_region_ingest                       # 10 halls × 30 batches × 1,000 events
    python -m bench.bench_region_ingest --halls 4 --batches 5

Every batch is stored, projected, rolled up and its rating chain verified, in one transaction with
fsync on (a durable cluster). Prints events/s over the wall time of the whole run, per-batch latency,
and checks that every hall's events are stored once and its rollups equal a recomputation.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import threading
import time
import urllib.parse

from bench.common import percentile
from bench.region_common import Prefecture
from bench.region_load import SyntheticHall
from region.reports import check_rollups


def post_all(url: str, token: str, bodies: list[bytes], latencies: list[float], errors: list[str]) -> None:
    """One hall: post its batches one after another on one keep-alive connection."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in bodies:
        start = time.perf_counter()
        conn.request("POST", "/api/v1/ingest", body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        latencies.append(time.perf_counter() - start)
        if response.status != 200:
            errors.append(f"HTTP {response.status}: {answer[:200]!r}")
            return
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=10)
    parser.add_argument("--batches", type=int, default=30, help="batches per hall")
    parser.add_argument("--tickets-per-batch", type=int, default=200, help="5 events each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    with Prefecture() as prefecture:
        tokens = []
        for n in range(args.halls):
            _, token = prefecture.ctx.halls.register(f"H{n:03d}", f"大厅 {n}", agency_code=f"A{n % 4:02d}",
                                                     region_code=f"52230{n % 9}")
            tokens.append(token)
        print(f"building {args.halls} × {args.batches} batches of {args.tickets_per_batch * 5} events",
              file=sys.stderr, flush=True)
        bodies = [SyntheticHall(f"H{n:03d}", seed=n).bodies(args.batches, args.tickets_per_batch)
                  for n in range(args.halls)]
        url = prefecture.serve(args.workers, args.threads)
        latencies: list[float] = []
        errors: list[str] = []
        threads = [threading.Thread(target=post_all, args=(url, tokens[n], bodies[n], latencies, errors))
                   for n in range(args.halls)]
        print("posting", file=sys.stderr, flush=True)
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        events = args.halls * args.batches * args.tickets_per_batch * 5
        with prefecture.ctx.db.transaction() as conn:
            rows = conn.execute("SELECT h.code, count(e.id) AS n, h.acknowledged FROM halls h LEFT JOIN events e "
                                "ON e.hall = h.id GROUP BY h.code, h.acknowledged ORDER BY h.code").fetchall()
        expected = args.batches * args.tickets_per_batch * 5
        complete = all(r["n"] == expected and r["acknowledged"] == expected for r in rows)
        print(f"halls {args.halls}, events {events:,} ({args.tickets_per_batch * 5} per batch), "
              f"server: {args.workers} workers × {args.threads} threads, PostgreSQL fsync on")
        print(f"wall {wall:.2f} s → {events / wall:,.0f} events/s "
              f"({events / 5 / wall:,.0f} tickets/s)")
        if latencies:
            print(f"batch latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
                  f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms")
        print(f"every hall stored exactly its {expected:,} events, acknowledged: {'yes' if complete else 'NO'}")
        problems = check_rollups(prefecture.ctx.db, 1)
        print(f"rollups of hall H000 equal a recomputation from its events: {'yes' if not problems else problems[:3]}")
        if errors:
            print("errors:", *errors[:5], sep="\n  ")
        return 0 if complete and not errors and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
