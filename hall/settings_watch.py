"""The hall settings in force: the configuration file's [hall] overlaid with what managers saved.

Managers save settings in the database (``settings`` row ``hall_settings``); a trigger bumps the
``settings`` version in ``hall_versions`` on every change. Each process re-reads the saved settings
only when that version moved, and looks at the version at most every ``ttl`` seconds — so a change
made through one server process is in force in every process within that time, and at once in the
process that made it (``invalidate``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from .config import HallSettings
from .storage import Storage, repo

SAVED_KEY = "hall_settings"
#: Fields of HallSettings that managers may change at run time.
LIVE_FIELDS = ("name", "name_en", "day_start", "wait_target_minutes", "rating_window_seconds",
               "followup_working_days")


def settings_version(db: Any) -> int:
    row = db.execute("SELECT version FROM hall_versions WHERE name = 'settings'").fetchone()
    return int(row[0]) if row else 0


class SettingsWatch:
    """``current()`` gives the HallSettings in force; cheap enough to call on every use."""

    def __init__(self, storage: Storage, base: HallSettings, ttl: float = 1.0) -> None:
        self.storage = storage
        self.base = base
        self.ttl = ttl
        self._current = base
        self._version = -1
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def current(self) -> HallSettings:
        now = time.monotonic()
        if now - self._checked < self.ttl:
            return self._current
        with self._lock:
            if now - self._checked >= self.ttl:
                self._refresh()
                self._checked = now
        return self._current

    def invalidate(self) -> None:
        """Read the saved settings again on next use (this process just changed them)."""
        self._checked = float("-inf")

    def replace_base(self, base: HallSettings) -> None:
        """Use another configuration underneath the saved settings (tests, a reloaded file)."""
        with self._lock:
            self.base = base
            self._version = -1
        self.invalidate()

    def _refresh(self) -> None:
        with self.storage.read() as db:
            version = settings_version(db)
            if version == self._version:
                return
            saved = repo.get_setting(db, SAVED_KEY, {}) or {}
        changes = {name: saved[name] for name in LIVE_FIELDS if name in saved}
        self._current = replace(self.base, **changes)
        self._version = version
