"""/agent: the Socket.IO namespace device agents on kiosk and counter PCs connect to, and this process's sessions.

An agent connects with its device token (``onewindow device add agent``; ``{"device_token": …}`` in the
auth payload), says ``hello`` with the devices it owns, and from then on is driven by an
``AgentSession`` in this process (``hall.devices.agent_session``) while it stays connected. The newest
connection of an agent wins: a session finds out that another process has taken its place when it
next records that the agent was seen, and steps aside. An agent silent for ``SILENT_SECONDS`` (no
heartbeat) is treated as gone even before the socket notices: its jobs in flight go back to the queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request, session
from flask_socketio import Namespace, disconnect

from ..devices.agent_session import AgentHall, AgentIdentity, AgentSession
from ..devices.idcards import CardDesk, person_key
from ..devices.wire import WireError, card_from_wire, declarations_from_wire, key_from_wire, number, text
from ..domain import events as ev
from ..periodic import PeriodicTask
from ..storage import agents as store
from .context import HallContext, hall
from .extensions import socketio
from .socket_auth import device_from_socket

logger = logging.getLogger(__name__)

T = TypeVar("T")

AGENT = "/agent"
EXTENSION = "onewindow_agents"
#: How often an agent says it is alive, and how long a silent one is given before its session is closed.
HEARTBEAT_SECONDS = 5.0
SILENT_SECONDS = 15.0
#: The agent's last-seen time is written at most this often (the console shows it; heartbeats are more frequent).
SEEN_WRITE_SECONDS = 30.0
STATES = ("ok", "offline", "disconnected", "paper_out", "paper_near_end", "error")


class SocketLink:
    """An ``AgentLink`` over this process's Socket.IO server, to one agent's connection."""

    def __init__(self, name: str, sid: str) -> None:
        self.name = name
        self.sid = sid
        self.open = True

    def send(self, event: str, payload: dict[str, Any], callback: Callable[..., None] | None = None) -> bool:
        if not self.open:
            return False
        socketio.emit(event, payload, namespace=AGENT, to=self.sid, callback=callback)
        return True


class _Connection:
    def __init__(self, sid: str, agent: AgentIdentity, link: SocketLink) -> None:
        self.sid = sid
        self.agent = agent
        self.link = link
        self.session: AgentSession | None = None
        self.heard = time.monotonic()
        self.written = time.monotonic()


class AgentHub:
    """The agents connected to this process: their sessions, one bus subscription, a watchdog for silent ones."""

    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx
        self.desk = CardDesk(ctx.service, person_key(ctx.config.instance_path), ctx.config.id_card.swipe_seconds)
        self._hall = AgentHall(ctx.config, ctx.commands, ctx.catalogue, ctx.device_status, self.desk)
        self._connections: dict[str, _Connection] = {}
        self._lock = threading.Lock()
        self._watchdog: PeriodicTask | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> Callable[[], None]:
        self._unsubscribe = self.ctx.bus.subscribe(self.on_event)
        self._watchdog = PeriodicTask("agent-watchdog", HEARTBEAT_SECONDS, self.check_silent).start()
        return self.close

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.close()
        if self._unsubscribe is not None:
            self._unsubscribe()
        for sid in list(self._connections):
            self.disconnected(sid, reason="the server is stopping")

    def on_event(self, event: ev.HallEvent) -> None:
        with self._lock:
            sessions = [c.session for c in self._connections.values() if c.session is not None]
        for agent_session in sessions:
            agent_session.on_event(event)

    # ---- connections ----------------------------------------------------------------------------

    def connected(self, sid: str, agent: AgentIdentity, address: str | None, version: str | None) -> None:
        now = self.ctx.service.clock.now()
        self._write(lambda db: store.connect(db, agent.device, session=sid, at=now, address=address,
                                             version=version))
        with self._lock:
            older = [c.sid for c in self._connections.values() if c.agent.device == agent.device]
            self._connections[sid] = _Connection(sid, agent, SocketLink(agent.name, sid))
        for stale in older:  # the agent came back before its old connection was noticed gone: the newest wins
            self._drop(stale, offline=None)
            socketio.server.disconnect(stale, namespace=AGENT)
        logger.info("agent %s connected from %s", agent.name, address)

    def hello(self, sid: str, data: Any) -> dict[str, Any]:
        """The agent's devices: build its session; the answer lists the refused devices and the hall's texts."""
        connection = self._connections.get(sid)
        if connection is None:
            return {"ok": False, "error": "not connected"}
        declarations = declarations_from_wire(data)
        if connection.session is not None:  # a second hello on one connection starts over
            connection.session.close(offline=None)
        agent_session = AgentSession(connection.agent, connection.link, self._hall)
        refused = agent_session.accept(declarations)
        connection.session = agent_session
        agent_session.start()
        return {"ok": True, "agent": connection.agent.name, "refused": refused, "heartbeat": HEARTBEAT_SECONDS}

    def session_of(self, sid: str) -> AgentSession | None:
        connection = self._connections.get(sid)
        if connection is None:
            return None
        connection.heard = time.monotonic()
        return connection.session

    def heartbeat(self, sid: str) -> bool:
        """The agent is alive; False (and the session closed) when a newer connection took its place."""
        connection = self._connections.get(sid)
        if connection is None:
            return False
        connection.heard = now = time.monotonic()
        if now - connection.written < SEEN_WRITE_SECONDS:
            return True
        connection.written = now
        current = self._write(lambda db: store.seen(db, connection.agent.device, sid, self.ctx.service.clock.now()))
        if not current:
            logger.warning("agent %s connected again elsewhere: this connection steps aside", connection.agent.name)
            self._drop(sid, offline=None)
        return current

    def disconnected(self, sid: str, *, reason: str) -> None:
        connection = self._connections.get(sid)
        if connection is None:
            return
        current = self._write(lambda db: store.disconnect(db, connection.agent.device, sid,
                                                          self.ctx.service.clock.now()))
        self._drop(sid, offline=f"agent {connection.agent.name}: {reason}" if current else None)

    def _write(self, operation: Callable[[Any], T]) -> T:
        """*operation* in a write transaction of the group commit (the event loop does not wait for the disk)."""
        def run() -> T:
            with self.ctx.storage.write() as db:
                return operation(db)
        return self.ctx.storage.transact(run)

    def _drop(self, sid: str, *, offline: str | None) -> None:
        with self._lock:
            connection = self._connections.pop(sid, None)
        if connection is None:
            return
        connection.link.open = False
        if connection.session is not None:
            connection.session.close(offline=offline)
        elif offline is not None:
            self.ctx.device_status.set_status(f"agent {connection.agent.name}", "offline", offline,
                                              agent=connection.agent.device)
        logger.info("agent %s: connection closed (%s)", connection.agent.name, offline or "replaced")

    def check_silent(self) -> None:
        """Close the sessions of agents that stopped sending heartbeats (their socket may not know yet)."""
        now = time.monotonic()
        silent = [sid for sid, c in list(self._connections.items()) if now - c.heard > SILENT_SECONDS]
        for sid in silent:
            self.disconnected(sid, reason=f"silent for more than {SILENT_SECONDS:.0f} s")
            socketio.server.disconnect(sid, namespace=AGENT)

    def sessions(self) -> list[AgentSession]:
        with self._lock:
            return [c.session for c in self._connections.values() if c.session is not None]


def agent_hub() -> AgentHub | None:
    return current_app.extensions.get(EXTENSION)


def install_agents(app: Flask) -> None:
    """Every server process runs a hub for the agents connected to it (started with the process)."""
    def start(ctx: HallContext) -> Callable[[], None]:
        hub = AgentHub(ctx)
        app.extensions[EXTENSION] = hub
        return hub.start()

    app.extensions.setdefault("onewindow_listeners", []).append(start)


def _answer(error: Exception) -> dict[str, Any]:
    return {"ok": False, "error": str(error)}


class AgentNamespace(Namespace):
    """Agents only: a device token of kind "agent"; every message goes to the connection's session."""

    def on_connect(self, auth: Any = None) -> Any:
        device = device_from_socket(auth)
        hub = agent_hub()
        if device is None or device.kind != "agent" or hub is None:
            return False
        with hall().storage.read() as db:
            row = store.agent_device(db, device.id)
        if row is None:
            return False
        version = auth.get("version") if isinstance(auth, dict) and isinstance(auth.get("version"), str) else None
        session["agent"] = device.id
        hub.connected(request.sid, AgentIdentity(device.id, device.name or f"agent-{device.id}",  # type: ignore[attr-defined]
                                                 row.get("kiosk"), row.get("counter")),
                      request.remote_addr, (version or "")[:40] or None)
        return True

    def on_disconnect(self, reason: Any = None) -> None:
        hub = agent_hub()
        if hub is not None:
            hub.disconnected(request.sid, reason="disconnected")  # type: ignore[attr-defined]

    def on_hello(self, data: Any = None) -> dict[str, Any]:
        hub = agent_hub()
        if hub is None:
            return {"ok": False, "error": "the server is starting"}
        try:
            return hub.hello(request.sid, data)  # type: ignore[attr-defined]
        except WireError as exc:
            return _answer(exc)

    def on_heartbeat(self, data: Any = None) -> dict[str, Any]:
        hub = agent_hub()
        current = hub is not None and hub.heartbeat(request.sid)  # type: ignore[attr-defined]
        if not current:
            disconnect()
        return {"ok": current}

    def _session(self) -> AgentSession:
        hub = agent_hub()
        agent_session = hub.session_of(request.sid) if hub is not None else None  # type: ignore[attr-defined]
        if agent_session is None:
            raise WireError("say hello first")
        return agent_session

    def on_status(self, data: Any = None) -> dict[str, Any]:
        try:
            state = text(data, "state", limit=20)
            if state not in STATES:
                raise WireError(f"state must be one of {', '.join(STATES)}")
            known = self._session().status(
                text(data, "kind", limit=20) or "", port=text(data, "port", required=False),
                address=number(data, "address", high=255, required=False),
                kiosk=text(data, "kiosk", required=False, limit=40), state=state,
                message=text(data, "message", required=False) or "")
        except WireError as exc:
            return _answer(exc)
        return {"ok": known}

    def on_key(self, data: Any = None) -> dict[str, Any]:
        try:
            port, counter, key = key_from_wire(data)
            return {"ok": self._session().key(port, counter, key)}
        except WireError as exc:
            return _answer(exc)

    def on_rating_key(self, data: Any = None) -> dict[str, Any]:
        try:
            return {"ok": self._session().rating_key(text(data, "port") or "", number(data, "counter", low=1) or 0,
                                                     number(data, "score", low=1, high=5) or 0)}
        except WireError as exc:
            return _answer(exc)

    def on_evaluator_hello(self, data: Any = None) -> dict[str, Any]:
        try:
            return {"ok": self._session().evaluator_hello(text(data, "port") or "",
                                                          number(data, "counter", low=1) or 0)}
        except WireError as exc:
            return _answer(exc)

    def on_card(self, data: Any = None) -> dict[str, Any]:
        try:
            kiosk, holder = card_from_wire(data)
            return {"ok": self._session().card(kiosk, holder)}
        except WireError as exc:  # its message names the field, never the card's values
            return _answer(exc)
