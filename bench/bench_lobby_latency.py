"""How long from call-next until every lobby screen has the call: N Socket.IO clients on /lobby.

Starts `onewindow serve --demo` on 127.0.0.1 with a fresh database, connects N python-socketio asyncio clients
spread over worker processes (websocket transport, like the lobby page) and, for each call, measures the time from
sending POST /api/v1/counters/1/call-next to each client receiving `ticket_called`. Prints p50/p99 per N.

    python -m bench.bench_lobby_latency              # N = 200, 1000 with 1,000 tickets waiting
    python -m bench.bench_lobby_latency --clients 50 200 --calls 5 --waiting 0
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import requests

from bench.common import Server, percentile, staff_session
from bench.load import Profiler, worker_pid

DEFAULT_CLIENTS = (200, 1000)


def log(message: str) -> None:
    """Progress goes to stderr; the results table to stdout."""
    print(message, file=sys.stderr, flush=True)


def raise_open_files_limit(wanted: int) -> int:
    """Every client is a socket here and in the server (which inherits the limit): raise the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Screens:
    """N lobby screens spread over worker processes (bench.lobby_clients), each an asyncio event loop.

    One python-socketio threading client per screen would cost the benchmark itself three threads per
    screen; at 1,000 screens on two cores that harness, not the server, was what stalled.
    """

    def __init__(self, url: str, workers: int) -> None:
        self.url = url
        self.workers = workers
        self.processes: list[subprocess.Popen] = []
        self.count = 0

    def grow_to(self, count: int) -> None:
        """Start workers for the screens still missing (spread evenly over self.workers processes)."""
        missing = count - self.count
        started = time.monotonic()
        shares = [missing // self.workers + (1 if i < missing % self.workers else 0) for i in range(self.workers)]
        new = [subprocess.Popen([sys.executable, "-m", "bench.lobby_clients", self.url, str(n)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True) for n in shares if n]
        for process in new:
            line = process.stdout.readline()
            if not line.startswith("ready"):
                raise RuntimeError(f"a client worker failed to connect its screens: {line!r}")
            self.count += int(line.split()[1])
            log(f"  connected {self.count}/{count} clients ({time.monotonic() - started:.1f} s)")
        self.processes += new

    def arrivals(self, number: str) -> list[float]:
        """Wall-clock times at which every screen received the call of *number*."""
        for process in self.processes:
            process.stdin.write(f"wait {number}\n")
            process.stdin.flush()
        times: list[float] = []
        for process in self.processes:
            times += json.loads(process.stdout.readline())["times"]
        return times

    def close(self) -> None:
        for process in self.processes:
            process.stdin.close()
        for process in self.processes:
            process.wait(timeout=60)


def measure(server: Server, screens: Screens, http: requests.Session, calls: int) -> tuple[list[float], list[float]]:
    """Per-client latencies (s) over *calls* calls, and per call the time until the last client had it."""
    latencies: list[float] = []
    last: list[float] = []
    for index in range(calls):
        requests.post(f"{server.url}/api/v1/tickets", json={"service": "B01", "print": False}, timeout=30)
        started = time.time()
        response = http.post(f"{server.url}/api/v1/counters/1/call-next", json={}, timeout=30)
        response.raise_for_status()
        number = response.json()["ticket"]["number"]
        arrivals = [t - started for t in screens.arrivals(number)]
        if len(arrivals) < screens.count:
            raise RuntimeError(f"only {len(arrivals)}/{screens.count} clients got {number}")
        latencies += arrivals
        last.append(max(arrivals))
        http.post(f"{server.url}/api/v1/counters/1/no-show", json={}, timeout=30).raise_for_status()
        log(f"  call {index + 1}/{calls}: {number} reached all {len(arrivals)} clients "
            f"in {max(arrivals) * 1000:.0f} ms")
    return latencies, last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=list(DEFAULT_CLIENTS), help="N values, ascending")
    parser.add_argument("--calls", type=int, default=10, help="calls measured per N")
    parser.add_argument("--workers", type=int, default=2, help="client processes (asyncio, one loop each)")
    parser.add_argument("--waiting", type=int, default=1000, help="tickets already waiting when the calls start")
    args = parser.parse_args(argv)
    limit = raise_open_files_limit(4 * max(args.clients) + 256)
    log(f"open files limit {limit}")
    rows = []
    with Server(waiting=args.waiting) as server:
        screens = Screens(server.url, workers=args.workers)
        try:
            clerk = staff_session(server.url, "clerk1")
            for count in sorted(args.clients):
                log(f"N = {count}")
                screens.grow_to(count)
                profiler = Profiler(worker_pid(server.process.pid), 4).start()
                latencies, last = measure(server, screens, clerk, args.calls)
                rows.append((count, percentile(latencies, 0.50), percentile(latencies, 0.99), statistics.median(last),
                             max(last), profiler.line()))
        finally:
            log("disconnecting")
            screens.close()
    print(f"call-next → ticket_called on every /lobby screen, {args.waiting} tickets waiting, "
          f"{args.calls} calls per N\n")
    print("| screens | p50 ms | p99 ms | last screen, median ms | last screen, max ms |")
    print("|---:|---:|---:|---:|---:|")
    for count, p50, p99, median_all, max_all, _ in rows:
        print(f"| {count} | {p50 * 1000:.1f} | {p99 * 1000:.1f} | {median_all * 1000:.1f} | {max_all * 1000:.1f} |")
    for count, *_, profile in rows:
        print(f"\n{count} screens — {profile}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
