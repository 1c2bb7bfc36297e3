"""Devices through a device agent: call → LED frame on the strip's line, ticket taken → printer bytes, printer fault
→ kiosk page. A real `onewindow serve` and a real `onewindow agent` on 127.0.0.1; the strip and the printer are
simulated on ptys (drivers.sim_led, drivers.sim_printer) and timed when their bytes arrive.

    python -m bench.bench_devices                 # 50 calls, 50 tickets, 10 faults
    python -m bench.bench_devices --count 200

Prints p50/p99 in milliseconds as a Markdown table (for docs/benchmarks.md); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
import socketio

from bench.common import free_port, percentile
from drivers.led import Effect
from drivers.sim_led import SimulatedLedBoards
from drivers.sim_printer import SimulatedSerialPrinter

COUNTER = 4
WAIT = 20.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Hall:
    """`onewindow serve --demo` with kiosk-1's printer on its agent, and `onewindow agent` for kiosk-1 and counter 4."""

    def __init__(self, workdir: Path, printer: str, led: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        config = workdir / "hall.toml"
        config.write_text('[[kiosks]]\nid = "kiosk-1"\nprinter = { backend = "agent" }\n', encoding="utf-8")
        self.common = ["--db", str(workdir / "hall.db"), "--config", str(config)]
        self.agent_toml = workdir / "agent.toml"
        self.agent_toml.write_text(
            '[agent]\nname = "bench-pc"\nstate_dir = "state"\nprobe_seconds = 1\n'
            f'[[printers]]\nkiosk = "kiosk-1"\nbackend = "serial"\ndevice = "{printer}"\ntimeout = 0.5\n'
            f'[[led_displays]]\nport = "{led}"\naddress = 1\ncounter = {COUNTER}\n', encoding="utf-8")
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        with (self.workdir / "server.log").open("ab") as log:  # the child keeps its own copy of the descriptor
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "hall.cli", "serve", "--demo", "--port", str(self.port), *self.common],
                cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=log, env=self.env))
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{self.url}/api/v1/services", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or self.processes[0].poll() is not None:
                    raise RuntimeError("the server did not start; see server.log") from None
                time.sleep(0.1)
        token = subprocess.run([sys.executable, "-m", "hall.cli", "device", "add", "agent", "--name", "bench-pc",
                                *self.common], cwd=self.workdir, capture_output=True, text=True, check=True,
                               env=self.env).stdout.strip()
        with (self.workdir / "agent.log").open("ab") as log:
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "hall.cli", "agent", "--server", self.url, "--token", token,
                 "--config", str(self.agent_toml)], cwd=self.workdir, stdout=log, stderr=log, env=self.env))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class Kiosk:
    """The kiosk page's socket: printer states and print results."""

    def __init__(self, url: str) -> None:
        self.messages: queue.Queue[tuple[str, dict[str, Any], float]] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", lambda event, data=None: self.messages.put((event, data or {}, time.monotonic())),
                       namespace="/kiosk")
        self.client.connect(url, namespaces=["/kiosk"], auth={"kiosk": "kiosk-1"}, transports=["websocket"])

    def wait(self, events: tuple[str, ...], match: Any) -> float:
        """When the first of *events* matching *match* arrived."""
        while True:
            name, data, at = self.messages.get(timeout=WAIT)
            if name in events and match(data):
                return at


def staff(url: str, username: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{url}/api/v1/login", json={"username": username, "password": f"{username}-demo"},
                          timeout=30)
    answer.raise_for_status()
    session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    session.post(f"{url}/api/v1/counters/{COUNTER}/sign-in", json={}, timeout=30).raise_for_status()
    return session


def calls_to_led(hall: Hall, boards: SimulatedLedBoards, count: int) -> list[float]:
    """POST call-next sent → the flashing call frame written on the strip's line (through the agent)."""
    clerk = staff(hall.url, f"clerk{COUNTER}")
    seconds = []
    for index in range(count):
        requests.post(f"{hall.url}/api/v1/tickets", json={"service": "A01"}, timeout=30).raise_for_status()
        heard = len(boards.heard)
        sent = time.monotonic()
        number = clerk.post(f"{hall.url}/api/v1/counters/{COUNTER}/call-next", json={}, timeout=30).json()["ticket"][
            "number"]
        frame = boards.wait_for(lambda r, n=number: r.content is not None and r.content.effect is Effect.FLASH
                                and n in r.content.text, WAIT, after=heard)
        if frame is None:
            raise RuntimeError(f"call {index + 1}: no LED frame within {WAIT} s")
        seconds.append(frame.at - sent)
        for action in ("start", "finish"):
            clerk.post(f"{hall.url}/api/v1/counters/{COUNTER}/{action}", json={}, timeout=30).raise_for_status()
        if (index + 1) % 10 == 0:
            log(f"  {index + 1}/{count} calls")
    return seconds


def tickets_to_paper(hall: Hall, printer: SimulatedSerialPrinter, count: int) -> tuple[list[float], list[float]]:
    """POST /tickets sent → the ticket's first byte, and its cut, at the kiosk PC's printer (through the agent)."""
    first, whole = [], []
    for index in range(count):
        done = len(printer.tickets)
        sent = time.monotonic()
        requests.post(f"{hall.url}/api/v1/tickets", json={"service": "A01", "kiosk": "kiosk-1"},
                      timeout=30).raise_for_status()
        if not printer.wait_tickets(done + 1, WAIT):
            raise RuntimeError(f"ticket {index + 1}: not printed within {WAIT} s")
        first.append(printer.started_at[done] - sent)
        whole.append(printer.cut_at[done] - sent)
        if (index + 1) % 10 == 0:
            log(f"  {index + 1}/{count} tickets")
    return first, whole


def faults_to_kiosk(hall: Hall, printer: SimulatedSerialPrinter, kiosk: Kiosk, count: int) -> list[float]:
    """A ticket taken while the printer is out of paper → the kiosk page hears its print failed."""
    seconds = []
    printer.fault = "paper_out"
    for _ in range(count):
        sent = time.monotonic()
        ticket = requests.post(f"{hall.url}/api/v1/tickets", json={"service": "A01", "kiosk": "kiosk-1"},
                               timeout=30).json()
        at = kiosk.wait(("print_update",), lambda d, t=ticket["id"]: d["ticket"] == t and d["result"] == "print_failed")
        seconds.append(at - sent)
    printer.fault = None
    return seconds


def row(name: str, values: list[float]) -> str:
    return (f"| {name} | {len(values)} | {percentile(values, 0.5) * 1000:.1f} | {percentile(values, 0.99) * 1000:.1f} "
            f"| {max(values) * 1000:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50, help="calls and tickets to time (default 50)")
    parser.add_argument("--faults", type=int, default=10, help="tickets taken while the printer is out of paper")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="onewindow-bench-devices-") as folder, \
            SimulatedSerialPrinter() as printer, SimulatedLedBoards([1]) as boards:
        hall = Hall(Path(folder), printer.port_path, boards.port_path)
        log("starting the server and the agent …")
        hall.start()
        try:
            kiosk = Kiosk(hall.url)
            kiosk.wait(("snapshot", "printer"), lambda d: (d.get("printer") or {}).get("state") == "ok")
            log(f"call → LED frame, {args.count} calls …")
            led = calls_to_led(hall, boards, args.count)
            log(f"ticket → printer bytes, {args.count} tickets …")
            first, whole = tickets_to_paper(hall, printer, args.count)
            log(f"printer fault → kiosk page, {args.faults} tickets …")
            faults = faults_to_kiosk(hall, printer, kiosk, args.faults)
            kiosk.client.disconnect()
        finally:
            hall.stop()
    print("| through the agent (127.0.0.1, ptys) | n | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    print(row("call next sent → LED call frame on the strip's line", led))
    print(row("ticket taken → first printer byte", first))
    print(row("ticket taken → whole ticket (cut) at the printer", whole))
    print(row("ticket taken, printer out of paper → kiosk page told", faults))
    print("\nAn idle printer's fault (paper out, unplugged) shows on the kiosk within the agent's "
          "probe_seconds (1 s here, 1.5 s by default) plus the times above.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
