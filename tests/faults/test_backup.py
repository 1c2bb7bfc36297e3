"""Online backup (SQLite backup API) by the CLI and on a schedule, and a tested restore."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import requests

from hall.backup import BackupScheduler, backups, check_database
from hall.cli import main
from hall.storage import open_storage
from tests.live import LiveServer, free_port


def issue(url: str, count: int) -> list[str]:
    numbers = []
    for _ in range(count):
        response = requests.post(f"{url}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=30)
        assert response.status_code == 201, response.text
        numbers.append(response.json()["number"])
    return numbers


def test_backup_while_serving_then_restore(tmp_path: Path, capsys) -> None:
    server = LiveServer(tmp_path, free_port()).start()
    try:
        before = issue(server.url, 12)
        assert main(["backup", "--db", str(server.db), "--to", str(tmp_path / "copies")]) == 0
        copy = Path(capsys.readouterr().out.strip())
        after = issue(server.url, 3)  # the hall went on working during and after the copy
        assert after[0] == "A013"
    finally:
        server.stop()
    assert check_database(copy) == 12

    assert main(["restore", "--db", str(server.db), str(copy)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["restore", "--db", str(server.db), str(copy), "--yes"]) == 0
    assert "12 tickets" in capsys.readouterr().out
    kept = list(tmp_path.glob("hall.db.before-restore-*"))
    assert len(kept) == 1 and check_database(kept[0]) == 15

    server.start()
    try:
        assert issue(server.url, 1) == ["A013"]  # numbering continues from the backup's day
        assert before[-1] == "A012"
    finally:
        server.stop()


def test_restore_refuses_a_file_that_is_not_a_hall_database(tmp_path: Path, capsys) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert main(["restore", "--db", str(tmp_path / "hall.db"), str(junk), "--yes"]) == 2
    assert "not a OneWindow database" in capsys.readouterr().err
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    assert main(["restore", "--db", str(tmp_path / "hall.db"), str(other), "--yes"]) == 2
    assert not (tmp_path / "hall.db").exists()


def test_backup_of_a_missing_database_is_refused(tmp_path: Path, capsys) -> None:
    assert main(["backup", "--db", str(tmp_path / "none.db")]) == 2
    assert "no database" in capsys.readouterr().err


def test_scheduled_backups_run_and_keep_the_newest(tmp_path: Path) -> None:
    storage = open_storage(tmp_path / "hall.db")
    scheduler = BackupScheduler(storage, tmp_path / "copies", interval=0.05, keep=2)
    scheduler.start()
    try:
        assert scheduler.wait_runs(4, timeout=30)
    finally:
        scheduler.close()
        storage.close()
    assert scheduler.last_error is None
    kept = backups(tmp_path / "copies")
    assert len(kept) == 2 and scheduler.last in kept
    assert check_database(scheduler.last) == 0
