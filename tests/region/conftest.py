"""A throwaway PostgreSQL cluster for the prefecture tests, a fresh database per test, halls that ship to it."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from hall.config import PrefectureSettings
from hall.domain.clock import FixedClock
from hall.outbox import Outbox
from hall.service import HallService
from hall.storage import Storage, open_storage, repo
from region import db as region_db
from region.cluster import ClusterError, LocalCluster
from region.config import RegionConfig
from region.web import create_app
from region.web.context import RegionContext
from tests.conftest import MORNING, demo_service
from tests.live import free_port, wait_for_port

TEMPLATE = "region_template"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[LocalCluster]:
    """One private PostgreSQL server for the session, in /tmp (the postgres user must reach it)."""
    directory = Path(tempfile.mkdtemp(prefix="onewindow-pg-"))
    directory.chmod(0o755)
    try:
        cluster = LocalCluster(directory / "cluster", durable=True).start()
    except ClusterError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    url = cluster.create_database(TEMPLATE)
    region_db.upgrade(url)
    yield cluster
    cluster.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def region_url(pg_cluster: LocalCluster) -> str:
    """A fresh, migrated prefecture database (a copy of the migrated template)."""
    name = f"region_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(pg_cluster.url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
    yield pg_cluster.database_url(name)
    with psycopg.connect(pg_cluster.url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def region_ctx(region_url: str) -> Iterator[RegionContext]:
    ctx = RegionContext.open(RegionConfig(db_url=region_url, pool_size=4, testing=True))
    yield ctx
    ctx.close()


@pytest.fixture
def region_app(region_ctx: RegionContext) -> Flask:
    return create_app(region_ctx.config, region_ctx)


@pytest.fixture
def region_client(region_app: Flask) -> FlaskClient:
    return region_app.test_client()


class ClientTransport:
    """hall.outbox's transport over the prefecture app's WSGI test client (one process, real HTTP semantics)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.down = False
        self.requests: list[tuple[str, str]] = []

    def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                timeout: float) -> tuple[int, dict[str, Any]]:
        if self.down:
            raise ConnectionRefusedError("prefecture down")
        path = urllib.parse.urlsplit(url).path
        self.requests.append((method, path))
        response = self.client.open(path, method=method, data=body, headers=headers)
        return response.status_code, response.get_json(silent=True) or {}


def make_hall_service(storage: Storage, clock: FixedClock) -> HallService:
    """A hall with the demo catalogue and staff on *storage*, and an evaluator device per counter."""
    service = demo_service(storage, clock)
    with storage.write() as db:
        for number in range(1, 6):  # evaluator n is device n, at counter n
            repo.insert_device(db, {"kind": "evaluator", "counter": number, "name": f"evaluator-{number}",
                                    "token_hash": f"test-{number}", "created_at": clock.now(), "active": 1})
    return service


class DemoHall:
    """One hall (its own SQLite file and clock) registered at the prefecture, with its sender."""

    def __init__(self, path: Path, code: str, token: str, transport: Any, url: str = "http://127.0.0.1:1",
                 batch_size: int = 200) -> None:
        self.clock = FixedClock(MORNING)
        self.storage = open_storage(path)
        self.service = make_hall_service(self.storage, self.clock)
        self.code = code
        self.settings = PrefectureSettings(url=url, token=token, hall_code=code, region_code="522301",
                                           department_code="11522300", batch_size=batch_size)
        self.outbox = Outbox(self.storage, self.settings, self.service.hall, self.clock, transport=transport)

    def serve_citizens(self, count: int, *, rate: int | None = 5, counter: int = 1, minutes: float = 3) -> None:
        """Issue, call, start, finish (and rate) *count* tickets, one after another at *counter*."""
        for n in range(count):
            self.service.issue_ticket(service="A01")
            self.clock.advance(60 * minutes)
            called = self.service.call_next(counter, f"clerk{counter}")
            assert called is not None
            self.clock.advance(30)
            self.service.start(counter, f"clerk{counter}")
            self.clock.advance(60 * minutes)
            finished = self.service.finish(counter, f"clerk{counter}")
            if rate is not None:
                self.service.rate(finished.id, rate if n % 7 else max(1, rate - 3), device_id=1,
                                  device_counter=counter)

    def ship_all(self, limit: int = 1000) -> list[Any]:
        results = []
        for _ in range(limit):
            result = self.outbox.run_once()
            results.append(result)
            if result.status != "shipped" or result.backlog == 0:
                break
        return results

    def event_count(self) -> int:
        with self.storage.read() as db:
            return db.execute("SELECT count(*) FROM events").fetchone()[0]

    def close(self) -> None:
        self.storage.close()


@pytest.fixture
def register(region_ctx: RegionContext):
    """Register a hall at the prefecture; returns its token."""
    def make(code: str, agency: str = "A01", region: str = "522301", name: str | None = None) -> str:
        _, token = region_ctx.halls.register(code, name or f"{code} 社保大厅", agency_code=agency,
                                             agency_name=f"{agency} 经办机构", region_code=region,
                                             department_code="11522300")
        return token
    return make


@pytest.fixture
def demo_hall(tmp_path: Path, register, region_client: FlaskClient) -> Iterator[DemoHall]:
    hall = DemoHall(tmp_path / "hall.db", "H001", register("H001"), ClientTransport(region_client))
    yield hall
    hall.close()


class RegionServer:
    """`onewindow region serve` as a real process on 127.0.0.1."""

    def __init__(self, url: str, workdir: Path, workers: int = 1, extra: list[str] | None = None) -> None:
        self.db_url = url
        self.workdir = workdir
        self.port = free_port()
        self.workers = workers
        self.extra = list(extra or [])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RegionServer:
        with open(self.workdir / f"region-{self.port}.log", "ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hall.cli", "region", "serve", "--db", self.db_url, "--port", str(self.port),
                 "--workers", str(self.workers), *self.extra], stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            wait_for_port(self.port, self.process, http="--certfile" not in self.extra)  # TLS: no plain HTTP answer
        except BaseException:
            self.stop()  # a server that never listened must not outlive its test
            raise
        return self

    def kill(self) -> None:
        """kill -9 the whole process group (gunicorn's arbiter and its workers)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
