"""Shared pieces of the prefecture benchmarks: a private PostgreSQL cluster and `onewindow region serve`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import free_port
from region import db as region_db
from region.cluster import LocalCluster
from region.config import RegionConfig
from region.web.context import RegionContext
from tests.live import wait_for_port


class Prefecture:
    """A cluster, a migrated database, and (after serve()) prefecture server processes; a context manager."""

    def __init__(self, durable: bool = True) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="onewindow-region-bench-"))
        self.dir.chmod(0o755)
        self.cluster = LocalCluster(self.dir / "pg", durable=durable)
        self.processes: list[subprocess.Popen] = []
        self.url = ""
        #: The base URL of the server process started last.
        self.last_url = ""

    def __enter__(self) -> "Prefecture":
        self.cluster.start()
        self.url = self.cluster.create_database("prefecture")
        region_db.upgrade(self.url)
        self.ctx = RegionContext.open(RegionConfig(db_url=self.url, pool_size=2))
        return self

    def serve(self, workers: int = 2, threads: int = 4) -> str:
        """Start one `onewindow region serve`; returns its base URL."""
        port = free_port()
        with open(self.dir / f"server-{port}.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "hall.cli", "region", "serve", "--db", self.url, "--port", str(port),
                 "--workers", str(workers), "--threads", str(threads)], stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        wait_for_port(port, process)
        self.processes.append(process)
        self.last_url = f"http://127.0.0.1:{port}"
        return self.last_url

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Stop every server process (kill -9 by default)."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, sig)
                process.wait(timeout=30)
        self.processes.clear()

    def __exit__(self, *exc: object) -> None:
        self.kill(signal.SIGTERM)
        self.ctx.close()
        self.cluster.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
