"""The live channel: turns the hall's events into Socket.IO messages for the screens connected to this process.

Every process reads the one event log (``hall.feed``) and tells its own clients: a lobby, panel or phone
connected to any server process hears of a call made through any other. Every message carries ``seq``
(per namespace and room, in this process) and ``epoch`` (this process's start); a client that sees a gap
or a new epoch — it reconnected to another process — asks for a ``snapshot``, and every connect starts
with one.

The worker drains what arrived since its last turn: each event's own messages (``ticket_called``,
``rate_request``, a ticket's ``ticket_update`` …) go out at once, in log order; the state messages
(queues, counter states, screens, people-ahead on phones) are built once per batch — at most every
``STATE_INTERVAL`` — from the queue index, and only for rooms that have someone in them here.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_socketio import SocketIO, join_room

from ..domain import events as ev
from ..lobby_board import LobbyBoard
from ..snapshots import (
    citizen_screen_snapshot,
    counter_detail,
    counter_queue,
    counter_screen_snapshot,
    held_list,
    lobby_snapshot,
    waiting_status,
)
from ..storage import repo
from .context import HallContext
from .sequences import LocalSequences

logger = logging.getLogger(__name__)

LOBBY = "/lobby"
COUNTER = "/counter"
EVALUATOR = "/evaluator"
STATUS = "/status"
CONSOLE = "/console"
SCREEN = "/screen"

#: State messages (queues, counter states, screens, phones) go out at most this often; a call's own message at once.
STATE_INTERVAL = 0.1
#: Managers' consoles hear that the hall changed at most this often (they then ask for a snapshot).
CONSOLE_INTERVAL = 1.0
#: A client may ask for this many snapshots in a burst, then one per SNAPSHOT_SECONDS.
SNAPSHOT_BURST = 3
SNAPSHOT_SECONDS = 1.0
_HELD_CHANGES = (ev.TicketHeld, ev.TicketCalled, ev.TicketCancelled, ev.TicketExpired)


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


class Presence:
    """Who is connected to this process, by namespace and room (for sending state only where it is seen)."""

    def __init__(self) -> None:
        self._rooms: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._lock = threading.Lock()

    def join(self, namespace: str, room: str, sid: str) -> None:
        with self._lock:
            self._rooms[namespace][room].add(sid)

    def leave(self, namespace: str, sid: str) -> list[str]:
        """Forget *sid*; returns the rooms that became empty."""
        emptied = []
        with self._lock:
            rooms = self._rooms[namespace]
            for room in [r for r, sids in rooms.items() if sid in sids]:
                rooms[room].discard(sid)
                if not rooms[room]:
                    del rooms[room]
                    emptied.append(room)
        return emptied

    def rooms(self, namespace: str) -> list[str]:
        with self._lock:
            return list(self._rooms[namespace])

    def count(self, namespace: str, room: str | None = None) -> int:
        with self._lock:
            rooms = self._rooms[namespace]
            if room is not None:
                return len(rooms.get(room, ()))
            return sum(len(s) for s in rooms.values())


class SnapshotLimiter:
    """A token bucket per connection: what one public screen may ask for cannot slow the staff down."""

    def __init__(self, burst: int = SNAPSHOT_BURST, seconds: float = SNAPSHOT_SECONDS) -> None:
        self.burst = burst
        self.seconds = seconds
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, sid: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(sid, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) / self.seconds)
            if tokens < 1.0:
                self._buckets[sid] = (tokens, now)
                return False
            self._buckets[sid] = (tokens - 1.0, now)
            return True

    def forget(self, sid: str) -> None:
        with self._lock:
            self._buckets.pop(sid, None)


class LiveChannel:
    """Turns hall events into Socket.IO messages for this process's clients; owns their sequence numbers."""

    def __init__(self, socketio: SocketIO, app: Flask, ctx: HallContext) -> None:
        self.socketio = socketio
        self.app = app
        self.ctx = ctx
        self.sequences = LocalSequences()
        self.board = LobbyBoard()
        self.presence = Presence()
        self.limiter = SnapshotLimiter()
        self.lock = threading.RLock()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.batches = 0  # how many worker turns ran (for benchmarks)
        self._dirty_lobby = False
        self._dirty_counters: set[int] = set()  # counters whose own state changed (panels re-read their detail)
        self._dirty_queue = False  # the queue changed: every panel's waiting count, every phone's position
        self._dirty_screens: set[int] = set()
        self._dirty_held = False
        self._details: dict[int, dict[str, Any]] = {}  # counter → its last detail (state, ticket, figures)
        self._held: dict[int, list[dict[str, Any]]] = {}
        self._last_counter_state: dict[int, dict[str, Any]] = {}
        self._last_status: dict[int, dict[str, Any]] = {}
        self._last_state = 0.0
        self._last_console = 0.0
        self._console_pending = False
        self._devices_checked = 0.0
        self._devices_seen: dict[str, tuple[str, str, float]] = {}

    @property
    def epoch(self) -> str:
        return self.sequences.current(LOBBY, "hall")[0]

    # ---- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-channel", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def on_event(self, event: ev.HallEvent) -> None:
        """A hall event, from the log feed (HallListener)."""
        self._queue.put(event)

    def on_device_status(self, device: str, status: dict[str, Any]) -> None:
        """A device of this process changed state: tell the managers at once."""
        def send() -> None:
            self._devices_seen[device] = (status["state"], status["message"], status["updated_at"])
            self.emit("device_status", status, CONSOLE, "hall")

        self._queue.put(send)

    def push(self, event: str, payload: dict[str, Any], namespace: str, room: str) -> None:
        """Queue one message for *room*; returns at once."""
        self._queue.put(lambda: self.emit(event, payload, namespace, room))

    def refresh_screens(self, number: int) -> None:
        """Queue fresh states for counter *number*'s screens (the clerk ticked a material)."""
        self._queue.put(int(number))

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until every committed event has been published and every message sent (tests, benchmarks)."""
        with self.ctx.storage.read() as db:
            last = db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        self.ctx.feed.wait_until(last, timeout)
        barrier = _Barrier()
        self._queue.put(barrier)
        barrier.done.wait(timeout=timeout)

    def _run(self) -> None:
        while True:
            pending = (self._dirty_lobby or self._dirty_queue or bool(self._dirty_counters or self._dirty_screens)
                       or self._console_pending)
            timeout = max(0.0, self._last_state + STATE_INTERVAL - time.monotonic()) if pending else 1.0
            batch: list[Any] = []
            try:
                batch.append(self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait())
                while True:
                    batch.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            stop = None in batch
            barriers = [item for item in batch if isinstance(item, _Barrier)]
            try:
                with self.app.app_context():
                    self._run_batch([item for item in batch if item is not None], flush=bool(barriers) or stop)
            except Exception:  # thread boundary: the next batch must still go out
                logger.exception("live channel batch failed")
            finally:
                for barrier in barriers:
                    barrier.done.set()
            if stop:
                return

    def _run_batch(self, batch: list[Any], *, flush: bool = False) -> None:
        """Each event's own messages now; state messages when STATE_INTERVAL has passed (or on *flush*)."""
        self.batches += 1
        for item in batch:
            try:
                if isinstance(item, ev.HallEvent):
                    self._note(item)
                    self._dispatch_messages(item)
                elif isinstance(item, int):
                    self._dirty_screens.add(item)
                elif callable(item):
                    item()
            except Exception:  # one bad message must not stop the batch
                logger.exception("live channel message failed")
        now = time.monotonic()
        self._watch_devices()
        if not flush and now < self._last_state + STATE_INTERVAL:
            return
        self._last_state = now
        self._send_state()
        if self._console_pending and (flush or now >= self._last_console + CONSOLE_INTERVAL):
            self._console_pending = False
            self._last_console = now
            self.emit("hall_changed", {}, CONSOLE, "hall")

    def _note(self, event: ev.HallEvent) -> None:
        """What this event makes stale."""
        if self.board.apply(event):
            self._dirty_lobby = True
        if isinstance(event, (ev.RatingRecorded, ev.RatingExpired, ev.RatingRequested)):
            if event.counter is not None:
                self._dirty_screens.add(event.counter)
            self._console_pending = True
            return
        if isinstance(event, ev.TicketNoted):
            if event.kind.startswith("followup_") or event.kind.startswith("case_"):
                self._console_pending = True
            if event.kind == "material_ticked" and event.counter is not None:
                self._dirty_screens.add(event.counter)
            return
        self._dirty_lobby = True
        self._dirty_queue = True
        self._console_pending = True
        if event.counter is not None:
            self._dirty_counters.add(event.counter)
            self._dirty_screens.add(event.counter)
        if isinstance(event, ev.CounterConfigured):
            self._details.pop(int(event.data.get("number") or 0), None)
        if isinstance(event, _HELD_CHANGES):
            self._dirty_held = True

    # ---- emission --------------------------------------------------------------------------

    def emit(self, event: str, payload: dict[str, Any], namespace: str, room: str) -> None:
        with self.lock:
            epoch, seq = self.sequences.next(namespace, room)
            self.socketio.emit(event, {**payload, "seq": seq, "epoch": epoch}, namespace=namespace, to=room)

    def send_snapshot(self, namespace: str, room: str, build: Callable[[], dict[str, Any]], *,
                      limited: bool = True) -> bool:
        """Join *room* and send a full snapshot, atomically with respect to emit(); False if rate-limited.

        The position is read before the data is built: a message emitted meanwhile is then applied on top of a
        snapshot that may already hold it (state messages are idempotent), never dropped as already seen.
        """
        sid = request.sid  # type: ignore[attr-defined]
        if limited and not self.limiter.allow(sid):
            return False
        with self.lock:
            join_room(room, namespace=namespace)
            self.presence.join(namespace, room, sid)
            epoch, seq = self.sequences.current(namespace, room)
            data = build()
            self.socketio.emit("snapshot", {**data, "seq": seq, "epoch": epoch}, namespace=namespace, to=sid)
        return True

    def forget(self, namespace: str, sid: str) -> None:
        """A client left this process."""
        self.limiter.forget(sid)
        for room in self.presence.leave(namespace, sid):
            if namespace == STATUS and room.startswith("ticket-"):
                self.sequences.drop(namespace, room)
                self._last_status.pop(int(room.split("-", 1)[1]), None)

    # ---- one event's own messages -------------------------------------------------------------

    def _dispatch_messages(self, event: ev.HallEvent) -> None:
        ctx = self.ctx
        ticket = event.ticket or {}
        if isinstance(event, (ev.TicketCalled, ev.TicketRecalled)) and event.counter is not None:
            if self.presence.count(LOBBY):
                announcement = ctx.voice.announce(str(ticket.get("number", "")), event.counter)
                self.emit("ticket_called", {
                    "number": ticket.get("number"), "counter": event.counter,
                    "recall": isinstance(event, ev.TicketRecalled), "recall_count": ticket.get("recall_count", 0),
                    "at": event.at, "audio_url": announcement.url if announcement else None,
                }, LOBBY, "hall")
        if isinstance(event, ev.RatingRequested) and event.counter is not None:
            self.emit("rate_request", dict(event.data), EVALUATOR, counter_room(event.counter))
            return
        if isinstance(event, (ev.RatingRecorded, ev.RatingExpired)):
            if event.counter is not None:
                self.emit("rating_closed", {"ticket": ticket.get("id"), "number": ticket.get("number"),
                                            "score": event.data.get("score")}, EVALUATOR, counter_room(event.counter))
            return
        if isinstance(event, ev.CaseFinished) and event.counter is not None:
            window = ctx.service.hall.rating_window_seconds
            self.emit("rate_request", {"ticket": ticket.get("id"), "number": ticket.get("number"),
                                       "counter": event.counter, "window_seconds": window,
                                       "deadline": event.at + window}, EVALUATOR, counter_room(event.counter))
        if isinstance(event, ev.TicketNoted):
            return
        ticket_id = ticket.get("id")
        if ticket_id is not None and self.presence.count(STATUS, ticket_room(ticket_id)):
            self._last_status.pop(ticket_id, None)
            self.emit("ticket_update", {"ticket": _public_status(ticket), "event": event.name}, STATUS,
                      ticket_room(ticket_id))

    # ---- state, once per batch ---------------------------------------------------------------

    def _send_state(self) -> None:
        ctx = self.ctx
        lang = ctx.config.hall.language
        if self._dirty_lobby and self.presence.count(LOBBY):
            self.emit("queues", lobby_snapshot(ctx.service, self.board, lang, recent=ctx.config.lobby.recent_calls,
                                               service_hours=lobby_service_hours(ctx)), LOBBY, "hall")
        self._dirty_lobby = False
        panels = sorted(int(room.split("-", 1)[1]) for room in self.presence.rooms(COUNTER)
                        if room.startswith("counter-"))
        if panels and (self._dirty_queue or self._dirty_counters or self._dirty_held):
            self._send_counter_states(panels, lang)
        self._dirty_counters.clear()
        self._dirty_held = False
        screens = sorted(self._dirty_screens)
        self._dirty_screens.clear()
        for number in screens:
            self._emit_screens(number)
        if self._dirty_queue:
            self._send_phone_positions()
        self._dirty_queue = False

    def _send_counter_states(self, panels: list[int], lang: str) -> None:
        """A panel's state when its own detail, its held list or its queue figures changed."""
        queues = counter_queue(self.ctx.service, panels)
        for number in panels:
            if number in self._dirty_counters or number not in self._details:
                self._details[number] = counter_detail(self.ctx.service, number, lang)
            if self._dirty_held or number not in self._held:
                self._held[number] = held_list(self.ctx.service, number)
            state = {**self._details[number], **queues[number], "held": self._held[number],
                     "recall_limit": self.ctx.config.caller.recall_limit}
            if self._last_counter_state.get(number) == state:
                continue
            self._last_counter_state[number] = state
            self.emit("counter_state", {**state, "server_time": self.ctx.service.clock.now()}, COUNTER,
                      counter_room(number))

    def _send_phone_positions(self) -> None:
        """Each waiting phone's people-ahead and estimate, when they changed (one index sync for all)."""
        rooms = [room for room in self.presence.rooms(STATUS) if room.startswith("ticket-")]
        if not rooms:
            return
        ids = [int(room.split("-", 1)[1]) for room in rooms]
        for ticket_id, status in waiting_status(self.ctx.service, ids).items():
            if self._last_status.get(ticket_id) == status:
                continue
            self._last_status[ticket_id] = status
            self.emit("ticket_update", {"ticket": {"id": ticket_id, **status}, "event": "queue_moved"}, STATUS,
                      ticket_room(ticket_id))

    def _emit_screens(self, number: int) -> None:
        service = self.ctx.service
        with service.storage.read() as db:  # a retired counter has no screens any more
            if repo.counter(db, number) is None:
                return
        if self.presence.count(SCREEN, screen_room("counter", number)):
            self.emit("counter_screen", counter_screen_snapshot(service, number), SCREEN,
                      screen_room("counter", number))
        if self.presence.count(SCREEN, screen_room("citizen", number)):
            self.emit("citizen_screen", citizen_screen_snapshot(service, number), SCREEN,
                      screen_room("citizen", number))

    def _watch_devices(self) -> None:
        """Device states written by another process reach this process's consoles within a second."""
        now = time.monotonic()
        if now - self._devices_checked < 1.0 or not self.presence.count(CONSOLE):
            return
        self._devices_checked = now
        for status in self.ctx.device_status.statuses():  # a small table: one row per device
            seen = (status["state"], status["message"], status["updated_at"])
            if self._devices_seen.get(status["device"]) != seen:
                self._devices_seen[status["device"]] = seen
                self.emit("device_status", status, CONSOLE, "hall")


def _public_status(ticket: dict[str, Any]) -> dict[str, Any]:
    """What a phone following its own ticket is told when the ticket moves."""
    keys = ("id", "number", "state", "counter", "recall_count")
    return {key: ticket.get(key) for key in keys}


def lobby_service_hours(ctx: HallContext) -> dict[str, str]:
    """The service hours in force when they are enforced (so the lobby says what the kiosk does), else the
    configured text; either is used when managers have not set the `service_hours` text."""
    watch = getattr(ctx.service.admission, "watch", None)
    if watch is not None:
        with ctx.storage.read() as db:
            hours = watch.current(db).hours
        if hours.enforce:
            return {"zh": hours.display("zh"), "en": hours.display("en")}
    return {"zh": ctx.config.lobby.service_hours, "en": ctx.config.lobby.service_hours_en}
