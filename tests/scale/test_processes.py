"""Several server processes, one hall (issue 11): one truth in the database and the log, one device owner.

Two real `onewindow serve` processes on one database and one Redis: settings, the materials checklist and
device status written through one are what the other serves; an announcement WAV is served by whichever
process is asked; exactly one process owns the devices and sweepers, and another takes over when it dies.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
import requests

from tests.faults.realserver import Recorder, staff_session
from tests.live import LiveServer, child_pids, free_port
from tests.scale.test_redis import redis_url  # noqa: F401 - the fixture

CONFIG = """
[speech]
backend = "wav"
dir = "speech"
[printer]
backend = "file"
path = "tickets.escpos"
"""


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    """True once *check()* holds, within *timeout* (another process catches up through the log)."""
    pause = threading.Event()
    deadline = timeout / 0.05
    for _ in range(int(deadline)):
        if check():
            return True
        pause.wait(0.05)
    return check()


@pytest.fixture
def hall_pair(tmp_path: Path, redis_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:  # noqa: F811
    (tmp_path / "hall.toml").write_text(CONFIG, encoding="utf-8")
    args = ["--config", str(tmp_path / "hall.toml"), "--message-queue", redis_url]
    a = LiveServer(tmp_path, free_port(), args).start()
    a.read_banner()
    b = LiveServer(tmp_path, free_port(), args).start()
    try:
        yield a, b
    finally:
        b.stop()
        a.stop()


def owner_pid(db: Path) -> int | None:
    """The pid written in the owner lock, if the lock is held (a free lock means no owner)."""
    path = db.with_name(db.name + ".owner")
    if not path.exists():
        return None  # no worker has started yet
    fd = os.open(path, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return int(path.read_text().split()[0])
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def worker_pids(server: LiveServer) -> set[int]:
    """The server's gunicorn master and its workers."""
    assert server.process is not None
    return {server.process.pid, *child_pids(server.process.pid)}


def test_settings_checklist_device_status_and_speech_are_one_truth(hall_pair):
    a, b = hall_pair
    manager_a = staff_session(a.url, "manager")
    manager_b = staff_session(b.url, "manager")
    # Settings saved through A are in force in B.
    saved = manager_a.put(f"{a.url}/api/v1/admin/settings", json={"name": "楚雄市社保服务大厅"}, timeout=10)
    assert saved.status_code == 200, saved.text
    assert eventually(lambda: manager_b.get(f"{b.url}/api/v1/admin/settings", timeout=10).json()["name"]
                      == "楚雄市社保服务大厅")
    assert "楚雄市社保服务大厅" in requests.get(f"{b.url}/lobby", timeout=10).text

    # The clerk ticks a material on A; the citizen-facing screen connected to B follows.
    citizen = Recorder(b.url, "/screen", auth={"view": "citizen", "counter": 1})
    lobby = Recorder(b.url, "/lobby")
    try:
        citizen.wait_for("snapshot")
        lobby.wait_for("snapshot")
        clerk = staff_session(a.url, "clerk1")
        assert clerk.post(f"{a.url}/api/v1/tickets", json={"service": "B01", "print": False}, timeout=10).ok
        called = clerk.post(f"{a.url}/api/v1/counters/1/call-next", json={}, timeout=10).json()["ticket"]
        ticked = clerk.post(f"{a.url}/api/v1/counters/1/checklist", json={"material": 0, "checked": True},
                            timeout=10)
        assert ticked.status_code == 200, ticked.text
        state, _ = citizen.wait_for("citizen_screen", lambda m: m.get("case") and m["case"]["materials"][0]["checked"])
        assert state["case"]["number"] == called["number"]

        # The call made through A is announced on B's lobby; B serves the WAV (rendering it if A has not).
        call, _ = lobby.wait_for("ticket_called", lambda m: m.get("number") == called["number"])
        audio = requests.get(b.url + call["audio_url"], timeout=30)
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF" and len(audio.content) > 20_000
        assert requests.get(a.url + call["audio_url"], timeout=30).content == audio.content
    finally:
        citizen.close()
        lobby.close()

    # A device state written by the owner is what B's console shows.
    owner = owner_pid(a.db)
    assert owner in worker_pids(a) | worker_pids(b)
    devices = {d["device"]: d["state"]
               for d in manager_b.get(f"{b.url}/api/v1/console/live", timeout=10).json()["devices"]}
    assert devices.get("printer") == "ok" and devices.get("speech") == "ok"


def test_exactly_one_process_owns_the_devices_and_another_takes_over(hall_pair):
    a, b = hall_pair
    assert eventually(lambda: owner_pid(a.db) is not None)
    owner = owner_pid(a.db)
    in_a, in_b = owner in worker_pids(a), owner in worker_pids(b)
    assert in_a != in_b  # one owner, in one of the two servers
    first, second = (a, b) if in_a else (b, a)
    first.kill()  # kill -9 the owner's server
    assert eventually(lambda: owner_pid(a.db) in worker_pids(second), timeout=15)
    # The survivor now runs the owner's work: its print station prints a ticket issued through it.
    clerk = staff_session(second.url, "clerk2")
    ticket = clerk.post(f"{second.url}/api/v1/tickets", json={"service": "A01"}, timeout=10).json()
    assert eventually(lambda: clerk.get(f"{second.url}/api/v1/status/{ticket['token']}", timeout=10)
                      .json()["print"]["state"] == "printed")
    assert ticket["number"].encode() in (second.workdir / "tickets.escpos").read_bytes()


def test_two_processes_issuing_at_once_give_every_ticket_its_own_number_and_event(hall_pair):
    """Both processes write through their group commits at the same moment: they hand the database's write
    lock to each other (flock on <db>-writer) and neither loses, repeats or skips a number."""
    a, b = hall_pair
    numbers: list[str] = []
    failures: list[str] = []

    def issue(server: LiveServer) -> None:
        with requests.Session() as session:
            for _ in range(60):
                answer = session.post(f"{server.url}/api/v1/tickets", json={"service": "A01", "print": False},
                                      timeout=30)
                if answer.status_code != 201:
                    failures.append(answer.text)
                    continue
                numbers.append(answer.json()["number"])

    threads = [threading.Thread(target=issue, args=(server,)) for server in (a, b, a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 241)]
    with closing(sqlite3.connect(a.db)) as db:
        assert db.execute("SELECT count(*) FROM events WHERE type = 'issued'").fetchone()[0] == 240
        assert db.execute("SELECT count(DISTINCT number) FROM tickets").fetchone()[0] == 240
    assert oct((a.db.with_name(a.db.name + "-writer")).stat().st_mode & 0o777) == "0o600"
