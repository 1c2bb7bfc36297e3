"""Faults with the real server process: kill -9 in the middle of a batch, several processes over one database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hall.outbox import Outbox
from region.reports import check_rollups
from region.web.context import RegionContext
from tests.live import wait_until

from .conftest import DemoHall, RegionServer


@pytest.fixture
def server(region_url: str, tmp_path: Path) -> Iterator[RegionServer]:
    process = RegionServer(region_url, tmp_path).start()
    yield process
    process.stop()


def _stored(ctx: RegionContext, code: str) -> tuple[int, int]:
    with ctx.db.transaction() as conn:
        row = conn.execute("SELECT count(e.id) AS n, count(DISTINCT e.id) AS d FROM events e JOIN halls h "
                           "ON h.id = e.hall WHERE h.code = %s", [code]).fetchone()
    return row["n"], row["d"]


def test_kill_9_in_the_middle_of_a_batch_loses_and_duplicates_nothing(server: RegionServer, region_url: str,
                                                                      region_ctx: RegionContext, register,
                                                                      tmp_path: Path) -> None:
    hall = DemoHall(tmp_path / "hall.db", "H001", register("H001"), transport=None, url=server.url,
                    batch_size=500)
    hall.serve_citizens(10)
    hall.ship_all()
    shipped = hall.event_count()
    hall.serve_citizens(60)

    # Hold the hall's day rollup: the server copies the batch's events, then waits on this lock, uncommitted.
    with psycopg.connect(region_url) as blocker, psycopg.connect(region_url, autocommit=True) as watcher:
        blocker.execute("SELECT * FROM figures_hall_day FOR UPDATE")
        sending = threading.Thread(target=hall.outbox.run_once)
        sending.start()
        wait_until(lambda: watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%figures%'"
        ).fetchone()[0] == 1)
        with psycopg.connect(region_url) as peek:  # the batch's events are in, not committed: invisible
            assert peek.execute("SELECT count(*) FROM events").fetchone()[0] == shipped
        server.kill()
        sending.join(timeout=30)
        blocker.rollback()
    assert hall.outbox.status()["acknowledged"] == shipped and hall.outbox.status()["last_error"]

    server.start()
    hall.ship_all()
    total = hall.event_count()
    assert _stored(region_ctx, "H001") == (total, total)
    assert check_rollups(region_ctx.db, 1) == []
    hall.close()


def test_several_server_processes_over_one_database_store_every_hall_once(region_url: str, tmp_path: Path,
                                                                          region_ctx: RegionContext,
                                                                          register) -> None:
    servers = [RegionServer(region_url, tmp_path, workers=2).start() for _ in range(2)]
    try:
        halls = [DemoHall(tmp_path / f"h{n}.db", f"H00{n}", register(f"H00{n}"), transport=None,
                          url=servers[0].url, batch_size=50) for n in range(3)]
        for hall in halls:
            hall.serve_citizens(15)
            # A second sender on the other process: both take this hall's batches, in any order.
            hall.other = Outbox(hall.storage, hall.settings.__class__(**{**hall.settings.__dict__,
                                                                         "url": servers[1].url}),
                                hall.service.hall, hall.clock)

        def ship(hall: DemoHall) -> None:
            for _ in range(100):
                results = [hall.outbox.run_once(), hall.other.run_once()]
                if all(r.backlog == 0 for r in results):
                    return

        threads = [threading.Thread(target=ship, args=(h,)) for h in halls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        for n, hall in enumerate(halls):
            total = hall.event_count()
            assert _stored(region_ctx, hall.code) == (total, total)
            assert check_rollups(region_ctx.db, n + 1) == []
            hall.close()
    finally:
        for s in servers:
            s.stop()
