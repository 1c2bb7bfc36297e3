"""/evaluator: a counter's evaluator device learns when a finished case awaits its rating."""

from __future__ import annotations

from typing import Any

from flask import session
from flask_socketio import Namespace

from hall.storage import repo
from hall.web.context import hall
from hall.web.live import counter_room
from hall.web.socket_auth import device_from_socket


def pending_rating(counter: int) -> dict[str, Any] | None:
    """The counter's latest finished case still inside its rating window and unrated, if any."""
    ctx = hall()
    now = ctx.service.clock.now()
    window = ctx.config.hall.rating_window_seconds
    with ctx.storage.read() as db:
        for ticket in reversed(repo.tickets_of_day(db, ctx.service.today(now), states=["finished"])):
            if ticket.counter != counter or ticket.finished_at is None:
                continue
            if ticket.finished_at + window < now or repo.rating(db, ticket.id) is not None:
                return None
            return {"ticket": ticket.id, "number": ticket.number, "counter": counter,
                    "window_seconds": window, "deadline": ticket.finished_at + window}
    return None


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
                                   lambda: {"counter": counter, "pending": pending_rating(counter)})
