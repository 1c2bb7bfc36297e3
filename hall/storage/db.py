"""The SQLite connection: WAL, foreign keys, durable commits, immediate write transactions."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from ..files import private_file
from .migrations import migrations

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


class Storage:
    """One SQLite database shared by the threads of a process.

    A single connection guarded by a re-entrant lock: SQLite serialises writers
    anyway, and one connection keeps reads consistent with our own writes.
    Other processes on the same file are kept out by BEGIN IMMEDIATE and the
    busy timeout.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        private_file(self.path)  # 0600, and the -wal and -shm files SQLite makes with the same mode
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        # FULL: an acknowledged ticket survives power loss, not only a crash.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction that takes SQLite's write lock at its start (BEGIN IMMEDIATE)."""
        with self.lock:
            if self.conn.in_transaction:
                with self.db.atomic():
                    yield self.db
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        """A consistent read (one snapshot across several queries)."""
        with self.lock:
            if self.conn.in_transaction:
                yield self.db
                return
            self.conn.execute("BEGIN")
            try:
                yield self.db
            finally:
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def upgrade(self) -> list[str]:
        """Apply pending migrations; returns the names applied."""
        with self.lock:
            pending = [m.name for m in migrations.pending(self.db)]
            migrations.apply(self.db)
            return pending

    def pending_migrations(self) -> list[str]:
        with self.lock:
            return [m.name for m in migrations.pending(self.db)]

    def backup(self, target: Path | str) -> None:
        """An online copy of the database through SQLite's backup API."""
        with self.lock:
            private_file(target)
            dest = sqlite3.connect(str(target))
            try:
                self.conn.backup(dest)
            finally:
                dest.close()

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def open_storage(path: Path | str, *, upgrade: bool = True) -> Storage:
    """Open the database at *path* and bring its schema up to date."""
    storage = Storage(path)
    if upgrade:
        applied = storage.upgrade()
        if applied:
            logger.info("applied migrations: %s", ", ".join(applied))
    return storage
