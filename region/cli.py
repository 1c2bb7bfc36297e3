"""`onewindow region …`: serve the prefecture, migrate its database, register halls and users, export ratings,
and ship a hall's log (`onewindow region ship`) where the hall's own server does not yet run the sender."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DB_ENV = "ONEWINDOW_REGION_DB"


def _db_url(args: argparse.Namespace) -> str:
    url = args.db or os.environ.get(DB_ENV)
    if not url:
        raise SystemExit(f"error: give --db postgresql://… (or set {DB_ENV})")
    return str(url)


@contextmanager
def _opened(args: argparse.Namespace) -> Iterator[Any]:
    """The prefecture's services over --db, closed at the end of the block."""
    from .config import RegionConfig
    from .web.context import RegionContext

    ctx = RegionContext.open(RegionConfig(db_url=_db_url(args), pool_size=2).validate())
    try:
        yield ctx
    finally:
        ctx.close()


def cmd_serve(args: argparse.Namespace) -> int:
    from .config import RegionConfig
    from .server import serve

    config = RegionConfig(db_url=_db_url(args), stale_seconds=args.stale_seconds,
                          target_minutes=args.target_minutes).validate()
    if args.upgrade:
        from .db import upgrade

        upgrade(config.db_url)
    serve(config, host=args.host, port=args.port, workers=args.workers, threads=args.threads,
          certfile=args.certfile, keyfile=args.keyfile, access_log=args.verbose)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from .db import current_revision, upgrade

    url = _db_url(args)
    before = current_revision(url)
    upgrade(url)
    after = current_revision(url)
    print(f"prefecture schema: {before or 'empty'} → {after}" if before != after else f"up to date ({after})")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else ""
    if not password:
        print("error: give the password on standard input with --password-stdin", file=sys.stderr)
        return 2
    with _opened(args) as ctx:
        user = ctx.accounts.add_user(args.username, password, args.role, display_name=args.name or "")
    print(f"user {user.username}: roles {', '.join(sorted(user.roles))}")
    return 0


def cmd_hall_add(args: argparse.Namespace) -> int:
    with _opened(args) as ctx:
        hall, token = ctx.halls.register(args.code, args.name, agency_code=args.agency_code,
                                         agency_name=args.agency_name or "", region_code=args.region_code,
                                         department_code=args.department_code or "", name_en=args.name_en or "")
    print(token)
    print(f"hall {hall['code']} registered; put this token in the hall's [prefecture] token (shown only once)",
          file=sys.stderr)
    return 0


def cmd_hall_token(args: argparse.Namespace) -> int:
    with _opened(args) as ctx:
        print(ctx.halls.new_token(args.code))
    return 0


def cmd_hall_clear(args: argparse.Namespace) -> int:
    with _opened(args) as ctx:
        ctx.halls.clear_divergence(args.code)
    print(f"hall {args.code}: divergence mark cleared")
    return 0


def cmd_catalogue_publish(args: argparse.Namespace) -> int:
    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"error: {args.file} is not a readable JSON catalogue document: {exc}", file=sys.stderr)
        return 2
    with _opened(args) as ctx:
        version = ctx.catalogue.publish(document, "cli", args.note or "")
    print(f"catalogue standard version {version} published")
    return 0


def cmd_ratings_export(args: argparse.Namespace) -> int:
    from .ratings_export import as_csv, as_jsonl, ratings_of_days

    with _opened(args) as ctx:
        found = ratings_of_days(ctx.db, date.fromisoformat(args.day_from), date.fromisoformat(args.day_to),
                                hall=args.hall)
    text = as_jsonl(found["records"]) if args.format == "jsonl" else as_csv(found["records"])
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(f"{len(found['records'])} ratings exported, {len(found['held'])} held back (chain problems)",
          file=sys.stderr)
    return 0


def cmd_ratings_send(args: argparse.Namespace) -> int:
    from .ratings_export import make_sender, send_pending

    with _opened(args) as ctx:
        result = send_pending(ctx.db, make_sender(args.url, args.token or os.environ.get("ONEWINDOW_HCP_TOKEN", "")))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if "error" not in result else 1


def cmd_check_rollups(args: argparse.Namespace) -> int:
    from .reports import check_rollups
    from .store import halls as hall_store

    bad = 0
    with _opened(args) as ctx:
        with ctx.db.transaction() as conn:
            halls = hall_store.all_halls(conn)
        for n, hall in enumerate(halls, 1):
            problems = check_rollups(ctx.db, hall["id"])
            bad += len(problems)
            print(f"[{n}/{len(halls)}] {hall['code']}: " + ("rollups equal the events" if not problems else
                                                              f"{len(problems)} difference(s)"), flush=True)
            for line in problems[:20]:
                print("   ", line)
    return 1 if bad else 0


def cmd_ship(args: argparse.Namespace) -> int:
    """Run a hall's prefecture sender on its database (the hall server may keep running)."""
    from hall.catalogue_sync import apply_version
    from hall.config import load_config
    from hall.domain.clock import SystemClock
    from hall.outbox import Outbox
    from hall.storage import open_storage

    config = load_config(Path(args.config) if args.config else None)
    if args.db:
        from dataclasses import replace

        config = replace(config, db_path=Path(args.db))
    settings = config.prefecture
    if os.environ.get("ONEWINDOW_PREFECTURE_TOKEN") and not settings.token:
        from dataclasses import replace

        settings = replace(settings, token=os.environ["ONEWINDOW_PREFECTURE_TOKEN"])
    storage = open_storage(config.db_path)
    clock = SystemClock()
    outbox = Outbox(storage, settings, config.hall, clock,
                    apply_catalogue=lambda document: apply_version(storage, document, clock))
    try:
        if args.once:
            while True:
                result = outbox.run_once()
                print(f"{result.status}: sent {result.sent}, acknowledged {result.acknowledged}, "
                      f"backlog {result.backlog} {result.message}".rstrip(), flush=True)
                if result.status != "shipped" or result.backlog == 0:
                    return 0 if result.status in ("shipped", "idle") else 1
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        outbox.start()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        outbox.close()
        storage.close()


def _guarded(command: Any) -> Any:
    """Print the prefecture's errors as one line and exit 2, like the hall's commands."""
    def run(args: argparse.Namespace) -> int:
        from .errors import RegionError

        try:
            return int(command(args))
        except RegionError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
    return run


def add_commands(sub: Any) -> None:
    """Register `onewindow region …` on the hall's command-line parser."""
    region = sub.add_parser("region", help="the prefecture server (PostgreSQL) and a hall's sender")
    cmds = region.add_subparsers(dest="region_command", required=True)

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help=f"postgresql://… URL of the prefecture database (or {DB_ENV})")

    serve = cmds.add_parser("serve", help="run the prefecture server (gunicorn; run several behind nginx)")
    db_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5100)
    serve.add_argument("--workers", type=int, default=2, help="worker processes")
    serve.add_argument("--threads", type=int, default=8, help="threads per worker")
    serve.add_argument("--certfile", help="TLS certificate (HTTPS); or terminate TLS at nginx")
    serve.add_argument("--keyfile", help="TLS private key")
    serve.add_argument("--stale-seconds", type=int, default=120)
    serve.add_argument("--target-minutes", type=int, default=15, help="the prefecture's waiting target")
    serve.add_argument("--upgrade", action="store_true", help="migrate the schema before serving")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.set_defaults(func=_guarded(cmd_serve))

    dbc = cmds.add_parser("db", help="schema migrations (Alembic)").add_subparsers(dest="region_db", required=True)
    up = dbc.add_parser("upgrade", help="bring the prefecture schema up to date")
    db_option(up)
    up.set_defaults(func=_guarded(cmd_db_upgrade))

    user = cmds.add_parser("user", help="prefecture console users").add_subparsers(dest="region_user",
                                                                                  required=True)
    user_add = user.add_parser("add", help="add or update a user")
    db_option(user_add)
    user_add.add_argument("username")
    user_add.add_argument("--role", action="append", required=True, choices=["admin", "manager"])
    user_add.add_argument("--name")
    user_add.add_argument("--password-stdin", action="store_true")
    user_add.set_defaults(func=_guarded(cmd_user_add))

    hall = cmds.add_parser("hall", help="halls of the prefecture").add_subparsers(dest="region_hall", required=True)
    hall_add = hall.add_parser("add", help="register a hall and print its token")
    db_option(hall_add)
    hall_add.add_argument("code")
    hall_add.add_argument("--name", required=True)
    hall_add.add_argument("--name-en")
    hall_add.add_argument("--agency-code", required=True)
    hall_add.add_argument("--agency-name")
    hall_add.add_argument("--region-code", required=True, help="区划编码, e.g. 522301")
    hall_add.add_argument("--department-code")
    hall_add.set_defaults(func=_guarded(cmd_hall_add))
    token = hall.add_parser("token", help="issue a new token for a hall (the old one stops working)")
    db_option(token)
    token.add_argument("code")
    token.set_defaults(func=_guarded(cmd_hall_token))
    clear = hall.add_parser("clear-divergence", help="clear a hall's 'log diverged' mark after it was resolved")
    db_option(clear)
    clear.add_argument("code")
    clear.set_defaults(func=_guarded(cmd_hall_clear))

    catalogue = cmds.add_parser("catalogue", help="the catalogue standard").add_subparsers(dest="region_cat",
                                                                                          required=True)
    publish = catalogue.add_parser("publish", help="publish a catalogue document as the next version")
    db_option(publish)
    publish.add_argument("file")
    publish.add_argument("--note")
    publish.set_defaults(func=_guarded(cmd_catalogue_publish))

    ratings = cmds.add_parser("ratings", help="the 好差评 export").add_subparsers(dest="region_ratings",
                                                                                 required=True)
    export = ratings.add_parser("export", help="write the ratings of a range of days as JSON Lines or CSV")
    db_option(export)
    export.add_argument("--from", dest="day_from", required=True)
    export.add_argument("--to", dest="day_to", required=True)
    export.add_argument("--hall")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--out")
    export.set_defaults(func=_guarded(cmd_ratings_export))
    send = ratings.add_parser("send", help="send ratings not sent yet to the provincial endpoint")
    db_option(send)
    send.add_argument("--url", required=True, help="https://… (JSON Lines POST) or file:///folder")
    send.add_argument("--token")
    send.set_defaults(func=_guarded(cmd_ratings_send))

    check = cmds.add_parser("check-rollups", help="compare every hall's rollups with a recomputation from events")
    db_option(check)
    check.set_defaults(func=_guarded(cmd_check_rollups))

    ship = cmds.add_parser("ship", help="ship a hall's event log to the prefecture ([prefecture] in the config)")
    ship.add_argument("--config", help="the hall's TOML configuration with its [prefecture] section")
    ship.add_argument("--db", help="the hall's SQLite database")
    ship.add_argument("--once", action="store_true", help="ship what is there, then stop")
    ship.set_defaults(func=_guarded(cmd_ship))
