"""Load and profiles for the benchmarks: wrk (a C HTTP load generator) and py-spy (a sampling profiler).

The load generator runs on the same two cores as the server; a Python client costs more CPU per request
than the server itself, so ticket rates are driven by `wrk` (Debian package) with a Lua script per request
shape. `profile_line()` samples the server's worker with py-spy while the load runs and says what the time
goes to, in a few named buckets: the "what limits it now" line next to every figure.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

ISSUE_LUA = """
wrk.method = "POST"
wrk.body   = '{"service": "A01", "print": false}'
wrk.headers["Content-Type"] = "application/json"
"""

#: Frames that name what a sample was doing, first match wins (file:function substrings).
BUCKETS = (
    ("the commit (fsync) and the write lock, off the event loop", ("Storage._commit_batch", "Storage._begin_batch",
                                                                   "ProcessWriterLock", "Storage.write")),
    ("the ticket's transaction (SQL + queue index)", ("HallService.", "QueueBook", "queue_rows", "repo.py",
                                                     "Storage.run_batch", "WaitEstimator")),
    ("log feed → live channel", ("LogFeed", "LiveChannel", "lobby_board", "snapshots.py")),
    ("JSON payload of the answer", ("ticket_payload", "payloads.py", "catalogue.py")),
    ("Flask request handling", ("flask/", "werkzeug/", "flask_babel", "hall/web/")),
    ("HTTP parsing and sockets (gunicorn, gevent)", ("gunicorn/", "gevent/")),
)


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    """wrk's "812.00us" / "3.21ms" / "1.02s" in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def run_wrk(url: str, *, connections: int, seconds: float, lua: str = ISSUE_LUA, threads: int = 2) -> WrkResult:
    """Drive *url* with wrk; requests/s, latency percentiles, non-2xx answers."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    out = subprocess.run(["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                          "--latency", "-s", script.name, url], capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # The latency distribution's own lines ("     99%    1.20ms"), not a "+/- Stdev" column that ends in 99%.
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return WrkResult(rate, p50, p99, int(bad.group(1)) if bad else 0, total)


def worker_pid(master_pid: int) -> int:
    """The (first) gunicorn worker of a `onewindow serve` master."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return int(children[0]) if children else master_pid


class Profiler:
    """py-spy on one process for a while (in a thread), then `line()`: where the samples went, by bucket."""

    def __init__(self, pid: int, seconds: float) -> None:
        self.pid = pid
        self.seconds = seconds
        self._out = Path(tempfile.mkdtemp()) / "profile.txt"
        self._thread: threading.Thread | None = None

    def start(self) -> "Profiler":
        if shutil.which("py-spy") is None and not (Path(__file__).parents[1] / ".venv/bin/py-spy").exists():
            return self
        exe = shutil.which("py-spy") or str(Path(__file__).parents[1] / ".venv/bin/py-spy")
        command = [exe, "record", "-p", str(self.pid), "-d", str(int(self.seconds)), "-r", "200", "-f", "raw",
                   "-o", str(self._out), "--nonblocking", "--threads"]
        self._thread = threading.Thread(target=subprocess.run, args=(command,),
                                        kwargs={"capture_output": True}, daemon=True)
        self._thread.start()
        return self

    def line(self) -> str:
        if self._thread is None:
            return "profile: py-spy not installed (pip install py-spy)"
        self._thread.join(self.seconds + 20)
        if not self._out.exists():
            return "profile: py-spy could not attach (run as root)"
        totals: collections.Counter[str] = collections.Counter()
        count = 0
        for raw in self._out.read_text().splitlines():
            stack, _, n = raw.rpartition(" ")
            if not n.isdigit():
                continue
            count += int(n)
            totals[_bucket(stack)] += int(n)
        if not count:
            return "profile: no samples"
        shares = ", ".join(f"{name} {100 * n / count:.0f}%" for name, n in totals.most_common(6))
        return f"profile of the server process ({count} samples): {shares}"


def _bucket(stack: str) -> str:
    """The bucket of the innermost frame that names one (a sample in a commit inside a request is a commit)."""
    for frame in reversed(stack.split(";")):
        for name, marks in BUCKETS:
            if any(mark in frame for mark in marks):
                return name
    return "other"
