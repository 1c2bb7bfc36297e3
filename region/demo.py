"""A demo prefecture: a private PostgreSQL cluster, the prefecture server and three demo halls shipping to it.

    python -m region.demo [--instance instance/prefecture] [--port 5100]

Each hall is a real `onewindow serve --demo` on its own SQLite file with a [prefecture] section; its
sender runs as `onewindow region ship`; a little simulated traffic (tickets issued, called, served and
rated every few seconds) keeps the prefecture's view moving. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from hall.demo import catalogue_document

from . import db as region_db
from .cluster import LocalCluster
from .config import RegionConfig
from .web.context import RegionContext

logger = logging.getLogger(__name__)

HALLS = (
    # code, name, agency code, agency name, region code (区划编码)
    ("QDN-ZB", "州政务服务中心社保大厅", "QDN00", "州社会保险事业局", "522600"),
    ("QDN-KL", "凯里市社保综合服务大厅", "QDN01", "凯里市社会保险事业局", "522601"),
    ("QDN-HP", "黄平县社保经办大厅", "QDN02", "黄平县社会保险事业局", "522622"),
)
ADMIN = ("admin", "prefecture-demo")
MANAGER = ("manager", "prefecture-demo")


def standard_document() -> dict:
    """The demo catalogue as the prefecture's standard: every item with a national item code and version."""
    document = catalogue_document()
    items = [dict(item, item_code=f"115226000{n:05d}", item_version="2026.1")
             for n, item in enumerate(document["items"], 1)]
    return {"categories": document["categories"], "items": items, "bundles": document["bundles"]}


def _hall_config(directory: Path, code: str, token: str, url: str) -> Path:
    path = directory / f"{code}.toml"
    path.write_text(
        "[hall]\n"
        f'name = "{next(h[1] for h in HALLS if h[0] == code)}"\n\n'
        "[prefecture]\n"
        f'url = "{url}"\ntoken = "{token}"\nhall_code = "{code}"\nregion_code = '
        f'"{next(h[4] for h in HALLS if h[0] == code)}"\ndepartment_code = "11522600MB0000000X"\n'
        "interval_seconds = 5\n", encoding="utf-8")
    return path


def _traffic(db_path: Path, stop: threading.Event, seed: int) -> None:
    """Citizens at a demo hall: a ticket every few seconds, served and rated at one of its counters."""
    from hall.config import HallSettings
    from hall.domain.clock import SystemClock
    from hall.domain.errors import HallError
    from hall.domain.events import EventBus
    from hall.domain.routing import make_policy
    from hall.service import HallService
    from hall.storage import open_storage

    rng = random.Random(seed)
    while not db_path.exists() and not stop.wait(0.5):
        pass
    storage = open_storage(db_path)
    service = HallService(storage, HallSettings(), make_policy("one-window", 1800), SystemClock(), EventBus())
    items = ["A01", "B01", "B02", "C01", "D01", "E01", "E02", "F01"]
    try:
        waiting = 0
        while not stop.wait(rng.uniform(2, 6)):
            try:
                service.issue_ticket(service=rng.choice(items))
                waiting += 1
                if waiting < 12 and rng.random() < 0.5:
                    continue  # a queue builds up and drains: the prefecture shows it live
                counter = rng.randint(1, 3)
                called = service.call_next(counter, f"clerk{counter}")
                if called is not None:
                    waiting -= 1
                    service.start(counter, f"clerk{counter}")
                    finished = service.finish(counter, f"clerk{counter}")
                    with storage.read() as db:
                        device = db.execute("SELECT id FROM devices WHERE kind = 'evaluator' AND counter = ?",
                                            [counter]).fetchone()
                    if device is not None and rng.random() < 0.8:
                        service.rate(finished.id, rng.choice([5, 5, 5, 4, 4, 3, 2]), device_id=device[0],
                                     device_counter=counter)
            except HallError as exc:
                logger.info("demo traffic: %s", exc)
    finally:
        storage.close()


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            try:
                process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
    raise RuntimeError(f"the demo hall on port {port} did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="instance/prefecture")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5100)
    parser.add_argument("--no-traffic", action="store_true", help="no simulated citizens")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    directory = Path(args.instance).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    cluster = LocalCluster(directory / "pg", port=args.port + 32)
    cluster.start()
    processes: list[subprocess.Popen] = []
    stop = threading.Event()
    try:
        url = cluster.database_url("prefecture")
        fresh = not (directory / "halls.json").exists()
        if fresh:
            cluster.create_database("prefecture")
        region_db.upgrade(url)
        base = f"http://{args.host}:{args.port}"
        if fresh:
            ctx = RegionContext.open(RegionConfig(db_url=url, pool_size=1))
            try:
                ctx.accounts.add_user(ADMIN[0], ADMIN[1], ["admin", "manager"], "州平台管理员", actor="demo")
                ctx.accounts.add_user(MANAGER[0], MANAGER[1], ["manager"], "州社保局", actor="demo")
                ctx.catalogue.publish(standard_document(), "demo", "演示事项目录")
                tokens = {code: ctx.halls.register(code, name, agency_code=agency, agency_name=agency_name,
                                                   region_code=region, department_code="11522600MB0000000X",
                                                   actor="demo")[1]
                          for code, name, agency, agency_name, region in HALLS}
            finally:
                ctx.close()
            (directory / "halls.json").write_text(json.dumps(tokens), encoding="utf-8")
            (directory / "halls.json").chmod(0o600)
        tokens = json.loads((directory / "halls.json").read_text(encoding="utf-8"))
        python = sys.executable
        processes.append(subprocess.Popen([python, "-m", "hall.cli", "region", "serve", "--db", url, "--host",
                                           args.host, "--port", str(args.port), "--workers", "2"]))
        lines = [f"OneWindow demo prefecture: {base}/   (log in as {ADMIN[0]} / {ADMIN[1]}, "
                 f"or {MANAGER[0]} / {MANAGER[1]})", f"  database  {url}"]
        for n, (code, name, *_rest) in enumerate(HALLS, 1):
            hall_dir = directory / code
            hall_dir.mkdir(exist_ok=True)
            config = _hall_config(directory, code, tokens[code], f"http://127.0.0.1:{args.port}")
            port = args.port + n
            processes.append(subprocess.Popen([python, "-m", "hall.cli", "serve", "--demo", "--config", str(config),
                                               "--db", str(hall_dir / "hall.db"), "--instance", str(hall_dir),
                                               "--host", args.host, "--port", str(port)],
                                              stdout=subprocess.DEVNULL))
            _wait_for_port(port, processes[-1])  # the hall has migrated and installed its demo data
            processes.append(subprocess.Popen([python, "-m", "hall.cli", "region", "ship", "--config", str(config),
                                               "--db", str(hall_dir / "hall.db")]))
            if not args.no_traffic:
                threading.Thread(target=_traffic, args=(hall_dir / "hall.db", stop, n), daemon=True).start()
            lines.append(f"  hall {code} {name}: http://{args.host}:{port}/console  (manager / manager-demo)")
        print("\n".join(lines), flush=True)
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        stop.set()
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
