"""How long from call-next until every lobby screen has the call: N Socket.IO clients on /lobby.

Starts `onewindow serve --demo` on 127.0.0.1 with a fresh database, connects N python-socketio clients
(websocket transport, like the lobby page) and, for each call, measures the time from sending
POST /api/v1/counters/1/call-next to each client receiving `ticket_called`. Prints p50/p99 per N.

    python -m bench.bench_lobby_latency              # N = 50, 500, 1000
    python -m bench.bench_lobby_latency --clients 50 200 --calls 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import socketio

from bench.common import Server, percentile

DEFAULT_CLIENTS = (50, 500, 1000)


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
    """N lobby clients; records when each received each call."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.clients: list[socketio.Client] = []
        self.lock = threading.Lock()
        self.received: dict[str, list[float]] = {}
        self.complete: dict[str, threading.Event] = {}
        self.waiting_seen: dict[int, int] = {}
        self.settled = threading.Condition(self.lock)

    def expect(self, number: str) -> threading.Event:
        with self.lock:
            self.received[number] = []
            self.complete[number] = threading.Event()
            return self.complete[number]

    def _on_call(self, message: dict) -> None:
        now = time.perf_counter()
        with self.lock:
            arrivals = self.received.get(message.get("number"))
            if arrivals is None:
                return
            arrivals.append(now)
            if len(arrivals) >= len(self.clients):
                self.complete[message["number"]].set()

    def _on_queues(self, client_id: int, snapshot: dict) -> None:
        with self.lock:
            self.waiting_seen[client_id] = snapshot.get("waiting_total", -1)
            self.settled.notify_all()

    def wait_settled(self, waiting_total: int) -> None:
        """Wait until every client has the queues after the last change (so one call is measured on its own)."""
        with self.lock:
            if not self.settled.wait_for(lambda: sum(1 for w in self.waiting_seen.values() if w == waiting_total)
                                         >= len(self.clients), timeout=60):
                raise RuntimeError("the lobby clients did not all get the latest queues within 60 s")

    def _connect_one(self) -> socketio.Client:
        client = socketio.Client(reconnection=False)
        client.on("ticket_called", self._on_call, namespace="/lobby")
        client.on("queues", lambda snapshot, cid=id(client): self._on_queues(cid, snapshot), namespace="/lobby")
        client.on("snapshot", lambda snapshot, cid=id(client): self._on_queues(cid, snapshot), namespace="/lobby")
        client.connect(self.url, namespaces=["/lobby"], transports=["websocket"], wait_timeout=60)
        return client

    def grow_to(self, count: int) -> None:
        missing = count - len(self.clients)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            for done, client in enumerate(pool.map(lambda _: self._connect_one(), range(missing)), 1):
                with self.lock:
                    self.clients.append(client)
                if done % 100 == 0 or done == missing:
                    log(f"  connected {len(self.clients)}/{count} clients ({time.monotonic() - started:.1f} s)")

    def close(self) -> None:
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda c: c.disconnect(), self.clients))


def measure(server: Server, screens: Screens, token: str, calls: int) -> tuple[list[float], list[float]]:
    """Per-client latencies (s) over *calls* calls, and per call the time until the last client had it."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    latencies: list[float] = []
    last: list[float] = []
    for index in range(calls):
        number = requests.post(f"{server.url}/api/v1/tickets", json={"service": "B01", "print": False},
                               timeout=30).json()["number"]
        screens.wait_settled(waiting_total=1)
        complete = screens.expect(number)
        started = time.perf_counter()
        response = http.post(f"{server.url}/api/v1/counters/1/call-next", json={}, timeout=30)
        response.raise_for_status()
        called = response.json()["ticket"]["number"]
        if called != number:
            raise RuntimeError(f"expected to call {number}, the server called {called}")
        if not complete.wait(timeout=60):
            raise RuntimeError(f"only {len(screens.received[number])}/{len(screens.clients)} clients got {number}")
        arrivals = [t - started for t in screens.received[number]]
        latencies += arrivals
        last.append(max(arrivals))
        http.post(f"{server.url}/api/v1/counters/1/no-show", json={}, timeout=30).raise_for_status()
        log(f"  call {index + 1}/{calls}: {number} reached all {len(arrivals)} clients in {max(arrivals) * 1000:.0f} ms")
    return latencies, last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=list(DEFAULT_CLIENTS), help="N values, ascending")
    parser.add_argument("--calls", type=int, default=10, help="calls measured per N")
    args = parser.parse_args(argv)
    limit = raise_open_files_limit(4 * max(args.clients) + 256)
    log(f"open files limit {limit}")
    rows = []
    with Server() as server:
        screens = Screens(server.url)
        try:
            token = requests.post(f"{server.url}/api/v1/login", json={"username": "clerk1", "password": "clerk1-demo"},
                                  timeout=30).json()["token"]
            for count in sorted(args.clients):
                log(f"N = {count}")
                screens.grow_to(count)
                latencies, last = measure(server, screens, token, args.calls)
                rows.append((count, percentile(latencies, 0.50), percentile(latencies, 0.99), statistics.median(last),
                             max(last)))
        finally:
            log("disconnecting")
            screens.close()
    print(f"{'N':>6} {'p50 ms':>9} {'p99 ms':>9} {'all: median ms':>15} {'all: max ms':>12}")
    for count, p50, p99, median_all, max_all in rows:
        print(f"{count:>6} {p50 * 1000:>9.1f} {p99 * 1000:>9.1f} {median_all * 1000:>15.1f} {max_all * 1000:>12.1f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
