"""Call next is atomic: many counters calling at once, in threads and in separate processes, never share a citizen."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from hall.config import HallSettings
from hall.demo import catalogue_document, load_catalogue
from hall.domain.clock import SystemClock
from hall.domain.errors import IllegalTransition
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.service import HallService
from hall.storage import open_storage
from tests.conftest import sign_in_demo_clerks

TICKETS = 120


def make_service(path: Path) -> HallService:
    return HallService(open_storage(path), HallSettings(), make_policy("one-window", 1800), SystemClock(), EventBus())


def drain(path: str, counter: int, start: multiprocessing.Event, together: multiprocessing.Barrier,
          out: multiprocessing.Queue) -> None:
    """Worker process: call, start and finish until the queue is empty; report the ids called."""
    service = make_service(Path(path))
    start.wait(30)
    called = []
    first = service.call_next(counter, None)
    if first is not None:
        called.append(first.id)
        service.start(counter, None)
        service.finish(counter, None)
    together.wait(60)  # every counter holds a ticket before any drains the rest: the work is really shared
    while True:
        ticket = service.call_next(counter, None)
        if ticket is None:
            break
        called.append(ticket.id)
        service.start(counter, None)
        service.finish(counter, None)
    service.storage.close()
    out.put(called)


def seed(path: Path) -> set[int]:
    service = make_service(path)
    load_catalogue(service.storage, catalogue_document(), 0)
    sign_in_demo_clerks(service.storage, 0)
    ids = {service.issue_ticket(service="A01").id for _ in range(TICKETS)}
    service.storage.close()
    return ids


def test_counters_in_separate_processes_never_get_the_same_ticket(tmp_path):
    path = tmp_path / "shared.db"
    issued = seed(path)
    context = multiprocessing.get_context("spawn")
    start, together, out = context.Event(), context.Barrier(5), context.Queue()
    workers = [context.Process(target=drain, args=(str(path), n, start, together, out)) for n in range(1, 6)]
    for w in workers:
        w.start()
    start.set()
    results = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    called = [t for r in results for t in r]
    assert len(called) == len(set(called)) == TICKETS
    assert set(called) == issued
    assert all(results)  # every counter served someone


def test_counters_in_threads_never_get_the_same_ticket(tmp_path):
    path = tmp_path / "threads.db"
    issued = seed(path)
    service = make_service(path)
    barrier = threading.Barrier(5)
    called: list[int] = []
    lock = threading.Lock()

    def counter_loop(number: int) -> None:
        barrier.wait(10)
        while True:
            ticket = service.call_next(number, None)
            if ticket is None:
                return
            with lock:
                called.append(ticket.id)
            try:
                service.start(number, None)
                service.finish(number, None)
            except IllegalTransition as err:
                raise AssertionError(f"counter {number} lost its ticket {ticket.id}") from err

    threads = [threading.Thread(target=counter_loop, args=(n,)) for n in range(1, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(called) == sorted(issued)
    service.storage.close()
