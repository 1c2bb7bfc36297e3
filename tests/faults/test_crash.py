"""kill -9 under load, and many counters calling at once on one real server process."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from pathlib import Path

import requests

from tests.faults.realserver import staff_session
from tests.live import LiveServer, free_port

ISSUERS = 8
COUNTERS = 5


def hall_rows(db: Path) -> tuple[dict[int, str], list[tuple[int, int]], list[int]]:
    """(ticket id → number, (ticket, counter) of every call event, current ticket of every counter)."""
    conn = sqlite3.connect(db)
    try:
        tickets = dict(conn.execute("SELECT id, number FROM tickets"))
        calls = list(conn.execute("SELECT ticket, counter FROM events WHERE type = 'called'"))
        hands = [row[0] for row in conn.execute("SELECT current_ticket FROM counters WHERE current_ticket IS NOT NULL")]
    finally:
        conn.close()
    return tickets, calls, hands


def test_kill_9_while_issuing_and_calling_loses_no_acknowledged_ticket(tmp_path: Path) -> None:
    server = LiveServer(tmp_path, free_port()).start()
    clerks = [staff_session(server.url, f"clerk{n}") for n in range(1, COUNTERS + 1)]
    issued: dict[int, str] = {}
    called: list[tuple[int, int]] = []
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()

    def issuer() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                response = session.post(f"{server.url}/api/v1/tickets", json={"service": "A01", "print": False},
                                        timeout=10)
            except requests.RequestException:
                return  # the server is gone: what was acknowledged before counts
            assert response.status_code == 201, response.text
            with lock:
                issued[response.json()["id"]] = response.json()["number"]
                if len(issued) >= 60 and len(called) >= 10:
                    enough.set()

    def counter(number: int) -> None:
        session = clerks[number - 1]
        while not stop.is_set():
            try:
                response = session.post(f"{server.url}/api/v1/counters/{number}/call-next", json={}, timeout=10)
                if response.status_code == 200 and response.json()["ticket"]:
                    with lock:
                        called.append((response.json()["ticket"]["id"], number))
                    for step in ("start", "finish"):
                        session.post(f"{server.url}/api/v1/counters/{number}/{step}", json={}, timeout=10)
            except requests.RequestException:
                return

    threads = [threading.Thread(target=issuer) for _ in range(ISSUERS)]
    threads += [threading.Thread(target=counter, args=(n,)) for n in range(1, COUNTERS + 1)]
    for t in threads:
        t.start()
    try:
        assert enough.wait(120), f"only {len(issued)} tickets and {len(called)} calls"
        server.kill()  # kill -9 in the middle of the traffic
    finally:
        stop.set()
        for t in threads:
            t.join(30)

    tickets, calls, hands = hall_rows(server.db)
    for ticket_id, number in issued.items():
        assert tickets.get(ticket_id) == number, f"acknowledged ticket {number} lost"
    assert len(set(tickets.values())) == len(tickets), "a number was given twice"
    per_ticket = Counter(ticket for ticket, _ in calls)
    assert all(n == 1 for n in per_ticket.values()), "a ticket was called twice"
    assert set(called) <= set(calls), "an acknowledged call is missing from the log"
    assert len(hands) == len(set(hands)), "one ticket is in two counters' hands"

    server.start()
    try:
        response = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=30)
        assert response.status_code == 201
        last = max(int(n[1:]) for n in tickets.values() if n.startswith("A"))
        assert response.json()["number"] == f"A{last + 1:03d}", "the day's numbering continues"
    finally:
        server.stop()


def test_counters_calling_at_the_same_moment_each_get_a_different_ticket(live_server) -> None:
    url = live_server.url
    waiting = 60
    for _ in range(waiting):
        assert requests.post(f"{url}/api/v1/tickets", json={"service": "A01", "print": False},
                             timeout=30).status_code == 201
    clerks = [staff_session(url, f"clerk{n}") for n in range(1, COUNTERS + 1)]
    barrier = threading.Barrier(COUNTERS)
    results: dict[int, list[int]] = {n: [] for n in range(1, COUNTERS + 1)}
    errors: list[str] = []

    def counter(number: int) -> None:
        session = clerks[number - 1]
        while True:
            barrier.wait(60)  # every round, all counters press "call next" together
            response = session.post(f"{url}/api/v1/counters/{number}/call-next", json={}, timeout=30)
            if response.status_code != 200:
                errors.append(response.text)
                return
            ticket = response.json()["ticket"]
            if ticket is None:
                return
            results[number].append(ticket["id"])
            finish = session.post(f"{url}/api/v1/counters/{number}/no-show", json={}, timeout=30)
            if finish.status_code != 200:
                errors.append(finish.text)

    threads = [threading.Thread(target=counter, args=(n,)) for n in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    everything = [t for ids in results.values() for t in ids]
    assert len(everything) == len(set(everything)) == waiting, "each ticket called exactly once"
    assert all(results.values()), "every counter got work"
