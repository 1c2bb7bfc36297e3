"""Storage: SQLite through sqlite-utils; all SQL of the hall lives in this package."""

from .db import Storage, open_storage

__all__ = ["Storage", "open_storage"]
