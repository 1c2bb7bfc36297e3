"""gunicorn settings for ``hall.wsgi:application`` (``gunicorn -c python:hall.gunicorn_conf hall.wsgi:application``).

The same worker class, limits and hooks ``onewindow serve`` uses (``hall.server``); bind, workers and
logging can be overridden on gunicorn's command line.
"""

from __future__ import annotations

import os
from typing import Any

from hall.server import GRACEFUL_TIMEOUT, WORKER_CONNECTIONS

bind = os.environ.get("ONEWINDOW_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("ONEWINDOW_WORKERS", "1"))
worker_class = "hall.server.HallWorker"
worker_connections = WORKER_CONNECTIONS
keepalive = 5
graceful_timeout = GRACEFUL_TIMEOUT
timeout = 60
proc_name = "onewindow"


def post_worker_init(worker: Any) -> None:
    """Start this worker's background work (the live channel; the devices if it is elected owner)."""
    from hall.process import HallProcess

    app = worker.wsgi
    app.extensions["onewindow_process"] = HallProcess(app, role=os.environ.get("ONEWINDOW_ROLE", "auto")).start()


def worker_exit(server: Any, worker: Any) -> None:
    """Flush print and speech queues and close the database when a worker stops (SIGTERM)."""
    app = getattr(worker, "wsgi", None)
    if app is not None:
        process = app.extensions.get("onewindow_process")
        if process is not None:
            process.close()
        app.extensions["onewindow"].close()
