"""Pushes the live hall's alerts to /console when they change with time alone (a wait passing the target)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from .context import HallContext
from .live import CONSOLE

logger = logging.getLogger(__name__)


class AlertWatcher:
    """Re-evaluates the alerts every *interval* seconds and emits `alerts` when the set changed."""

    def __init__(self, app: Flask, ctx: HallContext, build: Callable[[], dict[str, Any]], interval: float = 5.0) -> None:
        self.app = app
        self.ctx = ctx
        self.build = build
        self.interval = interval
        self._last: tuple[str, ...] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="alert-watcher", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_now()
            except Exception:
                logger.exception("alert check failed")

    def check_now(self) -> list[dict[str, Any]]:
        """Compute the alerts now; emit them to the managers if they differ from the last ones sent."""
        with self._lock, self.app.app_context():
            alerts = self.build()["alerts"]
            keys = tuple(sorted(a["key"] for a in alerts))
            if keys != self._last and self.ctx.live is not None:
                self._last = keys
                self.ctx.live.push("alerts", {"alerts": alerts}, CONSOLE, "hall")
            return alerts
