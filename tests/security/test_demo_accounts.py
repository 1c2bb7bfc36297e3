"""Issue 13, point 11: a real hall never runs with the demo's published accounts, and its staff get passwords
that meet a policy (also through `onewindow staff add`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hall.accounts import Accounts
from hall.demo import DEMO_STAFF, install_demo
from hall.domain.clock import SystemClock
from hall.passwords import WeakPassword, check, problems
from hall.storage import open_storage
from tests.live import free_port, wait_for_port

STRONG = "Violet-harbour-27"


def onewindow(*args: str, stdin: str | None = None, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """A database the demo was installed into (what `scripts/demo` leaves behind)."""
    db = tmp_path / "hall.db"
    storage = open_storage(db)
    install_demo(storage, Accounts(storage, SystemClock()), SystemClock(), tmp_path)
    storage.close()
    return db


def test_serving_the_demo_database_without_demo_is_refused(demo_db, tmp_path):
    (tmp_path / "demo_devices.json").unlink()  # the instance is no longer the demo's (or another instance)
    done = onewindow("serve", "--db", str(demo_db), "--port", str(free_port()), cwd=tmp_path)
    assert done.returncode == 2
    for username, *_ in DEMO_STAFF:
        assert username in done.stderr
    assert "onewindow staff add" in done.stderr


def test_the_demo_itself_still_serves_with_its_accounts(demo_db, tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "hall.cli", "serve", "--demo", "--db", str(demo_db), "--port",
                               str(port)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, server)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_once_every_demo_password_is_changed_the_hall_serves(demo_db, tmp_path):
    (tmp_path / "demo_devices.json").unlink()
    for username, _, roles, counter, _ in DEMO_STAFF:
        args = ["staff", "add", username, "--password-stdin", "--db", str(demo_db)]
        args += [a for role in roles for a in ("--role", role)] + (["--counter", str(counter)] if counter else [])
        changed = onewindow(*args, stdin=f"{STRONG}-{username[::-1]}\n", cwd=tmp_path)
        assert changed.returncode == 0, changed.stderr
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "hall.cli", "serve", "--db", str(demo_db), "--port", str(port)],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, server)
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()


@pytest.mark.parametrize(("password", "problem"), [
    ("short1A!", "fewer than 10 characters"),
    ("aaaaaaaaaaaaaaaaaaaa", "too easy to guess"),
    ("lowercase-only", "fewer than three kinds"),
    ("Wang-Violet-27", "contains the username"),
    ("admin-demo", "published demo password"),
    ("Password123!", "too easy to guess"),
    ("Onewindow2026!", "too easy to guess"),
])
def test_the_policy_refuses_weak_passwords(password, problem):
    assert any(problem in p for p in problems(password, username="wang"))
    with pytest.raises(WeakPassword):
        check(password, username="wang")


@pytest.mark.parametrize("password", [STRONG, "correct horse battery staple", "窗口-清晨-鸟鸣-2026"])
def test_the_policy_accepts_strong_passwords_and_pass_phrases(password):
    assert problems(password, username="wang") == []


def test_the_first_admin_of_a_real_hall_comes_from_staff_add_with_the_policy(tmp_path):
    db = tmp_path / "hall.db"
    weak = onewindow("staff", "add", "chief", "--role", "admin", "--password-stdin", "--db", str(db),
                     stdin="chief-2026\n", cwd=tmp_path)
    assert weak.returncode == 2 and "password is refused" in weak.stderr and "contains the username" in weak.stderr
    made = onewindow("staff", "add", "chief", "--role", "admin", "--password-stdin", "--db", str(db),
                     stdin=STRONG + "\n", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    storage = open_storage(db)
    try:
        assert Accounts(storage, SystemClock()).authenticate("chief", STRONG).roles == frozenset({"admin"})
    finally:
        storage.close()


def test_the_console_refuses_a_weak_password_with_the_reasons(app):
    from tests.conftest import login

    admin = app.test_client()
    login(admin, "admin")
    refused = admin.post("/api/v1/admin/staff", json={"username": "zhao", "password": "zhao123456", "roles": ["clerk"]})
    body = refused.get_json()
    assert refused.status_code == 400 and body["error"] == "weak_password"
    assert any("username" in p for p in body["details"]["problems"])
