"""The hall's files are private to the account that runs it: the database (with its -wal and -shm files, which
SQLite creates with the database's mode), backups, the secret key and the instance folder."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
#: For the server and command-line processes: every file they create is private too (print files, WAVs …).
PROCESS_UMASK = 0o077


def private_file(path: Path | str) -> None:
    """Create *path* (empty) readable and writable by its owner only, or take group and others' access away
    from an existing one, saying so in the log."""
    path = Path(path)
    if str(path) == ":memory:":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & ~0o077)
            logger.warning("%s was readable by other accounts (%o); now %o", path, mode, mode & ~0o077)
        return
    os.close(descriptor)


def private_dir(path: Path | str) -> Path:
    """Create the folder *path* for its owner only (an existing one is left as it is)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    return path


def private_process() -> None:
    """Make every file this process creates from now on private (umask 077)."""
    os.umask(PROCESS_UMASK)
