"""Writers of one database: the lock between processes, and the day's figures kept per version of the day."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hall.domain.errors import InvalidInput
from hall.storage import open_storage
from hall.storage.db import ProcessWriterLock
from tests.conftest import demo_service


def test_a_write_transaction_holds_the_lock_between_processes_and_wakes_the_next_writer(tmp_path: Path) -> None:
    """Another Storage on the file (another open file description: as another process would be) cannot take
    the write lock while a transaction is open; its writer waits in flock and goes on once the first commits."""
    first, second = open_storage(tmp_path / "hall.db"), open_storage(tmp_path / "hall.db")
    probe = ProcessWriterLock(str(tmp_path / "hall.db"))
    seen: list[int] = []
    try:
        assert probe.try_enter()
        probe.__exit__()
        with first.write() as db:
            db.execute("INSERT INTO settings (key, value) VALUES ('lock_test', '1')")
            assert not probe.try_enter()

            def write_after() -> None:
                with second.write() as other:
                    seen.append(other.execute("SELECT count(*) FROM settings WHERE key = 'lock_test'")
                                .fetchone()[0])

            waiting = threading.Thread(target=write_after)
            waiting.start()
            waiting.join(0.3)
            assert waiting.is_alive() and seen == []  # it waits for the first transaction
        waiting.join(10)
        assert seen == [1]  # and then sees what the first committed
        assert probe.try_enter()
        probe.__exit__()
    finally:
        probe.close()
        first.close()
        second.close()
    assert oct((tmp_path / "hall.db-writer").stat().st_mode & 0o777) == "0o600"


def count_day_reads(service) -> list[str]:
    """Trace the writer connection; returns the list the day-history query lands in each time it runs."""
    seen: list[str] = []
    service.storage.conn.set_trace_callback(lambda sql: seen.append(sql) if "GROUP BY item" in sql else None)
    return seen


def test_a_burst_of_tickets_reads_the_days_figures_once(storage, clock) -> None:
    service = demo_service(storage, clock)
    for _ in range(2):  # the day's first ticket: the rows read before it are read again after it
        service.issue_ticket(service="A01")
    reads = count_day_reads(service)
    for _ in range(50):
        service.issue_ticket(service="A01")
    assert len(reads) == 0
    called = service.call_next(1, None)  # a call changes the day: the next ticket reads it again, once
    assert called is not None
    for _ in range(5):
        service.issue_ticket(service="B01")
    assert len(reads) == 1


def test_the_estimate_follows_the_day_at_once(storage, clock) -> None:
    """A finished case changes the figures the next ticket's estimate is made from, in the same second."""
    service = demo_service(storage, clock)
    for _ in range(30):
        service.issue_ticket(service="A01")
    before = service.issue_ticket(service="A01").estimated_wait_minutes
    for counter in range(1, 4):  # every case takes an hour: the hall is slower than the catalogue says
        service.call_next(counter, None)
        service.start(counter, None)
    clock.advance(3600)
    for counter in range(1, 4):
        service.finish(counter, None)
    after = service.issue_ticket(service="A01").estimated_wait_minutes
    assert after > before


def test_figures_read_inside_a_write_that_rolled_back_are_not_reused(storage, clock) -> None:
    service = demo_service(storage, clock)
    for _ in range(3):
        service.issue_ticket(service="A01")
    rollbacks = storage.rollbacks
    with pytest.raises(InvalidInput):
        with storage.write() as db:
            # A change of the day and a ticket estimated from it, then the transaction fails.
            db.execute("UPDATE counters SET state = 'closed' WHERE number = 1")
            service.issue_ticket(service="A01")
            raise InvalidInput("refused")
    assert storage.rollbacks == rollbacks + 1
    with storage.write() as db:  # another change brings the day to the version the rolled-back one had
        db.execute("UPDATE counters SET state = 'paused' WHERE number = 2")
    reads = count_day_reads(service)
    service.issue_ticket(service="A01")  # the same version number, other figures: read again, not reused
    assert len(reads) == 1
