"""The print jobs this agent printed, kept on disk: a job delivered again is acknowledged, never printed twice.

A job id is written (and synced to disk) as soon as the printer has taken the job's bytes and before
the server is told; after a crash, a restart or a lost answer the server delivers the job again and
the journal answers for it. Entries older than ``KEEP_DAYS`` are dropped at start.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

KEEP_DAYS = 7
FILE = "agent-journal.db"


class PrintJournal:
    """``printed(job)`` and ``record(job)`` over a small SQLite file in the agent's state folder."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / FILE
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")  # a recorded job survives a power cut
        self._conn.execute("CREATE TABLE IF NOT EXISTS printed (job INTEGER PRIMARY KEY, printer TEXT NOT NULL, "
                           "at REAL NOT NULL)")
        self._conn.execute("DELETE FROM printed WHERE at < ?", [time.time() - KEEP_DAYS * 86400])
        self._lock = threading.Lock()

    def printed(self, job: int) -> bool:
        """Whether this agent printed *job* already."""
        with self._lock:
            return self._conn.execute("SELECT 1 FROM printed WHERE job = ?", [job]).fetchone() is not None

    def record(self, job: int, printer: str) -> None:
        """The printer took *job*'s bytes: remember it before anyone is told."""
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO printed (job, printer, at) VALUES (?, ?, ?)",
                               [job, printer, time.time()])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
