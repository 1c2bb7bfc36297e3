"""Shared pieces of the benchmarks: a real server process on 127.0.0.1 and percentiles."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

    from hall.service import HallService


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


class Server:
    """`onewindow serve --demo` on a temporary database; a context manager."""

    def __init__(self, *extra: str, waiting: int = 0, directory: Path | None = None) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="onewindow-bench-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra = list(extra)
        self.waiting = waiting
        self.shared = directory  # several servers on one database: the same folder
        self.process: subprocess.Popen | None = None

    @property
    def db(self) -> Path:
        return (self.shared or Path(self.dir.name)) / "hall.db"

    def __enter__(self) -> "Server":
        if self.waiting and not self.db.exists():
            prefill(self.db, self.waiting)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hall.cli", "serve", "--demo", "--db", str(self.db), "--port", str(self.port),
             *self.extra], cwd=self.db.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wait_for_http(self.process, self.port, 300)  # a year of tickets may first be migrated to the new schema
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: the graceful stop (flushes queues, closes the database)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.dir.cleanup()


def wait_for_http(process: subprocess.Popen, port: int, timeout: float) -> None:
    """Until the server on *port* answers HTTP: an answer, not an open port, since gunicorn's master listens
    before its worker has booted and the first requests of a measurement would wait for that boot (a second
    and a half in every p99)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(b"GET /favicon.ico HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if connection.recv(16).startswith(b"HTTP/"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def staff_session(url: str, username: str, password: str | None = None) -> requests.Session:
    """A requests session logged in as a demo member of staff; a clerk is signed in at their counter."""
    import requests

    session = requests.Session()
    answer = session.post(f"{url}/api/v1/login",
                          json={"username": username, "password": password or f"{username}-demo"}, timeout=30)
    answer.raise_for_status()
    session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    if answer.json().get("counter"):
        session.post(f"{url}/api/v1/counters/{answer.json()['counter']}/sign-in", json={},
                     timeout=30).raise_for_status()
    return session


def prefill(db: Path, waiting: int, *, items: tuple[str, ...] = ("A01", "B01", "C01", "D01", "E01")) -> None:
    """Install the demo hall into a new database at *db* with *waiting* tickets of today already in the queue."""
    from hall.accounts import Accounts
    from hall.config import HallSettings
    from hall.demo import install_demo
    from hall.domain.clock import SystemClock
    from hall.domain.events import EventBus
    from hall.domain.routing import make_policy
    from hall.service import HallService
    from hall.storage import open_storage

    storage = open_storage(db)
    clock = SystemClock()
    install_demo(storage, Accounts(storage, clock), clock, db.parent)
    service = HallService(storage, HallSettings(), make_policy("one-window", 1800), clock, EventBus())
    step = max(1, waiting // 10)
    for n in range(waiting):
        service.issue_ticket(service=items[n % len(items)])
        if n and n % step == 0:
            print(f"    prefilled {n}/{waiting} waiting tickets", file=sys.stderr, flush=True)
    storage.close()


def sign_in_clerks(service: "HallService", counters: int) -> None:
    """A clerk signs in at each of counters 1..*counters* (they are closed until someone does)."""
    from hall.storage import repo

    for number in range(1, counters + 1):
        with service.storage.write() as db:
            repo.upsert_staff(db, {"username": f"clerk{number}", "display_name": f"clerk {number}", "roles": "clerk",
                                   "password_hash": "!", "counter": number, "active": 1,
                                   "created_at": service.clock.now()})
        service.open_counter(number, f"clerk{number}")
