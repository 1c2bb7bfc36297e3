"""Online backups of the hall database (SQLite backup API), a backup schedule, and restore."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from .config import Config
from .domain.errors import N_, InvalidInput
from .periodic import PeriodicTask
from .storage.db import Storage

logger = logging.getLogger(__name__)

PREFIX = "onewindow-"
SUFFIX = ".db"
#: Pages copied per step: a writer slips in between steps instead of waiting for the whole copy.
PAGES_PER_STEP = 1024


def backup_directory(config: Config) -> Path:
    """Where backups go: [backup] directory, or <instance>/backups."""
    return config.resolve(config.backup.directory or "backups")


def check_database(path: Path) -> int:
    """Integrity-check a OneWindow database file; returns its ticket count, or InvalidInput."""
    if not path.is_file():
        raise InvalidInput(N_("{path} is not a file"), path=path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise InvalidInput(N_("{path} failed the integrity check: {result}"), path=path, result=result)
            return int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(N_("{path} is not a OneWindow database: {exc}"), path=path, exc=exc) from None


def backup_database(storage: Storage, directory: Path, *, keep: int | None = None, now: float | None = None) -> Path:
    """Copy the live database into *directory* while the hall keeps working; returns the new file.

    The copy is written under a temporary name, integrity-checked, then renamed, so a
    file named onewindow-*.db is always a complete backup.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromtimestamp(now if now is not None else time.time()).strftime("%Y%m%d-%H%M%S")
    target = directory / f"{PREFIX}{stamp}{SUFFIX}"
    n = 1
    while target.exists():
        n += 1
        target = directory / f"{PREFIX}{stamp}-{n}{SUFFIX}"
    partial = target.with_suffix(".partial")
    if storage.path == ":memory:":
        storage.backup(partial)
    else:
        # A connection of our own: in WAL mode a reader does not block the hall's writers.
        source = sqlite3.connect(storage.path, timeout=30)
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=PAGES_PER_STEP)
        finally:
            dest.close()
            source.close()
    check_database(partial)
    partial.replace(target)
    logger.info("database backed up to %s", target)
    if keep is not None:
        prune(directory, keep)
    return target


def backups(directory: Path) -> list[Path]:
    """The backups in *directory*, oldest first."""
    return sorted(directory.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: (p.stat().st_mtime, p.name))


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest *keep* backups; returns the deleted files."""
    old = backups(directory)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def restore_database(backup: Path, db_path: Path) -> Path | None:
    """Replace the database at *db_path* by *backup* (server stopped); returns where the old one was kept."""
    check_database(backup)
    kept = None
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.before-restore-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
        source = sqlite3.connect(db_path)
        dest = sqlite3.connect(kept)
        try:
            source.backup(dest)  # also folds in whatever is still in the old database's WAL
        finally:
            dest.close()
            source.close()
    for leftover in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        leftover.unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup, partial)
    partial.replace(db_path)
    logger.info("database %s restored from %s", db_path, backup)
    return kept


class BackupScheduler:
    """A thread that backs the database up every *interval* seconds and keeps the newest *keep* copies."""

    def __init__(self, storage: Storage, directory: Path, interval: float, keep: int) -> None:
        self.storage = storage
        self.directory = directory
        self.interval = interval
        self.keep = keep
        self.last: Path | None = None
        self.last_error: str | None = None
        self._task = PeriodicTask("backup-scheduler", interval, self._backup, join_timeout=30)

    def start(self) -> None:
        self._task.start()

    def _backup(self) -> None:
        try:
            self.last = backup_database(self.storage, self.directory, keep=self.keep)
            self.last_error = None
        except Exception as exc:  # a failed backup must not stop the next one; say why on the console
            logger.exception("scheduled backup failed")
            self.last_error = str(exc)

    @property
    def runs(self) -> int:
        return self._task.runs

    def wait_runs(self, count: int, timeout: float) -> bool:
        """Block until *count* scheduled backups have run (for tests)."""
        return self._task.wait_runs(count, timeout)

    def close(self) -> None:
        self._task.close()
