"""/lobby and /screen: public; calls, queue counts and counters only — no personal data.

What a public screen may ask for is rate-limited per connection (``LiveChannel.send_snapshot``): one
screen flooding ``snapshot_request`` gets a few snapshots, then one a second.
"""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_socketio import Namespace

from hall.snapshots import citizen_screen_snapshot, counter_screen_snapshot, lobby_snapshot
from hall.storage import repo
from hall.web.context import hall
from hall.web.live import lobby_service_hours, screen_room

SCREEN_VIEWS = ("counter", "citizen")


def lobby_state() -> dict[str, Any]:
    ctx = hall()
    assert ctx.live is not None
    return lobby_snapshot(ctx.service, ctx.live.board, ctx.config.hall.language, recent=ctx.config.lobby.recent_calls,
                          service_hours=lobby_service_hours(ctx))


class _Public(Namespace):
    def on_disconnect(self, reason: Any = None) -> None:
        live = hall().live
        if live is not None:
            live.forget(self.namespace, request.sid)  # type: ignore[attr-defined]


class LobbyNamespace(_Public):
    """Every lobby screen joins the hall room and gets a snapshot on (re)connect."""

    def on_connect(self, auth: Any = None) -> bool:
        ctx = hall()
        if ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", lobby_state, limited=False)
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        ctx = hall()
        if ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", lobby_state)


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


class ScreenNamespace(_Public):
    """Counter screens and citizen-facing screens: one room per screen kind and counter."""

    def on_connect(self, auth: Any = None) -> bool:
        screen = _screen_of(auth)
        if screen is None:
            return False
        with hall().storage.read() as db:
            if repo.counter(db, screen[1]) is None:
                return False
        session["screen"] = list(screen)
        self._snapshot(limited=False)
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        self._snapshot(limited=True)

    def _snapshot(self, *, limited: bool) -> None:
        ctx = hall()
        screen = session.get("screen")
        if ctx.live is None or not screen:
            return
        view, number = screen
        build = ((lambda: counter_screen_snapshot(ctx.service, number)) if view == "counter"
                 else (lambda: citizen_screen_snapshot(ctx.service, number)))
        ctx.live.send_snapshot(self.namespace, screen_room(view, number), build, limited=limited)
