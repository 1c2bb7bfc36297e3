"""Run every benchmark once and write docs/benchmarks.md with the machine's description and what limits each figure.

    python -m bench.run_all                 # the full run (1,000,000 tickets for the reports: long)
    python -m bench.run_all --quick         # smaller N everywhere, for a first look
    python -m bench.run_all --only prefecture   # one group; its part of docs/benchmarks.md is replaced
    python -m bench.run_all --only advisor      # the wait estimates and the staffing advisor (issue 17)
    python -m bench.run_all --only devices      # LED strip, printer and printer fault through a device agent

Each benchmark runs as its own process; its output goes to the terminal as it comes
(progress included) and into the report verbatim.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"

LIMITS = {
    "issue": (
        "One gevent worker runs every ticket's Python on one core: 1.27 ms of CPU per ticket at 8 clients "
        "(from /proc, 1.48 ms before this run's changes), which is the 784/s above. The profile line splits it: "
        "the ticket's transaction about a quarter (its SQL statements, the queue index, the wait estimate), "
        "Flask's request handling a quarter, gunicorn's HTTP parsing and gevent's sockets a quarter, the log "
        "feed and the live channel 5 %, the commit 7 %. The floor line is what a request costs before the hall "
        "does anything (3,685/s, 0.27 ms): 1,000 durable tickets/s would leave the hall 0.73 ms of its own per "
        "ticket; it spends about 1.0. No one part is above a quarter: what is left is spread over some forty "
        "small steps (SQL statements of 10-20 µs each, Flask's context, the API document check, the JSON). "
        "Flat in the queue: 0.94 of the empty hall with 5,000 waiting. Two processes: the machine's two "
        "cores are full (the two workers at 0.83 and 0.79 of a core, wrk the rest, 15 % idle, measured by "
        "hand), and a ticket costs 17 % more CPU there than in one process (each reads the other's events "
        "into its queue index and its log feed, and SQLite reloads pages the other wrote): 1.27 of one process. "
        "With one process already at one full core and wrk needing about a quarter of the other, 1.6 cannot "
        "be reached on two cores; it needs a third."
    ),
    "lobby": (
        "A call reaches a screen through the log feed (the commit wakes it), the live channel's one encoded "
        'packet per room, and one write per websocket greenlet, with the clients on the same two cores. At '
        "200 screens the server's time is mostly gevent's sockets; at 1,000 the writes to a thousand sockets "
        'dominate and the last screen waits for the others: p99 grows with N. Past that, spread the screens '
        "over several processes behind Redis (README, Production layout)."
    ),
    "soak": (
        'One gevent worker holds every websocket as a greenlet (no thread per screen): memory grows with the '
        'number of connections, not with time (flat over the ten minutes). When the clients leave, the '
        "process gives memory back (`hall/memory.py`: a full collection and glibc's `malloc_trim` once the "
        'connections fall to half their peak): a minute after, 204 MB against 244 connected and 152 at the '
        "start. The rest is CPython's object arenas that still hold a live object each and the sockets' "
        "buffers gevent keeps for reuse: not back to the baseline. Delivery is the log feed waking the live "
        'channel and one write per socket: the p99 is the last of 1,300 sockets written in turn.'
    ),
    "report_load": (
        'The report runs on an OS thread of its own with a connection of its own, so the event loop keeps '
        "serving calls; what remains is the GIL that the report's Python aggregation shares with the loop "
        '(the report itself took 1.7 s in this run, 3.7 s in the last one on a slower machine).'
    ),
    "reports": (
        "Reports are aggregate queries over the tickets table with covering indexes (console engineer's "
        "`bench_reports.py`); the limit is SQLite scanning the day range on one core."
    ),
    "voice": (
        "Cold: espeak-ng through pyttsx3 renders the sentence (chime + Mandarin sentence) on the one speech "
        "thread; calls arriving together queue behind each other. Cached: a recall or a repeated sentence is a "
        "file lookup (sha1 of the text and voice settings)."
    ),
    "day": (
        "The estimate printed on a ticket is the advisor's (`hall/advisor/predictors.py`, `item_mix_priority`): "
        "each counter frees when its case in hand is expected to end, then takes the tickets ahead in turn, "
        "each for its items' handling at today's pace, plus the priority tickets and appointments that will go "
        "ahead while the fairness guard lets them; it took this overloaded day's mean error from 9.0 minutes "
        "(people ahead × the recent call-to-finish cycle ÷ counters) to 4.9 (p90 19.9 → 10.1) when measured on "
        "the advisor's branch. The realistic days of `bench_estimates` are where issue 17's figures are "
        "measured. What is left: with waits near two hours the spread of so many departures is several minutes "
        "whatever the predictor. The wall time is SQLite commits of the simulated events and the estimate's "
        "day-bounded queries."
    ),
    "advisor": (
        "Estimates: the shown estimate is arithmetic on a snapshot (about 10 µs); building the snapshot from "
        "storage is a few day-bounded index queries with the tickets ahead from the queue index (about 0.3 ms), "
        "and the prior is learned from four weeks of the record once a day (a few hundred ms: in a read of its "
        "own when the lobby or a phone asks first; the day-start job should warm it). The error left is the "
        "randomness of the departures and of the day's pace: the forward simulation (20 runs from the hall's "
        "state with durations drawn from today's mix) does somewhat better on its sample at about 15 ms a "
        "ticket — too slow for every status-page update. Advisor: a simulated 660-ticket day is about 10 ms of "
        "Python (the routing policy's `choose` scans the waiting tickets on every call, so an overloaded day "
        "costs tens of ms); the plan's search simulates a few hundred days."
    ),
    "remote": (
        "What a day with remote tickets does is decided by the rules, not the machine: walk-ins are refused only once "
        "the hall's quota is used up, because remote tickets never take more than their share of it (225 of 750 "
        "here). The no-shows are the remote citizens called before they could reach the hall: with the hall's "
        "defaults (missed 5 minutes after the call, more time 5 places) about two in five of them, one in ten "
        "because they never came; a more patient hall (10 minutes, 15 places) misses one in seven, but its counters "
        "wait for remote citizens and everybody waits longer. The admission check (hours, quota counters by primary "
        "key) costs a tenth of a millisecond at the day's first ticket and at its last; the wall time is SQLite "
        "commits of the simulated events."
    ),
    "devices": (
        "Each path crosses two processes and a pty: the server's owner work turns the event into a device command "
        "(an LED frame, an ESC/POS job in the print-job table), the agent's Socket.IO client receives it and its "
        "driver writes the bytes. A print job is committed before it is sent and acknowledged after the printer "
        "took it, so a ticket's print costs two small commits on the server and one journal write on the agent; "
        "the fault path waits for the agent's printer check (every 1.5 s while idle), which sets its p50."
    ),
    "prefecture": (
        "Ingest: each batch is one PostgreSQL transaction with fsync on — the hall's row locked, the events "
        "inserted in one statement from the batch's JSON (json_to_recordset), the ticket projection and three "
        "rollups upserted the same way, every rating's chain link recomputed (sha256). The work per event is "
        "Python (JSON decoding, validation, the fold) and PostgreSQL in about equal parts, on the two cores that "
        "also run the ten posting halls and the other sessions' work: the figure moves with the machine's load. "
        "Reports read only the rollups (at most halls × days × items rows; whole months from the month rollup); "
        "the slowest is a year grouped by day with a category filter, which must read day rows: 73,000 of them "
        "(100 halls × 365 days × the category's 2 items), each summed with its 2 × 86 histogram bins. Faults: nothing "
        "is acknowledged before it is committed, the hall keeps its log, so a killed server or an outage costs "
        "time, never events."
    ),
}


def machine() -> list[str]:
    """A short description of this machine: CPU, cores, memory, OS, Python and SQLite."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [f"- CPU: {cpu}, {os.cpu_count()} logical cores; {memory}",
            f"- OS: {platform.platform()}",
            f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
            f"- load average at start: {load} (the machine is shared: compare ratios, not absolute figures)"]


def run(title: str, module: str, args: list[str], timeout: float) -> tuple[str, float, int]:
    """Run `python -m module args`, echo its output live, return (output, seconds, exit code)."""
    print(f"\n=== {title}: python -m {module} {' '.join(args)}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
        if time.monotonic() > deadline:
            process.kill()
            lines.append(f"(stopped after {timeout:.0f} s)\n")
            break
    code = process.wait()
    return "".join(lines), time.perf_counter() - start, code


def benches_last_title(benches: list[tuple], key: str) -> str:
    """The title of the last benchmark of *key* (the "what limits it" text goes after it)."""
    return [title for k, title, *_ in benches if k == key][-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N everywhere (a first look, not the figures)")
    parser.add_argument("--report-tickets", type=int, help="tickets for the reports benchmark (default 1,000,000)")
    parser.add_argument("--lobby-clients", nargs="+", help="N for the lobby benchmark (default 200 1000)")
    parser.add_argument("--output", default=str(REPORT))
    parser.add_argument("--only", nargs="+", help="run only these groups (e.g. prefecture) and replace their part "
                                                  "of the report")
    args = parser.parse_args(argv)
    quick = args.quick
    report_tickets = args.report_tickets or (20_000 if quick else 1_000_000)
    lobby_clients = args.lobby_clients or (["50", "200"] if quick else ["200", "1000"])
    report_db = Path("/tmp") / f"onewindow-bench-{report_tickets}.db"

    benches = [
        ("issue", "Ticket issue over HTTP: 1 and 8 clients, the queue-length sweep, call-next, one process vs two",
         "bench.bench_issue", ["--quick"] if quick else [], 2400),
        *[("lobby", f"Call next → every /lobby screen has ticket_called ({n} screens, 1,000 waiting)",
           "bench.bench_lobby_latency", ["--clients", n, "--calls", "3" if quick else "10", "--waiting", "1000"], 1200)
          for n in lobby_clients],
        ("soak", "Soak: 1,000 lobby screens + 300 phones on one process, a call every second",
         "bench.bench_soak", ["--minutes", "1", "--lobbies", "200", "--phones", "60", "--settle", "20"] if quick
         else ["--minutes", "10"], 2400),
        ("report_load", f"Call next while a year-by-counter report over {report_tickets:,} tickets runs in a loop",
         "bench.bench_report_load", ["--db", str(report_db), "--tickets", str(report_tickets),
                                     "--calls", "50" if quick else "200"], 7200),
        ("reports", f"Reports over {report_tickets:,} tickets", "bench.bench_reports",
         ["--db", str(report_db), "--tickets", str(report_tickets)], 7200),
        ("voice", "Voice: call → WAV ready, cold and cached", "bench.bench_voice", ["--calls", "5" if quick else "20"],
         600),
        ("day", "A simulated day: 1,500 tickets, 8 hours, morning peak, 5 counters", "bench.bench_day", [], 1800),
        ("advisor", "Wait estimates against the waits: predictors on replayed days of the seed hall",
         "bench.bench_estimates", ["--days", "5", "--history-days", "20"] if quick else [], 3600),
        ("advisor", "Staffing advisor: the plan replayed on fresh days, one-window vs dedicated, a month simulated",
         "bench.bench_advisor", ["--days", "20", "--replay-days", "40"] if quick else [], 3600),
        ("remote", "A simulated day with 30 % remote tickets: 1,000 citizens, a quota of 750, 8 counters",
         "bench.bench_remote_day", ["--citizens", "400", "--quota", "300"] if quick else [], 900),
        ("devices", "Devices through a device agent: call → LED frame, ticket → printer bytes, fault → kiosk page",
         "bench.bench_devices", ["--count", "20", "--faults", "5"] if quick else [], 900),
        ("prefecture", "Prefecture ingest: 10 halls posting at once over HTTP into PostgreSQL",
         "bench.bench_region_ingest", ["--batches", "5" if quick else "30"], 1800),
        ("prefecture", "Prefecture reports over 100 halls × one year (≈ 20 million tickets)",
         "bench.bench_region_reports", ["--halls", "10", "--days", "60"] if quick else [], 3600),
        ("prefecture", "Prefecture faults: an hour's outage, kill -9 mid-batch, a hall restored from a backup",
         "bench.bench_region_faults", ["--events", "1000" if quick else "5000"], 1800),
    ]
    if args.only:
        benches = [b for b in benches if b[0] in args.only]
    started = datetime.now(timezone.utc)
    sections = []
    for key, title, module, bench_args, timeout in benches:
        # One process per N for the lobby: a failure at 1,000 clients keeps the figures for 50 and 500.
        output, seconds, code = run(title, module, bench_args, timeout)
        status = "" if code == 0 else f" (exit code {code}: the figures may be incomplete)"
        sections += [f"## {title}", "", f"`python -m {module} {' '.join(bench_args)}` — {seconds:.0f} s{status}", "",
                     "```", output.rstrip(), "```", ""]
        if title == benches_last_title(benches, key):
            sections += [f"**What limits it now.** {LIMITS[key]}", ""]

    if args.only:
        marker = f"<!-- run_all --only {' '.join(args.only)} -->"
        kept = Path(args.output).read_text(encoding="utf-8").split(marker)[0].rstrip() if Path(args.output).exists() \
            else "# Benchmarks"
        text = [kept, "", marker, "",
                f"The following part is one run of `python -m bench.run_all --only {' '.join(args.only)}"
                f"{' --quick' if quick else ''}`, started {started:%Y-%m-%d %H:%M} UTC, on:", "", *machine(), "",
                *sections]
    else:
        text = ["# Benchmarks", "",
                f"One run of `python -m bench.run_all{' --quick' if quick else ''}`, started "
                f"{started:%Y-%m-%d %H:%M} UTC. Written by `bench/run_all.py`: do not edit by hand, run it again.", "",
                "## Machine", "", *machine(), "", *sections]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text("\n".join(text), encoding="utf-8")
    print(f"\nwrote {args.output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
