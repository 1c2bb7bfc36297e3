"""Prefecture faults, counted per hall: an hour's outage, kill -9 mid-batch, a hall restored from a backup.

    python -m bench.bench_region_faults
    python -m bench.bench_region_faults --events 1000

Real `onewindow region serve` processes on a private PostgreSQL cluster; real halls (the hall service
on its own SQLite file, on a simulated clock) shipping with hall.outbox over HTTP.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from bench.region_common import Prefecture
from hall.outbox import Outbox
from hall.storage import open_storage
from tests.region.conftest import DemoHall


def counts(prefecture: Prefecture, hall: DemoHall) -> tuple[int, int]:
    """(events lost, events duplicated) of *hall* at the prefecture."""
    with prefecture.ctx.db.transaction() as conn:
        row = conn.execute("SELECT count(e.id) AS n, count(DISTINCT e.id) AS d FROM events e JOIN halls h "
                           "ON h.id = e.hall WHERE h.code = %s", [hall.code]).fetchone()
    return hall.event_count() - row["d"], row["n"] - row["d"]


def make_hall(prefecture: Prefecture, directory: Path, code: str, url: str, batch_size: int = 1000) -> DemoHall:
    _, token = prefecture.ctx.halls.register(code, f"{code} 大厅", agency_code="A01", region_code="522301")
    return DemoHall(directory / f"{code}.db", code, token, transport=None, url=url, batch_size=batch_size)


def serve_one(hall: DemoHall, counter: int) -> None:
    """One citizen at *counter*: issued, called, served and rated within a few simulated seconds (5 events)."""
    service, clerk = hall.service, f"clerk{counter}"
    ticket = service.issue_ticket(service="A01")
    hall.clock.advance(0.5)
    service.call_specific(counter, clerk, ticket.number)
    hall.clock.advance(0.5)
    service.start(counter, clerk)
    hall.clock.advance(1.0)
    service.finish(counter, clerk)
    service.rate(ticket.id, 5, device_id=counter, device_counter=counter)


def serve_until(hall: DemoHall, events: int) -> None:
    """Serve citizens until the hall has written *events* more events."""
    target = hall.event_count() + events
    counter = 0
    while hall.event_count() < target:
        serve_one(hall, counter % 5 + 1)
        counter += 1


def outage(prefecture: Prefecture, directory: Path, events: int) -> None:
    url = prefecture.serve(1, 4)
    hall = make_hall(prefecture, directory, "OUT", url)
    serve_until(hall, 200)
    hall.ship_all()
    prefecture.kill(signal.SIGTERM)
    print("[outage] prefecture down; the hall keeps working for a simulated hour", file=sys.stderr, flush=True)
    attempts, next_attempt, start = 0, hall.clock.now(), hall.clock.now()
    per_minute = max(1, events // 60)
    written = 0
    for minute in range(60):
        before = hall.event_count()
        serve_until(hall, per_minute)
        written += hall.event_count() - before
        hall.clock.set(max(hall.clock.now(), start + 60 * (minute + 1)))
        while hall.clock.now() >= next_attempt:
            hall.outbox.run_once()
            attempts += 1
            next_attempt += hall.outbox.delay(hall.outbox.status()["failures"])
    backlog = hall.outbox.status()["backlog"]
    url = prefecture.serve(1, 4)
    hall.outbox = Outbox(hall.storage, hall.settings.__class__(**{**hall.settings.__dict__, "url": url}),
                         hall.service.hall, hall.clock)
    started = time.perf_counter()
    hall.ship_all()
    catch_up = time.perf_counter() - started
    lost, duplicated = counts(prefecture, hall)
    print(f"outage: {written:,} events written during the simulated hour, {attempts} failed attempts (backoff up "
          f"to {hall.settings.max_backoff_seconds} s), backlog {backlog:,}; catch-up {catch_up:.1f} s; "
          f"lost {lost}, duplicated {duplicated}")
    prefecture.kill(signal.SIGTERM)
    hall.close()


def kill_mid_batch(prefecture: Prefecture, directory: Path, events: int) -> None:
    url = prefecture.serve(1, 4)
    hall = make_hall(prefecture, directory, "KILL", url)
    serve_until(hall, 100)
    hall.ship_all()
    acknowledged = hall.outbox.status()["acknowledged"]
    serve_until(hall, events)
    with psycopg.connect(prefecture.url) as blocker, psycopg.connect(prefecture.url, autocommit=True) as watcher:
        blocker.execute("SELECT * FROM figures_hall_day WHERE hall = (SELECT id FROM halls WHERE code = 'KILL') "
                        "FOR UPDATE")
        sender = threading.Thread(target=hall.outbox.run_once)
        sender.start()
        pause = threading.Event()
        for _ in range(600):
            if watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchone()[0]:
                break
            pause.wait(0.05)
        in_flight = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                    ).fetchone()[0]
        prefecture.kill(signal.SIGKILL)
        sender.join(timeout=60)
        blocker.rollback()
    after_kill = hall.outbox.status()["acknowledged"]
    prefecture.serve(1, 4)
    hall.outbox = Outbox(hall.storage, hall.settings.__class__(**{**hall.settings.__dict__,
                                                                  "url": prefecture.last_url}),
                         hall.service.hall, hall.clock)
    hall.ship_all()
    lost, duplicated = counts(prefecture, hall)
    print(f"kill -9 mid-batch: a batch of {hall.settings.batch_size} events inside its transaction "
          f"({'caught waiting' if in_flight else 'not caught'}), acknowledged before/after the kill "
          f"{acknowledged}/{after_kill}; after restart and catch-up of {hall.event_count():,} events: "
          f"lost {lost}, duplicated {duplicated}")
    prefecture.kill(signal.SIGTERM)
    hall.close()


def restored(prefecture: Prefecture, directory: Path) -> None:
    url = prefecture.serve(1, 4)
    hall = make_hall(prefecture, directory, "REST", url)
    serve_until(hall, 300)
    hall.ship_all()
    hall.storage.backup(directory / "REST-backup.db")
    serve_until(hall, 300)
    hall.ship_all()
    shipped = hall.event_count()
    hall.storage.close()
    shutil.copy(directory / "REST-backup.db", directory / "REST.db")
    hall.storage = open_storage(directory / "REST.db")
    hall.service.storage = hall.storage
    hall.outbox = Outbox(hall.storage, hall.settings, hall.service.hall, hall.clock)
    serve_until(hall, 100)
    result = hall.outbox.run_once()
    with prefecture.ctx.db.transaction() as conn:
        stored = conn.execute("SELECT count(*) AS n FROM events e JOIN halls h ON h.id = e.hall "
                              "WHERE h.code = 'REST'").fetchone()["n"]
    print(f"restore from an older backup: the hall says {result.status!r}; prefecture kept its {stored:,} events "
          f"(shipped before the restore: {shipped:,}); message: {result.message}")
    prefecture.kill(signal.SIGTERM)
    hall.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000, help="events written while the prefecture is down")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="  (log) %(name)s: %(message)s")
    logging.getLogger("hall.outbox").setLevel(logging.CRITICAL)  # failed attempts and refusals are printed below
    directory = Path(tempfile.mkdtemp(prefix="onewindow-faults-"))
    try:
        with Prefecture() as prefecture:
            outage(prefecture, directory, args.events)
            kill_mid_batch(prefecture, directory, args.events)
            restored(prefecture, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
