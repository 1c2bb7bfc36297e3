"""The live channel: forwards bus events to Socket.IO rooms with sequence numbers.

Every message carries ``seq`` (per namespace and room) and ``epoch`` (per server
process). A client that sees a gap or a new epoch asks for a ``snapshot``; every
connect starts with one. Emission runs on its own worker so a request that
changed the hall never waits for a thousand sockets.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio import SocketIO, join_room

from ..domain import events as ev
from ..checklist import checklists_of
from ..snapshots import citizen_screen_snapshot, counter_screen_snapshot, counter_snapshot, lobby_screen_snapshot
from ..storage import repo
from .context import HallContext

logger = logging.getLogger(__name__)

LOBBY = "/lobby"
COUNTER = "/counter"
EVALUATOR = "/evaluator"
STATUS = "/status"
CONSOLE = "/console"
SCREEN = "/screen"

_CALLS = (ev.TicketCalled, ev.TicketRecalled)


def counter_room(number: int) -> str:
    return f"counter-{number}"


def ticket_room(ticket_id: int) -> str:
    return f"ticket-{ticket_id}"


def screen_room(view: str, number: int) -> str:
    """The /screen room of one counter's "counter" (above the window) or "citizen" (facing the citizen) screen."""
    return f"{view}-{number}"


class LiveChannel:
    """Turns hall events into Socket.IO messages; owns the sequence numbers."""

    def __init__(self, socketio: SocketIO, app: Flask, ctx: HallContext) -> None:
        self.socketio = socketio
        self.app = app
        self.ctx = ctx
        self.epoch = secrets.token_hex(4)
        self._seq: dict[tuple[str, str], int] = defaultdict(int)
        self.lock = threading.RLock()
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    # ---- life cycle ------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-channel", daemon=True)
        self._thread.start()
        self.ctx.bus.subscribe(self.on_event)
        self.ctx.devices.subscribe(self.on_device_status)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                with self.app.app_context():
                    job()
            except Exception:
                logger.exception("live channel job failed")

    def wait_idle(self) -> None:
        """Block until every queued emission has gone out (for tests and benchmarks)."""
        done = threading.Event()
        self._queue.put(done.set)
        done.wait(timeout=10)

    # ---- emission ------------------------------------------------------------------------

    def emit(self, event: str, payload: dict[str, Any], namespace: str, room: str) -> None:
        with self.lock:
            self._seq[(namespace, room)] += 1
            message = {**payload, "seq": self._seq[(namespace, room)], "epoch": self.epoch}
            self.socketio.emit(event, message, namespace=namespace, to=room)

    def push(self, event: str, payload: dict[str, Any], namespace: str, room: str) -> None:
        """Queue one message for *room*; returns at once (for modules outside the bus, e.g. follow-ups)."""
        self._queue.put(lambda: self.emit(event, payload, namespace, room))

    def emit_later(self, event: str, payload: dict[str, Any], namespace: str, room: str) -> None:
        """Queue one message for the emission worker (from threads that are not request handlers)."""
        self._queue.put(lambda: self.emit(event, payload, namespace, room))

    def send_snapshot(self, namespace: str, room: str, build: Callable[[], dict[str, Any]]) -> None:
        """Join *room* and send a full snapshot, atomically with respect to emit()."""
        with self.lock:
            join_room(room, namespace=namespace)
            data = build()
            message = {**data, "seq": self._seq[(namespace, room)], "epoch": self.epoch}
            self.socketio.emit("snapshot", message, namespace=namespace, to=_request_sid())

    # ---- bus -> rooms ----------------------------------------------------------------------

    def on_event(self, event: ev.HallEvent) -> None:
        self._queue.put(lambda: self._dispatch(event))

    def on_device_status(self, device: str, status: dict[str, Any]) -> None:
        self._queue.put(lambda: self.emit("device_status", status, CONSOLE, "hall"))

    def refresh_screens(self, number: int) -> None:
        """Queue fresh states for counter *number*'s counter screen and citizen-facing screen."""
        self._queue.put(lambda: self._emit_screens(number))

    def _emit_screens(self, number: int) -> None:
        self.emit("counter_screen", counter_screen_snapshot(self.ctx.service, number), SCREEN,
                  screen_room("counter", number))
        self.emit("citizen_screen", citizen_screen_snapshot(self.ctx.service, number, checklists_of(self.app.extensions)),
                  SCREEN, screen_room("citizen", number))

    def _dispatch(self, event: ev.HallEvent) -> None:
        ctx = self.ctx
        lang = ctx.config.hall.language
        ticket = event.ticket or {}
        if isinstance(event, _CALLS) and event.counter is not None:
            key = ctx.devices.announce(ticket.get("number", ""), event.counter)
            self.emit("ticket_called", {
                "number": ticket.get("number"), "counter": event.counter, "recall": isinstance(event, ev.TicketRecalled),
                "recall_count": ticket.get("recall_count", 0), "at": event.at,
                "audio_url": f"/speech/{key}.wav" if key else None,
            }, LOBBY, "hall")
        if event.counter is not None:
            self._emit_screens(event.counter)
        if isinstance(event, (ev.RatingRecorded, ev.RatingExpired)):
            if event.counter is not None:
                self.emit("rating_closed", {"ticket": ticket.get("id"), "number": ticket.get("number"),
                                            "score": event.data.get("score")}, EVALUATOR, counter_room(event.counter))
            self.emit("hall_changed", {"event": event.name}, CONSOLE, "hall")
            return
        if isinstance(event, ev.CaseFinished) and event.counter is not None:
            window = ctx.config.hall.rating_window_seconds
            self.emit("rate_request", {"ticket": ticket.get("id"), "number": ticket.get("number"),
                                       "counter": event.counter, "window_seconds": window,
                                       "deadline": event.at + window}, EVALUATOR, counter_room(event.counter))
        if ticket.get("id") is not None:
            self.emit("ticket_update", {"ticket": ticket, "event": event.name}, STATUS, ticket_room(ticket["id"]))
        self.emit("hall_changed", {"event": event.name}, STATUS, "hall")
        self.emit("queues", lobby_screen_snapshot(ctx.service, lang, recent=ctx.config.lobby.recent_calls,
                                                  service_hours=lobby_service_hours(ctx)), LOBBY, "hall")
        self.emit("hall_changed", {"event": event.name}, CONSOLE, "hall")
        with ctx.storage.read() as db:
            numbers = [c.number for c in repo.counters(db)]
        for number in numbers:
            self.emit("counter_state", counter_snapshot(ctx.service, number, lang), COUNTER, counter_room(number))


def lobby_service_hours(ctx: HallContext) -> dict[str, str]:
    """The configured service hours, used when managers have not set the `service_hours` setting."""
    return {"zh": ctx.config.lobby.service_hours, "en": ctx.config.lobby.service_hours_en}


def _request_sid() -> str:
    from flask import request

    return request.sid  # type: ignore[attr-defined]
