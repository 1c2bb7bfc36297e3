"""Soak: 1,000 lobby screens and 300 phone status pages on one process while tickets are issued and called every second.

Measures what a hall would notice over a morning: disconnects, messages missed or out of order, how late each
call reaches every screen, and the server's memory and threads — during the run (flat?) and a minute after
every client has left (back to the baseline?).

    python -m bench.bench_soak [--minutes 10] [--lobbies 1000] [--phones 300] [--workers 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from bench.bench_lobby_latency import raise_open_files_limit
from bench.common import Server, percentile, staff_session
from bench.load import Profiler, worker_pid


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def usage(pid: int) -> tuple[float, int]:
    """(resident memory in MB, threads) of a process."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["Threads"])


def start_clients(url: str, lobbies: int, tokens: list[str], workers: int) -> list[subprocess.Popen]:
    processes = []
    for n in range(workers):
        share = lobbies // workers + (1 if n < lobbies % workers else 0)
        mine = tokens[n::workers]
        processes.append(subprocess.Popen([sys.executable, "-m", "bench.soak_clients", url, str(share), ",".join(mine)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for process in processes:
        line = process.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"a client worker failed: {line!r}")
    return processes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--lobbies", type=int, default=1000)
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--settle", type=float, default=60.0, help="seconds after the clients leave")
    args = parser.parse_args(argv)
    raise_open_files_limit(4 * (args.lobbies + args.phones) + 512)
    with Server() as server:
        pid = worker_pid(server.process.pid)
        clerks = {n: staff_session(server.url, f"clerk{n}") for n in range(1, 6)}
        tokens = [requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01", "print": False},
                                timeout=30).json()["token"] for _ in range(args.phones)]
        base_rss, base_threads = usage(pid)
        log(f"baseline: {base_rss:.0f} MB, {base_threads} threads; connecting {args.lobbies} lobbies + "
            f"{args.phones} phones …")
        clients = start_clients(server.url, args.lobbies, tokens, args.workers)
        connected_rss, connected_threads = usage(pid)
        log(f"connected: {connected_rss:.0f} MB, {connected_threads} threads")
        samples: list[tuple[float, float, int]] = []
        calls: dict[str, float] = {}
        stop = threading.Event()
        in_hand: dict[int, bool] = {}
        started = time.monotonic()
        profiler = None
        tick = 0
        while time.monotonic() - started < args.minutes * 60:
            tick += 1
            counter = tick % 5 + 1
            clerk = clerks[counter]
            requests.post(f"{server.url}/api/v1/tickets", json={"service": "B01", "print": False}, timeout=30)
            if in_hand.get(counter):
                clerk.post(f"{server.url}/api/v1/counters/{counter}/start", json={}, timeout=30)
                clerk.post(f"{server.url}/api/v1/counters/{counter}/finish", json={}, timeout=30)
            at = time.time()
            called = clerk.post(f"{server.url}/api/v1/counters/{counter}/call-next", json={}, timeout=30).json()
            if called.get("ticket"):
                calls[called["ticket"]["number"]] = at
                in_hand[counter] = True
            if tick % 10 == 0:
                rss, threads = usage(pid)
                samples.append((time.monotonic() - started, rss, threads))
                log(f"  {tick} s: {len(calls)} calls, {rss:.0f} MB, {threads} threads")
            if profiler is None and time.monotonic() - started > 30:
                profiler = Profiler(pid, 20).start()
            stop.wait(max(0.0, tick - (time.monotonic() - started)))
        for process in clients:
            process.stdin.write("stop\n")
            process.stdin.flush()
        summaries = [json.loads(process.stdout.readline()) for process in clients]
        for process in clients:
            process.stdin.close()
            process.wait(timeout=60)
        log(f"clients gone; settling {args.settle:.0f} s …")
        stop.wait(args.settle)
        after_rss, after_threads = usage(pid)
    delays: list[float] = []
    missing = 0
    for number, at in calls.items():
        arrivals = [t for s in summaries for t in s["calls"].get(number, [])]
        missing += args.lobbies - len(arrivals)
        delays += [t - at for t in arrivals]
    rss_values = [s[1] for s in samples] or [connected_rss]
    print(f"{args.minutes:g} minutes, {args.lobbies} lobby screens + {args.phones} phone status pages on one process, "
          f"a ticket issued and called every second ({len(calls)} calls)\n")
    print("| figure | value |")
    print("|---|---:|")
    print(f"| disconnects | {sum(s['disconnects'] for s in summaries)} |")
    print(f"| ticket_called never received (screen × call) | {missing} |")
    print(f"| messages with a sequence gap / out of order | {sum(s['gaps'] for s in summaries)} / "
          f"{sum(s['out_of_order'] for s in summaries)} |")
    print(f"| call → every screen, p50 / p99 / max ms | {1000 * percentile(delays, 0.5):.0f} / "
          f"{1000 * percentile(delays, 0.99):.0f} / {1000 * max(delays):.0f} |")
    print(f"| calls later than 1 s on some screen | {sum(1 for d in delays if d > 1.0)} |")
    print(f"| RSS baseline / connected / during (min–max) / a minute after | {base_rss:.0f} / {connected_rss:.0f} / "
          f"{min(rss_values):.0f}–{max(rss_values):.0f} / {after_rss:.0f} MB |")
    print(f"| threads baseline / connected / a minute after | {base_threads} / {connected_threads} / {after_threads} |")
    if profiler is not None:
        print(f"\nduring the soak — {profiler.line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
