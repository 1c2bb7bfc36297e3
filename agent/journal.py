"""The print jobs this agent sent to its printers, kept on disk: no job is ever printed twice.

A job is marked ``sending`` (and synced to disk) once the printer has passed its status check and
just before the ticket's bytes go out, and ``printed`` once the printer has taken them, before the
server is told. A job delivered again — after a crash, a restart, a lost answer — is answered from
here: ``printed`` is acknowledged without paper; ``sending`` means the agent stopped while the bytes
were going out, so a ticket may or may not have come out: it is reported failed (the kiosk and the
console offer the reprint) rather than risk a second paper. A job that failed on the printer is
forgotten, so it may be tried again. Entries older than ``KEEP_DAYS`` are dropped at start.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

KEEP_DAYS = 7
FILE = "agent-journal.db"
SENDING = "sending"
PRINTED = "printed"


class PrintJournal:
    """``state(job)``, ``begin(job)``, ``printed(job)`` and ``forget(job)`` over a SQLite file in the state folder."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / FILE
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")  # a mark survives a power cut
        self._conn.execute("CREATE TABLE IF NOT EXISTS jobs (job INTEGER PRIMARY KEY, printer TEXT NOT NULL, "
                           "state TEXT NOT NULL, at REAL NOT NULL)")
        self._conn.execute("DELETE FROM jobs WHERE at < ?", [time.time() - KEEP_DAYS * 86400])
        self._lock = threading.Lock()

    def state(self, job: int) -> str | None:
        """``sending``, ``printed``, or None for a job this agent never sent to a printer."""
        with self._lock:
            row = self._conn.execute("SELECT state FROM jobs WHERE job = ?", [job]).fetchone()
        return row[0] if row else None

    def begin(self, job: int, printer: str) -> None:
        """The ticket's bytes are about to go to the printer."""
        self._set(job, printer, SENDING)

    def printed(self, job: int, printer: str) -> None:
        """The printer took the job's bytes: remember it before anyone is told."""
        self._set(job, printer, PRINTED)

    def forget(self, job: int) -> None:
        """The printer refused the job: it may be tried again."""
        with self._lock:
            self._conn.execute("DELETE FROM jobs WHERE job = ? AND state = ?", [job, SENDING])

    def _set(self, job: int, printer: str, state: str) -> None:
        with self._lock:
            self._conn.execute("INSERT INTO jobs (job, printer, state, at) VALUES (?, ?, ?, ?) ON CONFLICT (job) "
                               "DO UPDATE SET state = excluded.state, at = excluded.at", [job, printer, state,
                                                                                          time.time()])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
