"""Running the prefecture: gunicorn worker processes, each with its own app and connection pool.

Processes keep nothing but the database in common (logins are sessions in PostgreSQL, one hall's
batches are ordered by a row lock), so as many as needed can run behind nginx, on one machine or many.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from .config import RegionConfig

logger = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, config: RegionConfig, options: dict[str, Any]) -> None:
        self.region_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        # Called in each worker after the fork: the pool is opened there, never shared across processes.
        from .web import create_app

        return create_app(self.region_config)


def serve(config: RegionConfig, *, host: str = "127.0.0.1", port: int = 5100, workers: int = 2, threads: int = 8,
          certfile: str | None = None, keyfile: str | None = None, access_log: bool = False) -> None:
    """Serve until stopped (SIGTERM/SIGINT); HTTPS when a certificate and key are given."""
    options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
               "certfile": certfile, "keyfile": keyfile, "accesslog": "-" if access_log else None,
               "timeout": 60, "graceful_timeout": 10, "preload_app": False,
               "limit_request_line": 8190,
               # Several prefecture servers may run on one machine: no shared ~/.gunicorn control socket.
               "control_socket_disable": True}
    _Gunicorn(config, options).run()
