"""The `onewindow` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hall.accounts import Accounts
from hall.cli import build_parser
from hall.domain.clock import SystemClock
from hall.storage import open_storage


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_db_upgrade_then_up_to_date(tmp_path: Path):
    db = str(tmp_path / "h.db")
    first = run("db", "upgrade", "--db", db)
    assert first.returncode == 0 and "0001_initial" in first.stdout
    assert "up to date" in run("db", "upgrade", "--db", db).stdout


def test_staff_add_and_login_check(tmp_path: Path):
    db = tmp_path / "h.db"
    added = run("staff", "add", "wang", "--role", "clerk", "--password-stdin", "--db", str(db),
                stdin="Violet-harbour-27\n")
    assert added.returncode == 0, added.stderr
    storage = open_storage(db)
    member = Accounts(storage, SystemClock()).authenticate("wang", "Violet-harbour-27")
    assert member.roles == frozenset({"clerk"})
    storage.close()
    short = run("staff", "add", "li", "--role", "clerk", "--password-stdin", "--db", str(db), stdin="short\n")
    assert short.returncode == 2 and "fewer than 10 characters" in short.stderr
    bad_role = run("staff", "add", "li", "--role", "boss", "--password-stdin", "--db", str(db), stdin="x" * 10)
    assert bad_role.returncode == 2


def test_device_add_prints_a_token_that_authenticates(tmp_path: Path):
    db = tmp_path / "h.db"
    storage = open_storage(db)
    with storage.write() as conn:
        conn["counters"].insert({"number": 1, "name": "1号窗口", "state": "open", "state_since": 0})
    storage.close()
    out = run("device", "add", "evaluator", "--counter", "1", "--db", str(db))
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    storage = open_storage(db)
    device = Accounts(storage, SystemClock()).device_for_token(token)
    storage.close()
    assert device is not None and device.kind == "evaluator" and device.counter == 1
    missing = run("device", "add", "evaluator", "--db", str(db))
    assert missing.returncode == 2 and "--counter" in missing.stderr


def test_device_tokens_never_read_as_an_option_on_the_agents_command_line(tmp_path: Path):
    """A base64 token began with "-" one time in 64, and `onewindow agent --token TOKEN` refused it."""
    storage = open_storage(tmp_path / "h.db")
    accounts = Accounts(storage, SystemClock())
    tokens = [accounts.add_device("agent", name=f"pc-{n}")[1] for n in range(400)]
    storage.close()
    assert all(len(t) == 64 and not t.startswith("-") and t.isalnum() for t in tokens)
    assert len(set(tokens)) == len(tokens)
    assert build_parser().parse_args(["agent", "--token", tokens[0], "--config", "agent.toml"]).token == tokens[0]


def test_bad_config_stops_serve_with_a_message(tmp_path: Path):
    config = tmp_path / "bad.toml"
    config.write_text('[routing]\npolicy = "random"\n', encoding="utf-8")
    out = run("serve", "--config", str(config), "--db", str(tmp_path / "h.db"))
    assert out.returncode == 2 and "policy must be one of" in out.stderr
