"""Issue 13, point 15 (files): the database, its WAL, backups and the instance folder are private (0600/0700)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from hall.storage import open_storage


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_wal_are_private(tmp_path):
    db = tmp_path / "hall.db"
    storage = open_storage(db)
    try:
        with storage.write() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('x', '1')")
        assert mode(db) == 0o600
        for side in (Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert side.exists() and mode(side) == 0o600, side
        storage.backup(tmp_path / "copy.db")
        assert mode(tmp_path / "copy.db") == 0o600
    finally:
        storage.close()


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    db = tmp_path / "hall.db"
    open_storage(db).close()
    db.chmod(0o644)
    open_storage(db).close()
    assert mode(db) == 0o600


def test_the_real_server_and_backup_command_make_private_files(live_server):
    workdir = live_server.workdir
    assert mode(live_server.db) == 0o600
    instance = workdir  # serve --db puts the instance beside the database
    assert mode(instance / "secret_key") == 0o600
    done = subprocess.run([sys.executable, "-m", "hall.cli", "backup", "--db", str(live_server.db), "--to",
                           str(workdir / "backups")], capture_output=True, text=True, timeout=60, cwd=workdir)
    assert done.returncode == 0, done.stderr
    copy = Path(done.stdout.strip())
    assert mode(copy) == 0o600 and mode(copy.parent) == 0o700
