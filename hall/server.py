"""The production server: gunicorn with gevent workers, started by ``onewindow serve``.

Why gevent: Flask-SocketIO's threading mode gives every websocket its own threads (4,000 threads for
1,000 lobby screens, and screens dropped under load); gevent serves them all on one thread with one
greenlet each, and websockets come from simple-websocket. Work that would hold the one thread too long
(espeak-ng rendering, year-long reports, backups) runs on real OS threads (``hall.concurrency``).

Each worker process builds its own app after the fork (no SQLite connection crosses a fork), then starts
its background work (``hall.process.HallProcess``) — the live channel in every worker, the devices and
sweepers in the one elected owner. SIGTERM stops accepting connections, disconnects the websockets (screens
reconnect to another process), lets requests in flight finish, flushes print and speech queues and closes
the database.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.ggevent import GeventWorker

from .config import Config

logger = logging.getLogger(__name__)

#: Seconds a client has to send a request's headers, by default ([server] header_timeout_seconds).
HEADER_TIMEOUT = 10
#: Open connections per worker: lobby screens, counter panels, phones following their tickets.
WORKER_CONNECTIONS = 5000
GRACEFUL_TIMEOUT = 20


class HallWorker(GeventWorker):
    """gunicorn's gevent worker with a header timeout and a stop that does not wait for websockets."""

    def timeout_ctx(self) -> Any:
        """Reading a request's headers is bounded: a slow or half-open client is dropped (slowloris)."""
        import gevent

        return gevent.Timeout(getattr(self.cfg, "onewindow_header_timeout", None) or HEADER_TIMEOUT, False)

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        import gevent

        gevent.spawn(_disconnect_sockets)


def _disconnect_sockets() -> None:
    from .web.extensions import socketio

    server = getattr(socketio, "server", None)
    if server is not None:
        try:
            server.eio.disconnect()
        except Exception:  # stopping: the graceful timeout ends them anyway
            logger.exception("closing the websockets failed")


@dataclass
class ServeOptions:
    """What ``onewindow serve`` was asked for."""

    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    role: str = "auto"
    access_log: bool = False
    on_ready: Callable[[Any], None] | None = None  # called with the app in a worker before it serves
    extra: dict[str, Any] = field(default_factory=dict)


class HallServer(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured in code: ``HallServer(config, options).run()``."""

    def __init__(self, config: Config, options: ServeOptions) -> None:
        self.hall_config = config
        self.options = options
        self.processes: dict[int, Any] = {}
        super().__init__()

    def load_config(self) -> None:
        self.cfg.onewindow_header_timeout = self.hall_config.server.header_timeout_seconds
        settings = {
            "bind": [f"[{self.options.host}]:{self.options.port}" if ":" in self.options.host
                     else f"{self.options.host}:{self.options.port}"],
            "workers": self.options.workers,
            "worker_class": "hall.server.HallWorker",
            "worker_connections": WORKER_CONNECTIONS,
            "keepalive": 5,
            "graceful_timeout": GRACEFUL_TIMEOUT,
            "timeout": 60,
            "accesslog": "-" if self.options.access_log else None,
            "errorlog": "-",
            "loglevel": "info" if self.options.access_log else "warning",
            "proc_name": "onewindow",
            "post_worker_init": self._post_worker_init,
            "worker_exit": self._worker_exit,
            **self.options.extra,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from .web import create_app

        return create_app(self.hall_config)

    def _post_worker_init(self, worker: Any) -> None:
        from .process import HallProcess

        app = worker.wsgi
        process = HallProcess(app, role=self.options.role).start()
        app.extensions["onewindow_process"] = process
        if self.options.on_ready is not None:
            self.options.on_ready(app)

    def _worker_exit(self, arbiter: Any, worker: Any) -> None:
        app = getattr(worker, "wsgi", None)
        if app is None:
            return
        process = app.extensions.get("onewindow_process")
        if process is not None:
            process.close()
        app.extensions["onewindow"].close()
        logging.getLogger(__name__).info("worker %s stopped cleanly", worker.pid)


def serve(config: Config, options: ServeOptions) -> int:
    """Run the hall until SIGTERM or SIGINT."""
    HallServer(config, options).run()
    return 0


if __name__ == "__main__":  # pragma: no cover - `python -m hall.server` is `onewindow serve`
    from .cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
