"""The WSGI entry point, for running the hall under a gunicorn of your own.

    gunicorn -c python:hall.gunicorn_conf hall.wsgi:application

``onewindow serve`` does the same in one command; use this when a site's own gunicorn setup (sockets,
logging, process manager) is wanted. The configuration file comes from ``ONEWINDOW_CONFIG`` (and
``ONEWINDOW_DB`` / ``ONEWINDOW_INSTANCE`` as in ``hall.config.load_config``). The background work of
each worker — the live channel, and the devices and sweepers in the elected owner — is started by the
hooks in ``hall.gunicorn_conf``, never at import.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import load_config
from .web import create_app

_config_file = os.environ.get("ONEWINDOW_CONFIG")
application = create_app(load_config(Path(_config_file) if _config_file else None))
