"""`systemctl stop` (SIGTERM) stops the hall gracefully: what is queued prints, then the database closes (issue 11)."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import requests

from tests.live import LiveServer, free_port


def test_sigterm_prints_the_queued_ticket_then_closes_the_database(tmp_path: Path) -> None:
    # The printer is a named pipe nobody reads yet: the job is taken but cannot be printed before the signal.
    fifo = tmp_path / "printer.fifo"
    os.mkfifo(fifo)
    (tmp_path / "hall.toml").write_text(f'[printer]\nbackend = "file"\npath = "{fifo}"\n', encoding="utf-8")
    server = LiveServer(tmp_path, free_port(), ["--config", str(tmp_path / "hall.toml")]).start()
    server.read_banner()
    issued = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01"}, timeout=10)
    assert issued.status_code == 201
    number = issued.json()["number"]

    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    with fifo.open("rb") as printer:  # the printer comes back: the server, stopping, prints the ticket first
        printed = printer.read()
    assert number.encode() in printed and b"\x1dV" in printed  # the whole ticket, cut
    assert server.process.wait(timeout=40) == 0
    server.stop()
    assert not Path(f"{server.db}-wal").exists()  # every connection was closed cleanly (WAL checkpointed away)

    db = sqlite3.connect(server.db)
    try:
        state = db.execute("SELECT state FROM print_jobs WHERE ticket = ?", [issued.json()["id"]]).fetchone()[0]
        kinds = [r[0] for r in db.execute("SELECT type FROM events WHERE ticket = ? ORDER BY id",
                                          [issued.json()["id"]])]
    finally:
        db.close()
    assert state == "printed" and kinds == ["issued", "printed"]
