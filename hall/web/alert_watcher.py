"""Pushes the live hall's alerts to /console when they change with time alone (a wait passing the target)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from ..periodic import PeriodicTask
from .context import HallContext
from .live import CONSOLE

logger = logging.getLogger(__name__)


class AlertWatcher:
    """Re-evaluates the alerts every *interval* seconds and emits `alerts` when the set changed."""

    def __init__(self, app: Flask, ctx: HallContext, build: Callable[[], dict[str, Any]],
                 interval: float = 5.0) -> None:
        self.app = app
        self.ctx = ctx
        self.build = build
        self.interval = interval
        self._last: tuple[str, ...] | None = None
        self._lock = threading.Lock()
        self._task = PeriodicTask("alert-watcher", interval, self.check_now)

    def start(self) -> None:
        self._task.start()

    def close(self) -> None:
        self._task.close()

    def check_now(self) -> list[dict[str, Any]]:
        """Compute the alerts now; emit them to the managers if they differ from the last ones sent."""
        with self._lock, self.app.app_context():
            alerts = self.build()["alerts"]
            keys = tuple(sorted(a["key"] for a in alerts))
            if keys != self._last and self.ctx.live is not None:
                self._last = keys
                self.ctx.live.push("alerts", {"alerts": alerts}, CONSOLE, "hall")
            return alerts
