"""Generate a hall database with many tickets, their event log and ratings, for the report benchmark.

    python -m bench.gen_tickets --tickets 1000000 --db /tmp/onewindow-bench.db

About a thousand tickets a day on the demo catalogue (five counters, clerk1..clerk5), ending
yesterday; waits, service times, no-shows, cancellations and ratings drawn at random with a
fixed seed. The tickets table's per-ticket times are written from the same values as the
events, as the hall service does in one transaction.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hall.demo import catalogue_document, load_catalogue
from hall.storage import open_storage

TZ = ZoneInfo("Asia/Shanghai")
PER_DAY = 1000
BATCH = 20_000


def _plan(total: int, end: date) -> list[date]:
    days = max(1, -(-total // PER_DAY))
    return [end - timedelta(days=days - 1 - i) for i in range(days)]


def generate(path: Path, total: int, *, seed: int = 7, end: date | None = None, progress=sys.stdout) -> dict:
    """Fill a new database at *path* with *total* tickets; returns the first and last day."""
    if path.exists():
        raise SystemExit(f"{path} exists; remove it first")
    rng = random.Random(seed)
    end = end or (date.today() - timedelta(days=1))
    storage = open_storage(path)
    load_catalogue(storage, catalogue_document(), time.time())
    items = [(i["code"], i["category"]) for i in catalogue_document()["items"]]
    letters = {c["code"]: c["letter"] for c in catalogue_document()["categories"]}
    bundles = [(b["code"], b["items"]) for b in catalogue_document()["bundles"]]
    category_of = dict(items)
    conn = storage.conn
    conn.execute("PRAGMA synchronous = OFF")
    days = _plan(total, end)
    tickets, events, ticket_items, ratings = [], [], [], []
    ticket_id = event_id = 0
    started = time.monotonic()

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO tickets (id, token, number, service_day, category, item, bundle, priority, state,"
                         " issued_at, queue_at, counter, staff, first_called_at, called_at, started_at, finished_at)"
                         " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", tickets)
        conn.executemany("INSERT INTO ticket_items (ticket, item) VALUES (?,?)", ticket_items)
        conn.executemany("INSERT INTO events (id, at, type, ticket, counter, staff, data) VALUES (?,?,?,?,?,?,?)",
                         events)
        conn.executemany("INSERT INTO ratings (ticket, score, counter, staff, at, unrated) VALUES (?,?,?,?,?,?)",
                         ratings)
        conn.execute("COMMIT")
        for rows in (tickets, events, ticket_items, ratings):
            rows.clear()

    def event(at: float, kind: str, tid: int, counter: int | None, staff: str | None, data: dict) -> None:
        nonlocal event_id
        event_id += 1
        events.append((event_id, at, kind, tid, counter, staff, json.dumps(data)))

    step = max(1, total // 20)
    for day in days:
        opening = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ).timestamp()
        sequence: dict[str, int] = {}
        for _ in range(min(PER_DAY, total - ticket_id)):
            ticket_id += 1
            if rng.random() < 0.1:
                bundle, members = rng.choice(bundles)
                item, category = None, category_of[members[0]]
            else:
                bundle, members = None, None
                item, category = rng.choice(items)
            letter = letters[category]
            sequence[letter] = sequence.get(letter, 0) + 1
            number = f"{letter}{sequence[letter]:03d}"
            issued = opening + rng.uniform(0, 8.5 * 3600)
            counter = rng.randint(1, 5)
            staff = f"clerk{counter}"
            event(issued, "issued", ticket_id, None, None, {"number": number})
            fate = rng.random()
            called = started_at = finished = None
            if fate < 0.02:
                state, counter, staff = "cancelled", None, None
                event(issued + rng.uniform(60, 1800), "cancelled", ticket_id, None, "manager",
                      {"number": number, "from": "waiting", "to": "cancelled"})
            else:
                called = issued + rng.expovariate(1 / 600)
                event(called, "called", ticket_id, counter, staff,
                      {"number": number, "from": "waiting", "to": "called"})
                if fate < 0.07:
                    state = "no_show"
                    event(called + 120, "no_show", ticket_id, counter, staff,
                          {"number": number, "from": "called", "to": "no_show"})
                else:
                    state = "finished"
                    started_at = called + rng.uniform(20, 120)
                    finished = started_at + rng.lognormvariate(6.1, 0.5)
                    event(started_at, "serving_started", ticket_id, counter, staff,
                          {"number": number, "from": "called", "to": "serving"})
                    event(finished, "finished", ticket_id, counter, staff,
                          {"number": number, "from": "serving", "to": "finished"})
                    if rng.random() < 0.85:
                        score = rng.choices((5, 4, 3, 2, 1), (70, 20, 6, 3, 1))[0]
                        ratings.append((ticket_id, score, counter, staff, finished + 20, 0))
                        event(finished + 20, "rated", ticket_id, counter, staff, {"score": score})
                    else:
                        ratings.append((ticket_id, None, counter, staff, finished + 60, 1))
                        event(finished + 60, "rating_expired", ticket_id, counter, staff, {})
            tickets.append((ticket_id, f"bench-{ticket_id}", number, day.isoformat(), category, item, bundle, 0, state,
                            issued, issued, counter, staff, called, called, started_at, finished))
            ticket_items.extend((ticket_id, code) for code in (members or [item]))
            if len(tickets) >= BATCH:
                flush()
            if ticket_id % step == 0:
                rate = ticket_id / (time.monotonic() - started)
                print(f"  {ticket_id:>9,} / {total:,} tickets ({ticket_id * 100 // total}%), {rate:,.0f}/s",
                      file=progress, flush=True)
    flush()
    conn.execute("ANALYZE")
    storage.close()
    return {"first_day": days[0].isoformat(), "last_day": days[-1].isoformat(), "tickets": ticket_id,
            "events": event_id, "seconds": round(time.monotonic() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/onewindow-bench.db")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"generating {args.tickets:,} tickets into {args.db}", flush=True)
    result = generate(Path(args.db), args.tickets, seed=args.seed)
    print(f"done: {result['tickets']:,} tickets, {result['events']:,} events, days {result['first_day']} to "
          f"{result['last_day']}, {result['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
