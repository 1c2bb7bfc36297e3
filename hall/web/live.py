"""The live channel: forwards bus events to Socket.IO rooms with sequence numbers.

Every message carries ``seq`` (per namespace and room) and ``epoch`` (per server
process, or shared by all processes behind one Redis: see sequences.py). A client that sees a gap or a new epoch asks for a ``snapshot``; every
connect starts with one. Emission runs on its own worker so a request that
changed the hall never waits for a thousand sockets.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio import SocketIO, join_room

from ..checklist import checklists_of
from ..domain import events as ev
from ..snapshots import (
    citizen_screen_snapshot,
    counter_screen_snapshot,
    counter_snapshot,
    lobby_screen_snapshot,
)
from ..storage import repo
from .context import HallContext
from .sequences import Sequences, make_sequences

logger = logging.getLogger(__name__)

LOBBY = "/lobby"
COUNTER = "/counter"
EVALUATOR = "/evaluator"
STATUS = "/status"
CONSOLE = "/console"
SCREEN = "/screen"

_CALLS = (ev.TicketCalled, ev.TicketRecalled)
#: State messages (queues, counter states, screens) go out at most this often; a call's own message at once.
STATE_INTERVAL = 0.1


def counter_room(number: int) -> str:
    return f"counter-{number}"


def ticket_room(ticket_id: int) -> str:
    return f"ticket-{ticket_id}"


def screen_room(view: str, number: int) -> str:
    """The /screen room of one counter's "counter" (above the window) or "citizen" (facing the citizen) screen."""
    return f"{view}-{number}"


class _Barrier:
    """A queue marker: set once every message queued before it has gone out."""

    def __init__(self) -> None:
        self.done = threading.Event()


class LiveChannel:
    """Turns hall events into Socket.IO messages; owns the sequence numbers.

    The worker drains everything queued since its last turn, sends the per-event
    messages (ticket_called, rate_request, ticket_update …) in order, then builds the
    state messages (queues, counter_state, screens) once for the whole batch: under a
    burst of calls the snapshots are computed once, not once per event.
    """

    def __init__(self, socketio: SocketIO, app: Flask, ctx: HallContext,
                 sequences: Sequences | None = None) -> None:
        self.socketio = socketio
        self.app = app
        self.ctx = ctx
        self.sequences = sequences or make_sequences(ctx.config.message_queue)
        self.lock = threading.RLock()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.batches = 0  # how many worker turns ran (for benchmarks)
        self._dirty_hall = False  # the lobby queues and counter states need sending
        self._dirty_screens: set[int] = set()  # counters whose screens need sending
        self._last_state = 0.0

    @property
    def epoch(self) -> str:
        return self.sequences.current(LOBBY, "hall")[0]

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
        self.sequences.close()

    def _run(self) -> None:
        while True:
            # With state pending, wake up when it is due even if nothing else arrives.
            pending = self._dirty_hall or bool(self._dirty_screens)
            timeout = max(0.0, self._last_state + STATE_INTERVAL - time.monotonic()) if pending else None
            batch: list[Any] = []
            try:
                batch.append(self._queue.get(timeout=timeout) if timeout != 0.0 else self._queue.get_nowait())
                while True:
                    batch.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            stop = None in batch
            barriers = [item for item in batch if isinstance(item, _Barrier)]
            try:
                with self.app.app_context():
                    self._run_batch([item for item in batch if item is not None],
                                    flush=bool(barriers) or stop)
            except Exception:
                logger.exception("live channel batch failed")
            finally:
                for barrier in barriers:
                    barrier.done.set()
            if stop:
                return

    def _run_batch(self, batch: list[Any], *, flush: bool = False) -> None:
        """Send each event's own messages now; state messages when STATE_INTERVAL has passed (or on *flush*)."""
        self.batches += 1
        for item in batch:
            try:
                if isinstance(item, ev.HallEvent):
                    self._dispatch_messages(item)
                    if not isinstance(item, (ev.RatingRecorded, ev.RatingExpired, ev.RatingRequested)):
                        self._dirty_hall = True
                    if item.counter is not None:
                        self._dirty_screens.add(item.counter)
                elif isinstance(item, int):
                    self._dirty_screens.add(item)
                elif callable(item):
                    item()
            except Exception:
                logger.exception("live channel message failed")
        if not (self._dirty_hall or self._dirty_screens):
            return
        if not flush and time.monotonic() < self._last_state + STATE_INTERVAL:
            return
        screens, self._dirty_screens = sorted(self._dirty_screens), set()
        hall, self._dirty_hall = self._dirty_hall, False
        self._last_state = time.monotonic()
        for number in screens:
            self._emit_screens(number)
        if hall:
            self._emit_hall_state()

    def wait_idle(self) -> None:
        """Block until every queued emission has gone out (for tests and benchmarks)."""
        barrier = _Barrier()
        self._queue.put(barrier)
        barrier.done.wait(timeout=10)

    # ---- emission ------------------------------------------------------------------------

    def emit(self, event: str, payload: dict[str, Any], namespace: str, room: str) -> None:
        with self.lock:
            epoch, seq = self.sequences.next(namespace, room)
            message = {**payload, "seq": seq, "epoch": epoch}
            self.socketio.emit(event, message, namespace=namespace, to=room)

    def push(self, event: str, payload: dict[str, Any], namespace: str, room: str) -> None:
        """Queue one message for *room*; returns at once (for modules outside the bus, e.g. follow-ups)."""
        self._queue.put(lambda: self.emit(event, payload, namespace, room))

    def send_snapshot(self, namespace: str, room: str, build: Callable[[], dict[str, Any]]) -> None:
        """Join *room* and send a full snapshot, atomically with respect to emit().

        The position is read before the data is built: a message emitted meanwhile is
        then applied on top of a snapshot that may already hold it (state messages are
        idempotent), never dropped as already seen.
        """
        with self.lock:
            join_room(room, namespace=namespace)
            epoch, seq = self.sequences.current(namespace, room)
            data = build()
            message = {**data, "seq": seq, "epoch": epoch}
            self.socketio.emit("snapshot", message, namespace=namespace, to=_request_sid())

    # ---- bus -> rooms ----------------------------------------------------------------------

    def on_event(self, event: ev.HallEvent) -> None:
        self._queue.put(event)

    def on_device_status(self, device: str, status: dict[str, Any]) -> None:
        self._queue.put(lambda: self.emit("device_status", status, CONSOLE, "hall"))

    def refresh_screens(self, number: int) -> None:
        """Queue fresh states for counter *number*'s counter screen and citizen-facing screen."""
        self._queue.put(int(number))

    def _emit_screens(self, number: int) -> None:
        self.emit("counter_screen", counter_screen_snapshot(self.ctx.service, number), SCREEN,
                  screen_room("counter", number))
        self.emit("citizen_screen", citizen_screen_snapshot(self.ctx.service, number, checklists_of(self.app.extensions)),
                  SCREEN, screen_room("citizen", number))

    def _dispatch_messages(self, event: ev.HallEvent) -> None:
        """The messages that belong to this one event, in order; state messages come once per batch."""
        ctx = self.ctx
        ticket = event.ticket or {}
        if isinstance(event, _CALLS) and event.counter is not None:
            key = ctx.devices.announce(ticket.get("number", ""), event.counter)
            self.emit("ticket_called", {
                "number": ticket.get("number"), "counter": event.counter, "recall": isinstance(event, ev.TicketRecalled),
                "recall_count": ticket.get("recall_count", 0), "at": event.at,
                "audio_url": f"/speech/{key}.wav" if key else None,
            }, LOBBY, "hall")
        if isinstance(event, ev.RatingRequested) and event.counter is not None:
            self.emit("rate_request", dict(event.data), EVALUATOR, counter_room(event.counter))
            return
        if isinstance(event, (ev.RatingRecorded, ev.RatingExpired)):
            if event.counter is not None:
                self.emit("rating_closed", {"ticket": ticket.get("id"), "number": ticket.get("number"),
                                            "score": event.data.get("score")}, EVALUATOR, counter_room(event.counter))
            self.emit("hall_changed", {"event": event.name}, CONSOLE, "hall")
            return
        if isinstance(event, ev.CaseFinished) and event.counter is not None:
            window = ctx.service.hall.rating_window_seconds
            self.emit("rate_request", {"ticket": ticket.get("id"), "number": ticket.get("number"),
                                       "counter": event.counter, "window_seconds": window,
                                       "deadline": event.at + window}, EVALUATOR, counter_room(event.counter))
        if ticket.get("id") is not None:
            self.emit("ticket_update", {"ticket": ticket, "event": event.name}, STATUS, ticket_room(ticket["id"]))
        self.emit("hall_changed", {"event": event.name}, STATUS, "hall")
        self.emit("hall_changed", {"event": event.name}, CONSOLE, "hall")

    def _emit_hall_state(self) -> None:
        """The lobby's queues and every counter's state, once per batch of events."""
        ctx = self.ctx
        lang = ctx.config.hall.language
        self.emit("queues", lobby_screen_snapshot(ctx.service, lang, recent=ctx.config.lobby.recent_calls,
                                                  service_hours=lobby_service_hours(ctx)), LOBBY, "hall")
        with ctx.storage.read() as db:
            numbers = [c.number for c in repo.counters(db)]
        for number in numbers:
            self.emit("counter_state", counter_snapshot(ctx.service, number, lang), COUNTER, counter_room(number))

    def _dispatch(self, event: ev.HallEvent) -> None:
        """Every message of one event, as a batch of one (kept for callers outside the worker)."""
        self._run_batch([event], flush=True)


def lobby_service_hours(ctx: HallContext) -> dict[str, str]:
    """The configured service hours, used when managers have not set the `service_hours` setting."""
    return {"zh": ctx.config.lobby.service_hours, "en": ctx.config.lobby.service_hours_en}


def _request_sid() -> str:
    from flask import request

    return request.sid  # type: ignore[attr-defined]
