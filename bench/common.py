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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


class Server:
    """`onewindow serve --demo` on a temporary database; a context manager."""

    def __init__(self, *extra: str) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="onewindow-bench-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra = list(extra)
        self.process: subprocess.Popen | None = None

    @property
    def db(self) -> Path:
        return Path(self.dir.name) / "hall.db"

    def __enter__(self) -> "Server":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hall.cli", "serve", "--demo", "--db", str(self.db), "--port", str(self.port),
             *self.extra], cwd=self.dir.name, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.dir.cleanup()
