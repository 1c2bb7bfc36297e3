"""``onewindow agent --server URL --token TOKEN --config agent.toml``: run the device agent of this PC."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from importlib import metadata
from pathlib import Path

from hall.config import ConfigError

logger = logging.getLogger(__name__)


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``agent`` subcommand of ``onewindow``."""
    agent = sub.add_parser("agent", help="run the device agent of a kiosk or counter PC")
    agent.add_argument("--server", help="the hall server's address, e.g. http://10.0.0.2:5000")
    agent.add_argument("--token", help="the agent's device token (or [agent] token_file, ONEWINDOW_AGENT_TOKEN)")
    agent.add_argument("--config", required=True, help="agent.toml: the devices of this PC")
    agent.add_argument("--verbose", action="store_true", help="log every connection step")
    agent.set_defaults(func=run)


def _version() -> str:
    try:
        return metadata.version("onewindow")
    except metadata.PackageNotFoundError:
        return "dev"


def run(args: argparse.Namespace) -> int:
    # Imported here: `onewindow serve` builds the same parser and must not load the Socket.IO client first.
    from .client import AgentClient
    from .config import load_agent_config
    from .host import DeviceHost
    from .journal import PrintJournal

    for name in ("agent", "drivers", "hall"):  # python-escpos logs every port opening on the root logger
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        config = load_agent_config(Path(args.config), server=args.server, token=args.token)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    journal = PrintJournal(config.state_dir)
    client = AgentClient(config, lambda c: DeviceHost(config, c.send, journal), version=_version())

    def stop(signum: int, frame: object) -> None:
        logger.info("stopping (signal %d)", signum)
        client.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    devices = ", ".join(d.key for d in config.declarations())
    print(f"agent for {config.server}: {devices}", flush=True)
    try:
        client.run()
    finally:
        journal.close()
    return 0
