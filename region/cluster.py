"""A private PostgreSQL cluster in a folder (initdb + pg_ctl): for tests, benchmarks and the demo.

Production uses a PostgreSQL server run by the operating system; this starts one of Debian's
binaries on 127.0.0.1 and a free port, as the ``postgres`` user when run as root (PostgreSQL
refuses to run as root).
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

import psycopg

logger = logging.getLogger(__name__)


class ClusterError(RuntimeError):
    """PostgreSQL's binaries are missing or the cluster would not start."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bin_dir() -> Path:
    """Where initdb and pg_ctl are (Debian keeps them under /usr/lib/postgresql/<version>/bin)."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise ClusterError("PostgreSQL is not installed: apt-get install postgresql (scripts/install.sh --test)")
    return Path(candidates[-1]).parent


class LocalCluster:
    """A PostgreSQL cluster in *directory*, listening on 127.0.0.1:*port*; start() and stop()."""

    def __init__(self, directory: Path, port: int | None = None, *, durable: bool = True) -> None:
        self.directory = Path(directory)
        self.data = self.directory / "data"
        self.port = port or free_port()
        self.durable = durable
        self.bin = bin_dir()
        self._user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        return subprocess.run(command, check=False, capture_output=True, text=True)

    def _own(self, path: Path) -> None:
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> LocalCluster:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._own(self.directory)
        if not (self.data / "PG_VERSION").exists():
            done = self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                             "-E", "UTF8", "--locale=C.UTF-8")
            if done.returncode:
                raise ClusterError(f"initdb failed: {done.stderr.strip()}")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory} -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        done = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"),
                         "-o", options, "-w", "-t", "60", "start")
        if done.returncode:
            log = (self.directory / "server.log").read_text(errors="replace")[-2000:]
            raise ClusterError(f"PostgreSQL did not start: {done.stderr.strip()}\n{log}")
        return self

    def create_database(self, name: str) -> str:
        """Create (or re-create) database *name*; returns its URL."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
