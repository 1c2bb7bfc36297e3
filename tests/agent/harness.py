"""Real agent processes against a real hall server, with their devices on ptys; waits on messages, never sleeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.faults.realserver import Recorder, staff_session
from tests.live import LiveServer, free_port

WAIT = 20.0  # an upper bound for anything to happen, never a sleep

HALL_TOML = """
[[kiosks]]
id = "kiosk-1"
printer = { backend = "agent" }

[printing]
give_up_seconds = %(give_up)d

[id_card]
required_items = ["A02"]
"""


def hall_server(workdir: Path, *, give_up: int = 30, extra: str = "") -> LiveServer:
    """`onewindow serve --demo` with kiosk-1's printer on its agent (and *extra* TOML)."""
    config = workdir / "hall.toml"
    config.write_text(HALL_TOML % {"give_up": give_up} + extra, encoding="utf-8")
    server = LiveServer(workdir, free_port(), extra_args=["--config", str(config)]).start()
    server.read_banner()
    return server


def register(server: LiveServer, kind: str, *options: str) -> str:
    """`onewindow device add KIND …` against the server's database; the token it prints."""
    done = subprocess.run([sys.executable, "-m", "hall.cli", "device", "add", kind, *options, "--db", str(server.db),
                           "--config", str(server.workdir / "hall.toml")],
                          cwd=server.workdir, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


@dataclass
class AgentProcess:
    """A running `onewindow agent` and its log."""

    workdir: Path
    server: str
    token: str
    toml: str
    name: str = "kiosk-pc-1"
    process: subprocess.Popen | None = None
    starts: int = 0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.workdir / f"agent-{self.name}.log"

    def start(self) -> "AgentProcess":
        config = self.workdir / f"agent-{self.name}.toml"
        config.write_text(self.toml, encoding="utf-8")
        self.starts += 1
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hall.cli", "agent", "--server", self.server, "--token", self.token,
                 "--config", str(config)],
                cwd=self.workdir, stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env})
        return self

    def kill(self) -> None:
        """kill -9: no goodbye to the server, nothing flushed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def agent_toml(name: str, body: str, state: str = "state") -> str:
    head = f'[agent]\nname = "{name}"\nstate_dir = "{state}-{name}"\n'
    return head + "probe_seconds = 0.5\nheartbeat_seconds = 1\n" + body


def printer_toml(port: str, kiosk: str = "kiosk-1") -> str:
    return f'[[printers]]\nkiosk = "{kiosk}"\nbackend = "serial"\ndevice = "{port}"\ntimeout = 0.5\n'


class Console(Recorder):
    """The managers' console socket: device states as they change."""

    def __init__(self, url: str) -> None:
        manager = staff_session(url, "manager")
        self.devices: dict[str, dict[str, Any]] = {}
        super().__init__(url, "/console", auth={"token": manager.headers["Authorization"].split()[1]})

    def wait_device(self, device: str, state: str, timeout: float = WAIT) -> dict[str, Any]:
        """*device*'s row once its last state heard (in a snapshot or a ``device_status`` message) is *state*."""
        while True:
            row = self.devices.get(device)
            if row is not None and row["state"] == state:
                return row
            name, data = self.messages.get(timeout=timeout)
            rows = data.get("devices", []) if name == "snapshot" else [data] if name == "device_status" else []
            for row in rows:
                self.devices[row["device"]] = row


class KioskPage(Recorder):
    """What a kiosk page hears on /kiosk (with the kiosk's device token: also the cards swiped)."""

    def __init__(self, url: str, kiosk: str = "kiosk-1", device_token: str | None = None) -> None:
        auth: dict[str, Any] = {"kiosk": kiosk}
        if device_token:
            auth["device_token"] = device_token
        super().__init__(url, "/kiosk", auth=auth)

    def wait_printer(self, state: str, timeout: float = WAIT) -> dict[str, Any]:
        """The first printer state *state* heard (in a snapshot or a ``printer`` message)."""
        while True:
            name, data = self.messages.get(timeout=timeout)
            printer = data.get("printer") if name in ("snapshot", "printer") else None
            if printer and printer.get("state") == state:
                return printer

    def wait_print(self, ticket: int, result: str, timeout: float = WAIT) -> dict[str, Any]:
        data, _ = self.wait_for("print_update", lambda d: d["ticket"] == ticket and d["result"] == result, timeout)
        return data
