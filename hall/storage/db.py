"""The SQLite database: one writer connection, a pool of reader connections, WAL, durable commits.

Writes go through the one writer connection inside ``BEGIN IMMEDIATE`` (SQLite serialises writers anyway,
across threads and across processes); the process-wide write lock is held only for the transaction itself.
Reads borrow a connection from a small pool and run in their own snapshot (WAL), so they never wait for the
writer or for each other. A read inside a write transaction on the same thread sees that transaction's
uncommitted rows: it is served by the writer connection.
"""

from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from ..concurrency import gevent_active
from ..files import private_file
from .migrations import migrations

try:
    import fcntl
except ImportError:  # Windows runs the device agent, never the hall's database
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
#: Reader connections kept per process; more concurrent readers wait for one to come back.
READERS = 8


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class ProcessWriterLock:
    """The database's write lock between processes, taken before ``BEGIN IMMEDIATE``.

    SQLite makes a writer that finds the database locked poll (busy_timeout: sleeps of 1 ms growing to
    100 ms), so two server processes sharing one database hand the write lock over late and slowly. With
    this lock (flock on ``<db>-writer``) a waiting process sleeps in the kernel and is woken the moment the
    other's transaction ends. Within a process the storage's own lock serialises writers first.
    """

    def __init__(self, path: str) -> None:
        self._fd: int | None = None
        if fcntl is not None:
            self._fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def try_enter(self) -> bool:
        """Take the lock if no other process holds it, without waiting."""
        if self._fd is None:
            return True
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Storage:
    """The hall's SQLite database as used by one process: one writer, pooled readers."""

    def __init__(self, path: Path | str, *, readers: int = READERS) -> None:
        self.path = str(path)
        self.memory = self.path == ":memory:"
        if not self.memory:
            private_file(self.path)  # 0600; SQLite makes the -wal and -shm files with the same mode
        writer = _connect(self.path)
        if not self.memory:
            writer.execute("PRAGMA journal_mode = WAL")
        # FULL: an acknowledged ticket survives power loss, not only a crash.
        writer.execute("PRAGMA synchronous = FULL")
        self.conn = writer
        self.db = sqlite_utils.Database(writer)
        self.lock = threading.RLock()
        self._between_processes = None if self.memory else ProcessWriterLock(self.path)
        self._owner: int | None = None  # ident of the thread inside a write transaction
        self._after_commit: list[Callable[[], object]] | None = None
        self._readers: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._reader_slots = threading.BoundedSemaphore(readers)
        self._all_readers: list[sqlite3.Connection] = []
        self._wrappers: dict[int, sqlite_utils.Database] = {}
        self._group: Any = None
        self._closed = False
        #: Bumped whenever a transaction or savepoint of this process rolls back: caches keyed by a version
        #: that triggers bump include it, so figures read inside a rolled-back write are never reused.
        self.rollbacks = 0

    # ---- writing ---------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction that takes SQLite's write lock at its start (BEGIN IMMEDIATE).

        Nested calls on the same thread join the outer transaction (as a savepoint).
        """
        with self.lock:
            if self.conn.in_transaction:
                try:
                    with self.db.atomic():
                        yield self.db
                except BaseException:
                    self.rollbacks += 1
                    raise
                return
            with self._other_processes():
                self.conn.execute("BEGIN IMMEDIATE")
                self._owner = threading.get_ident()
                callbacks = self._after_commit = []
                try:
                    yield self.db
                except BaseException:
                    self.rollbacks += 1
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
                else:
                    self.conn.execute("COMMIT")
                finally:
                    self._owner = None
                    self._after_commit = None
        for callback in callbacks:  # outside the lock: committed work is told after the commit, once
            callback()

    def transact(self, operation: Callable[[], T]) -> T:
        """Run *operation* (which opens its own ``write()``) in a group commit under gevent, else directly."""
        if self._group is None:
            if not gevent_active():
                with self.write():
                    return operation()
            from .group_commit import GroupWriter

            self._group = GroupWriter(self)
        result: T = self._group.submit(operation)
        return result

    def run_batch(self, operations: list[Callable[[], Any]], *,
                  blocking: Callable[[Callable[[], None]], None] | None = None,
                  ) -> tuple[list[tuple[bool, Any]], list[Callable[[], object]]]:
        """Every operation in a savepoint of one transaction, then one commit.

        *blocking* runs the two steps that wait — for the write lock while another process holds it, and
        for the disk (the commit) — somewhere else: a native thread under gevent, so that the event loop
        goes on meanwhile. The operations themselves run here, on the caller's thread: Python work is no
        faster on a second thread (one GIL) and handing the GIL back and forth between two busy threads
        made both wait. Returns each operation's (ok, result or exception) and the after-commit callbacks.
        """
        wait = blocking or (lambda step: step())
        outcomes: list[tuple[bool, Any]] = []
        with self.lock:
            self._begin_batch(wait)
            self._owner = threading.get_ident()
            callbacks = self._after_commit = []
            try:
                for operation in operations:
                    try:
                        with self.db.atomic():  # a savepoint: a refused operation rolls back alone
                            outcomes.append((True, operation()))
                    except Exception as exc:  # the operation's own error, for its caller
                        self.rollbacks += 1
                        outcomes.append((False, exc))
                wait(self._commit_batch)
            except BaseException:
                self.rollbacks += 1
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            finally:
                self._owner = None
                self._after_commit = None
                if self._between_processes is not None:
                    self._between_processes.__exit__()
        return outcomes, callbacks

    def _begin_batch(self, wait: Callable[[Callable[[], None]], None]) -> None:
        lock = self._between_processes
        if lock is not None and not lock.try_enter():
            wait(lock.__enter__)  # another process is writing: wait for it off the event loop
        try:
            self.conn.execute("BEGIN IMMEDIATE")  # nobody else holds the lock now: this does not wait
        except BaseException:
            if lock is not None:
                lock.__exit__()
            raise

    def _commit_batch(self) -> None:
        self.conn.execute("COMMIT")

    @contextmanager
    def _other_processes(self) -> Iterator[None]:
        if self._between_processes is None:
            yield
        else:
            with self._between_processes:
                yield

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run *callback* once the current write transaction has committed (at once outside one)."""
        if self.in_write() and self._after_commit is not None:
            if callback not in self._after_commit:
                self._after_commit.append(callback)
        else:
            callback()

    def in_write(self) -> bool:
        """True on the thread that is inside a write transaction."""
        return self._owner is not None and self._owner == threading.get_ident()

    # ---- reading ---------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        """A consistent read: one snapshot across several queries, on a pooled reader connection."""
        if self.in_write() or self.memory:
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
            return
        conn = self._borrow()
        try:
            conn.execute("BEGIN")
            try:
                yield self._wrappers[id(conn)]
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        finally:
            self._give_back(conn)

    def _borrow(self) -> sqlite3.Connection:
        self._reader_slots.acquire()
        try:
            return self._readers.get_nowait()
        except queue.Empty:
            conn = _connect(self.path)
            conn.execute("PRAGMA query_only = ON")
            with self.lock:
                self._all_readers.append(conn)
                self._wrappers[id(conn)] = sqlite_utils.Database(conn)
            return conn

    def _give_back(self, conn: sqlite3.Connection) -> None:
        self._readers.put(conn)
        self._reader_slots.release()

    @contextmanager
    def read_isolated(self) -> Iterator[sqlite_utils.Database]:
        """A read on a connection of its own, for long work on another OS thread (reports, exports)."""
        if self.memory:
            with self.read() as db:
                yield db
            return
        conn = _connect(self.path)
        conn.execute("PRAGMA query_only = ON")
        try:
            conn.execute("BEGIN")
            yield sqlite_utils.Database(conn)
        finally:
            conn.close()

    @contextmanager
    def isolated(self) -> Iterator["IsolatedReader"]:
        """A read-only view of this database on a connection of its own, for long reads on another OS thread."""
        if self.memory:
            yield IsolatedReader(None, self)
            return
        conn = _connect(self.path)
        conn.execute("PRAGMA query_only = ON")
        try:
            yield IsolatedReader(conn, self)
        finally:
            conn.close()

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Rows of one read query."""
        with self.read() as db:
            return db.execute(sql, params).fetchall()

    # ---- maintenance -----------------------------------------------------------------

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
        """An online copy of the database through SQLite's backup API (from a reader: writers keep going)."""
        source = _connect(self.path) if not self.memory else self.conn
        private_file(target)
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest, pages=1024)
        finally:
            dest.close()
            if source is not self.conn:
                source.close()

    def close(self) -> None:
        """Close every connection; safe to call twice."""
        with self.lock:
            if self._closed:
                return
            self._closed = True
            if self._group is not None:
                self._group.close()
            for conn in self._all_readers:
                conn.close()
            self._all_readers.clear()
            self.conn.close()
            if self._between_processes is not None:
                self._between_processes.close()


class IsolatedReader:
    """What reports need of a Storage (``read``, ``query``) on one dedicated connection (see Storage.isolated)."""

    def __init__(self, conn: sqlite3.Connection | None, storage: Storage) -> None:
        self._conn = conn
        self._db = sqlite_utils.Database(conn) if conn is not None else None
        self._storage = storage
        self.path = storage.path

    @contextmanager
    def read(self) -> Iterator[sqlite_utils.Database]:
        if self._conn is None or self._db is None:  # an in-memory database has only its one connection
            with self._storage.read() as db:
                yield db
            return
        self._conn.execute("BEGIN")
        try:
            yield self._db
        finally:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self.read() as db:
            return db.execute(sql, params).fetchall()


def open_storage(path: Path | str, *, upgrade: bool = True) -> Storage:
    """Open the database at *path* and bring its schema up to date."""
    storage = Storage(path)
    if upgrade:
        applied = storage.upgrade()
        if applied:
            logger.info("applied migrations: %s", ", ".join(applied))
    return storage
