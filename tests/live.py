"""The real server process on 127.0.0.1 for end-to-end tests, and how Chromium is started."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is *parent* (a gunicorn master's workers)."""
    try:
        return [int(pid) for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """True while *pid* runs (a zombie nobody has reaped yet has already closed its sockets: not alive)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0, *, http: bool = True) -> None:
    """Block until the server answers HTTP (or fail if it died); with http=False (Redis …) until it accepts.

    An open port is not enough for the hall: gunicorn's master listens before its worker has started, and a
    worker that is still starting is not yet serving anyone.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                if not http:
                    return
                connection.sendall(b"GET /favicon.ico HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if connection.recv(16).startswith(b"HTTP/"):
                    return
        except OSError:
            # Not listening yet: block on the process for a moment instead of spinning.
            try:
                process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
    raise TimeoutError(f"server did not listen on {port} within {timeout}s")


@dataclass
class LiveServer:
    """A running `onewindow serve --demo` process and what it printed."""

    workdir: Path
    port: int
    extra_args: list[str] = field(default_factory=list)
    #: The whole command instead of `serve --demo --db … --port …` (a test that runs what a user types).
    argv: list[str] | None = None
    #: Prefix for the command, e.g. ["faketime", "2026-11-26 03:59:50"].
    wrapper: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None
    banner: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db(self) -> Path:
        return self.workdir / "hall.db"

    def start(self) -> "LiveServer":
        self._close_pipes()
        log = (self.workdir / "server.log").open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        argv = self.argv or [sys.executable, "-m", "hall.cli", "serve", "--demo", "--db", str(self.db),
                             "--port", str(self.port), *self.extra_args]
        self.process = subprocess.Popen([*self.wrapper, *argv], cwd=self.workdir, stdout=subprocess.PIPE, stderr=log,
                                        env=env)
        log.close()  # the child has its own copy of the descriptor
        try:
            wait_for_port(self.port, self.process)
        except BaseException:
            self.kill()  # a server that never answered must not outlive its test
            raise
        return self

    def read_banner(self) -> str:
        """The demo banner (URLs, logins, evaluator tokens) printed before the server listens."""
        assert self.process is not None and self.process.stdout is not None
        if not self.banner:
            lines = []
            for raw in self.process.stdout:
                line = raw.decode()
                lines.append(line)
                if line.strip().startswith("admin /"):
                    break
            self.banner = "".join(lines)
        return self.banner

    def evaluator_token(self, counter: int) -> str:
        match = re.search(rf"evaluator\s+\S+\?token=(\S+)\s+\(counter {counter}\)", self.read_banner())
        assert match, self.banner
        return match.group(1)

    def kill(self) -> None:
        """kill -9 of the hall: its gunicorn master and every worker, with no clean shutdown.

        Killing the master alone is not a crash: its orphaned worker notices within a second, stops gracefully,
        and until it has, it still accepts on the port, so a server started next looked ready when it was the
        dying worker answering (and the request after that was reset).
        """
        if self.process is not None and self.process.poll() is None:
            workers = child_pids(self.process.pid)
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            wait_until(lambda: not any(alive(pid) for pid in workers), timeout=10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.process is not None and self.process.stdout is not None and self.process.poll() is not None:
            self.process.stdout.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_pipes()


def screenshot_dir() -> Path:
    """Where browser tests save their screenshots.

    The README's pictures in docs/screenshots are refreshed only on purpose
    (ONEWINDOW_SCREENSHOTS=1 python -m pytest -m e2e); ordinary runs write to a
    temporary folder so a test run leaves the work tree clean.
    """
    if os.environ.get("ONEWINDOW_SCREENSHOTS"):
        target = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    else:
        import tempfile

        target = Path(tempfile.gettempdir()) / "onewindow-screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for *condition*, checking it every 50 ms; TimeoutError if it never comes true."""
    pause = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        pause.wait(0.05)
    raise TimeoutError("the condition never came true")
