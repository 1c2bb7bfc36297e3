"""The prefecture's web side: the ingest and catalogue API for halls, the console for managers."""

from .app import create_app

__all__ = ["create_app"]
