"""The `onewindow` command: serve the hall, manage staff and devices, upgrade the database."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from .accounts import Accounts

logger = logging.getLogger(__name__)


def _config(args: argparse.Namespace) -> Config:
    """The configuration file, then the command line (whose paths are relative to the working directory)."""
    config = load_config(Path(args.config) if getattr(args, "config", None) else None)
    if getattr(args, "db", None):
        config = replace(config, db_path=Path(args.db).resolve())
    if getattr(args, "instance", None):
        config = replace(config, instance_path=Path(args.instance).resolve())
    elif getattr(args, "db", None) and not getattr(args, "config", None):
        config = replace(config, instance_path=Path(args.db).resolve().parent)
    if getattr(args, "message_queue", None):
        config = replace(config, message_queue=args.message_queue)
    return config


def _services(config: Config):
    from .accounts import Accounts
    from .domain.clock import SystemClock
    from .storage import open_storage

    storage = open_storage(config.database)
    return storage, Accounts(storage, SystemClock(), config.security)


def cmd_serve(args: argparse.Namespace) -> int:
    from .netaddr import public_base_for
    from .server import ServeOptions, serve

    config = _config(args)
    if not config.hall.public_url:
        # Phones must reach the addresses in QR codes: not 127.0.0.1, and never a request's Host header.
        public = public_base_for(args.host, args.port)
        config = replace(config, hall=replace(config.hall, public_url=public))
        print(f"public address {public} (phones open it from QR codes; set [hall] public_url to change it)",
              flush=True)
    if args.demo:
        _install_demo(config)
    if not (args.demo and _is_demo(config)) and _demo_passwords_refused(config):
        return 2
    workers = args.workers or config.server.workers
    role = args.role or config.server.role
    return serve(config, ServeOptions(host=args.host, port=args.port, workers=workers, role=role,
                                      access_log=args.verbose))


def _is_demo(config: Config) -> bool:
    from .demo import demo_hall

    return demo_hall(config.instance_path) is not None


def _demo_passwords_refused(config: Config) -> bool:
    storage, accounts = _services(config)
    try:
        return refuse_demo_passwords(accounts)
    finally:
        storage.close()


def _install_demo(config: Config) -> None:
    """Fill an empty database with the demo hall (in the master process, before any worker starts) and say how in."""
    from .demo import banner_lines, demo_hall, install_demo
    from .domain.clock import SystemClock

    storage, accounts = _services(config)
    try:
        install_demo(storage, accounts, SystemClock(), config.instance_path)
    finally:
        storage.close()
    lines = banner_lines(config.hall.public_url.rstrip("/"), config.hall.name, config.database,
                         demo_hall(config.instance_path))
    print("\n".join([*lines[:1], _hours_line(config), *lines[1:]]), flush=True)


def _hours_line(config: Config) -> str:
    """Whether the demo gives out tickets now, and when it opens next (a manager may open it early)."""
    import time

    from .hours import OpeningHours
    from .workdays import calendar_of

    hours: OpeningHours = config.service_hours
    if not hours.enforce:
        return "  service hours not enforced: tickets at any time ([service_hours] in the configuration)"
    opening = hours.opening(time.time(), config.hall.tz, calendar_of(config.hall))
    if opening.open:
        return f"  service hours {hours.display('en')}: tickets are given out now"
    following = opening.next_opening.strftime("%a %Y-%m-%d %H:%M") if opening.next_opening else "not known"
    return (f"  service hours {hours.display('en')}: closed now, next opening {following} "
            "(a manager can open early at /console/hours)")


def refuse_demo_passwords(accounts: "Accounts") -> bool:
    """True (after saying why and what to do) when a real hall still has an account with a demo password."""
    found = accounts.demo_passwords_in_use()
    if found:
        print(f"error: these accounts still have the published demo password: {', '.join(found)}.\n"
              "  A hall served without --demo must not: give each a new password with\n"
              "    onewindow staff add USERNAME --role ROLE --password-stdin\n"
              "  (or deactivate it in the console), then start again.", file=sys.stderr)
    return bool(found)


def cmd_staff_add(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    if not password:
        print("error: give the password on standard input with --password-stdin", file=sys.stderr)
        return 2
    storage, accounts = _services(_config(args))
    try:
        member = accounts.add_staff(args.username, password, args.role, display_name=args.name, counter=args.counter)
    finally:
        storage.close()
    print(f"staff {member.username}: roles {', '.join(sorted(member.roles))}"
          + (f", counter {member.counter}" if member.counter else ""))
    return 0


def cmd_device_add(args: argparse.Namespace) -> int:
    storage, accounts = _services(_config(args))
    try:
        device, token = accounts.add_device(args.kind, counter=args.counter, name=args.name or "", kiosk=args.kiosk)
    finally:
        storage.close()
    print(token)
    where = "".join(f", {label} {value}" for label, value in (("kiosk", device.kiosk), ("counter", device.counter))
                    if value)
    print(f"device {device.id} {device.name} ({device.kind}{where}): keep this token; it is shown only once",
          file=sys.stderr)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from .storage import Storage

    config = _config(args)
    storage = Storage(config.database)
    try:
        applied = storage.upgrade()
    finally:
        storage.close()
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from .backup import backup_database, backup_directory
    from .storage import Storage

    config = _config(args)
    if not config.database.exists():
        print(f"error: no database at {config.database}", file=sys.stderr)
        return 2
    storage = Storage(config.database)
    try:
        target = backup_database(storage, Path(args.to) if args.to else backup_directory(config),
                                 keep=args.keep if args.keep else None)
    finally:
        storage.close()
    print(target)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from .backup import check_database, restore_database

    config = _config(args)
    source = Path(args.backup)
    tickets = check_database(source)
    if not args.yes:
        print(f"error: this replaces {config.database} by {source} ({tickets} tickets); stop the server, "
              "then run again with --yes", file=sys.stderr)
        return 2
    kept = restore_database(source, config.database)
    print(f"restored {config.database} from {source} ({tickets} tickets)"
          + (f"; the previous database is kept as {kept}" if kept else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onewindow", description="OneWindow hall server and tools")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help="SQLite database file (default instance/onewindow.db)")
        p.add_argument("--config", help="TOML configuration file")
        p.add_argument("--instance", help="instance folder for the secret key, speech and print files")

    serve = sub.add_parser("serve", help="run the hall server")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--demo", action="store_true", help="fill an empty database with the demo hall")
    serve.add_argument("--message-queue", help="redis://… to share live events between server processes")
    serve.add_argument("--workers", type=int, default=None,
                       help="server processes (more than one needs --message-queue for instant updates)")
    serve.add_argument("--role", choices=["auto", "owner", "web"], default=None,
                       help="whether this server may own the devices, sweepers and backups (default: elected)")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.set_defaults(func=cmd_serve)

    staff = sub.add_parser("staff", help="manage staff").add_subparsers(dest="staff_command", required=True)
    add = staff.add_parser("add", help="add or update a member of staff")
    common(add)
    add.add_argument("username")
    add.add_argument("--role", action="append", required=True,
                     choices=["clerk", "backoffice", "manager", "admin"], help="repeat for several roles")
    add.add_argument("--counter", type=int)
    add.add_argument("--name", help="display name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=cmd_staff_add)

    device = sub.add_parser("device", help="manage devices").add_subparsers(dest="device_command", required=True)
    dev_add = device.add_parser("add", help="register a device and print its token")
    common(dev_add)
    dev_add.add_argument("kind", choices=["evaluator", "kiosk", "lobby", "counter_screen", "keypad", "printer",
                                          "agent"])
    dev_add.add_argument("--counter", type=int, help="the counter it belongs to (an agent: the only one it serves)")
    dev_add.add_argument("--kiosk", help="the kiosk it belongs to (an agent: the only one it serves)")
    dev_add.add_argument("--name", help="its name on the console (an agent: the PC's name)")
    dev_add.set_defaults(func=cmd_device_add)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    upgrade = db.add_parser("upgrade", help="apply pending migrations")
    common(upgrade)
    upgrade.set_defaults(func=cmd_db_upgrade)

    backup = sub.add_parser("backup", help="copy the database while the hall keeps working (SQLite backup API)")
    common(backup)
    backup.add_argument("--to", help="folder for the copy (default [backup] directory or <instance>/backups)")
    backup.add_argument("--keep", type=int, help="then delete all but the newest KEEP copies in that folder")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="replace the database by a backup (stop the server first)")
    common(restore)
    restore.add_argument("backup", help="the backup file to restore")
    restore.add_argument("--yes", action="store_true", help="really replace the database")
    restore.set_defaults(func=cmd_restore)

    from agent.cli import add_command as add_agent_command
    from region.cli import add_commands as add_region_commands

    add_agent_command(sub)
    add_region_commands(sub)
    from .advisor_cli import add_parser as add_advise_command

    add_advise_command(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .domain.errors import HallError
    from .files import private_process
    from .logfilter import protect_handlers

    args = build_parser().parse_args(argv)
    private_process()  # the database, backups, print files and WAVs this process makes are the hall's own
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    protect_handlers()  # no phone, ID number or ticket token in the log
    try:
        return args.func(args)
    except (ConfigError, HallError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
