"""/lobby: public; calls and queue counts only — no personal data."""

from __future__ import annotations

from typing import Any

from flask_socketio import Namespace

from hall.snapshots import lobby_snapshot
from hall.web.context import hall


def _snapshot() -> dict[str, Any]:
    ctx = hall()
    return lobby_snapshot(ctx.service, ctx.config.hall.language)


class LobbyNamespace(Namespace):
    """Every lobby screen joins the hall room and gets a snapshot on (re)connect."""

    def on_connect(self, auth: Any = None) -> bool:
        self.on_snapshot_request()
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        ctx = hall()
        if ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", _snapshot)
