"""/lobby and /screen: public; calls, queue counts and counters only — no personal data."""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, request
from flask_socketio import Namespace

from hall.checklist import checklists_of
from hall.snapshots import (
    citizen_screen_snapshot,
    counter_screen_snapshot,
    lobby_screen_snapshot,
)
from hall.storage import repo
from hall.web.context import hall
from hall.web.live import lobby_service_hours, screen_room

SCREEN_VIEWS = ("counter", "citizen")


def _lobby_snapshot() -> dict[str, Any]:
    ctx = hall()
    return lobby_screen_snapshot(ctx.service, ctx.config.hall.language, recent=ctx.config.lobby.recent_calls,
                                 service_hours=lobby_service_hours(ctx))


class LobbyNamespace(Namespace):
    """Every lobby screen joins the hall room and gets a snapshot on (re)connect."""

    def on_connect(self, auth: Any = None) -> bool:
        self.on_snapshot_request()
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        ctx = hall()
        if ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", _lobby_snapshot)


def _screen_of(auth: Any) -> tuple[str, int] | None:
    """("counter" | "citizen", counter number) from the connection's auth, or None if malformed."""
    if not isinstance(auth, dict) or auth.get("view") not in SCREEN_VIEWS:
        return None
    number = auth.get("counter")
    if isinstance(number, str) and number.isdigit():
        number = int(number)
    if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 10_000:
        return None
    return auth["view"], number


class ScreenNamespace(Namespace):
    """Counter screens and citizen-facing screens: one room per screen kind and counter."""

    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self._screens: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def on_connect(self, auth: Any = None) -> bool:
        screen = _screen_of(auth)
        if screen is None:
            return False
        with hall().storage.read() as db:
            if repo.counter(db, screen[1]) is None:
                return False
        with self._lock:
            self._screens[request.sid] = screen  # type: ignore[attr-defined]
        self.on_snapshot_request()
        return True

    def on_disconnect(self, reason: Any = None) -> None:
        with self._lock:
            self._screens.pop(request.sid, None)  # type: ignore[attr-defined]

    def on_snapshot_request(self, data: Any = None) -> None:
        ctx = hall()
        with self._lock:
            screen = self._screens.get(request.sid)  # type: ignore[attr-defined]
        if ctx.live is None or screen is None:
            return
        view, number = screen
        if view == "counter":
            ctx.live.send_snapshot(self.namespace, screen_room(view, number),
                                   lambda: counter_screen_snapshot(ctx.service, number))
        else:
            store = checklists_of(current_app.extensions)
            ctx.live.send_snapshot(self.namespace, screen_room(view, number),
                                   lambda: citizen_screen_snapshot(ctx.service, number, store))
