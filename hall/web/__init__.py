"""The web layer: app factory, JSON API, live channel, managers' console."""

from .app import create_app

__all__ = ["create_app"]
