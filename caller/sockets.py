"""/counter: the clerk's panel over WebSocket — actions with acknowledgements, live state per counter."""

from __future__ import annotations

from typing import Any

from flask import session
from flask_socketio import Namespace

from hall.accounts import COUNTER_ROLES
from hall.domain.errors import HallError
from hall.snapshots import counter_snapshot
from hall.storage import repo
from hall.web.context import hall
from hall.web.live import counter_room
from hall.web.socket_auth import staff_from_socket

ACTIONS = {"call-next", "call", "recall", "start", "finish", "no-show", "hold", "transfer", "pause", "resume"}


def _counter_of(auth: Any) -> int | None:
    value = auth.get("counter") if isinstance(auth, dict) else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class CounterNamespace(Namespace):
    """Staff only: each connection joins its counter's room; two panels on one counter stay in sync."""

    def on_connect(self, auth: Any = None) -> Any:
        member = staff_from_socket(auth)
        number = _counter_of(auth)
        if member is None or not member.has_any(COUNTER_ROLES) or number is None:
            return False
        ctx = hall()
        with ctx.storage.read() as db:
            if repo.counter(db, number) is None:
                return False
        session["counter"] = number
        self.on_snapshot_request()
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        ctx = hall()
        number = session.get("counter")
        if number is not None and ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, counter_room(number),
                                   lambda: counter_snapshot(ctx.service, number, ctx.config.hall.language))

    def on_action(self, data: Any = None) -> dict[str, Any]:
        """{"action": "call-next", …} → the result, or {"error", "message"}; the server checks every rule."""
        from hall.web.api import run_counter_action

        member = staff_from_socket(None)
        number = session.get("counter")
        if member is None or not member.has_any(COUNTER_ROLES) or number is None:
            return {"error": "not_authorised", "message": "log in as a clerk first"}
        if not isinstance(data, dict) or data.get("action") not in ACTIONS:
            return {"error": "invalid_input", "message": f"action must be one of {', '.join(sorted(ACTIONS))}"}
        try:
            return run_counter_action(number, data["action"], {k: v for k, v in data.items() if k != "action"})
        except HallError as exc:
            return {"error": exc.code, "message": exc.message}
