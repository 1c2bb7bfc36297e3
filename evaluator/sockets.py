"""/evaluator: a counter's evaluator device learns when a finished case awaits its rating."""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_socketio import Namespace

from hall.web.context import hall
from hall.web.live import counter_room
from hall.web.socket_auth import device_from_socket


class EvaluatorNamespace(Namespace):
    """Only registered evaluator devices; each joins its counter's room."""

    def on_connect(self, auth: Any = None) -> bool:
        device = device_from_socket(auth)
        if device is None or device.kind != "evaluator" or device.counter is None:
            return False
        session["evaluator_counter"] = device.counter
        self.on_snapshot_request()
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        ctx = hall()
        counter = session.get("evaluator_counter")
        if counter is not None and ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, counter_room(counter),
                                   lambda: {"counter": counter, "pending": ctx.service.pending_rating(counter)},
                                   limited=False)

    def on_disconnect(self, reason: Any = None) -> None:
        live = hall().live
        if live is not None:
            live.forget(self.namespace, request.sid)  # type: ignore[attr-defined]
