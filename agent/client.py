"""The agent's connection to the hall server: a Socket.IO client that keeps coming back.

It connects to ``/agent`` with the device token, says ``hello`` with its devices, sends every
device's state, and then a heartbeat every few seconds. When the connection drops it tries again
with a growing, jittered delay (1 s up to ``MAX_BACKOFF`` s) — for ever: the devices keep running
meanwhile (strips keep their text, keys beep, nothing is printed). A refused token is said
plainly in the log and tried again at the longest delay (the hall may register it meanwhile).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import Any

import socketio

from .config import AgentConfig
from .host import DeviceHost

logger = logging.getLogger(__name__)

NAMESPACE = "/agent"
MAX_BACKOFF = 30.0
HELLO_SECONDS = 15.0


class AgentClient:
    """Runs until ``stop()``: connect, hello, heartbeats; the host's drivers are driven from the server."""

    def __init__(self, config: AgentConfig, host_factory: Callable[["AgentClient"], DeviceHost],
                 version: str = "") -> None:
        self.config = config
        self.version = version
        self.sio = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        self.host = host_factory(self)
        self.ready = threading.Event()  # connected and hello answered
        self.hellos = 0
        self._stop = threading.Event()
        self._lost = threading.Event()
        ns = NAMESPACE
        self.sio.on("connect", self._connected, namespace=ns)
        self.sio.on("disconnect", self._disconnected, namespace=ns)
        self.sio.on("print", self.host.print_job, namespace=ns)
        self.sio.on("keypad", self.host.keypad, namespace=ns)
        self.sio.on("evaluator", self.host.evaluator, namespace=ns)
        self.sio.on("led", self.host.led, namespace=ns)

    # ---- sending ---------------------------------------------------------------------------------

    def send(self, event: str, payload: dict[str, Any]) -> bool:
        """Send one message if connected and greeted; False (dropped) otherwise."""
        if not self.ready.is_set():
            return False
        try:
            self.sio.emit(event, payload, namespace=NAMESPACE)
        except socketio.exceptions.SocketIOError as exc:
            logger.debug("%s not sent: %s", event, exc)
            return False
        return True

    # ---- the connection ------------------------------------------------------------------------------

    def run(self) -> None:
        """Connect and stay connected until ``stop()``."""
        self.host.start()
        delay = 1.0
        try:
            while not self._stop.is_set():
                greeted = self.hellos
                if self._connect():
                    self._lost.clear()
                    self._serve()
                    if self._stop.is_set():
                        break
                    logger.warning("the connection to %s was lost; connecting again", self.config.server)
                delay = 1.0 if self.hellos > greeted else min(MAX_BACKOFF, delay * 2)
                self._stop.wait(delay * random.uniform(0.5, 1.0))
        finally:
            self.ready.clear()
            if self.sio.connected:
                self.sio.disconnect()
            self.host.close()

    def stop(self) -> None:
        self._stop.set()
        self._lost.set()

    def _connect(self) -> bool:
        try:
            self.sio.connect(self.config.server, namespaces=[NAMESPACE], transports=["websocket"],
                             auth={"device_token": self.config.token, "version": self.version},
                             wait_timeout=10)
        except socketio.exceptions.ConnectionError as exc:
            refused = "namespace" in str(exc).lower() or "one or more namespaces" in str(exc).lower()
            if refused:
                logger.error("the hall server %s refused this agent's token (onewindow device add agent gives "
                             "one): %s", self.config.server, exc)
            else:
                logger.warning("cannot reach the hall server %s: %s", self.config.server, exc)
            self._disconnect_quietly()
            return False
        return True

    def _disconnect_quietly(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:  # noqa: BLE001 - nothing to close: the connection never came up
            logger.debug("disconnect after a failed connect", exc_info=True)

    def _connected(self) -> None:
        threading.Thread(target=self._greet, name="agent-hello", daemon=True).start()

    def _disconnected(self, reason: Any = None) -> None:
        self.ready.clear()
        self._lost.set()

    def _greet(self) -> None:
        """Tell the server the devices of this PC, then every device's state."""
        hello = {"name": self.config.name, "version": self.version,
                 "devices": [d.to_wire() for d in self.config.declarations()]}
        try:
            answer = self.sio.call("hello", hello, namespace=NAMESPACE, timeout=HELLO_SECONDS)
        except socketio.exceptions.SocketIOError as exc:
            logger.warning("the server did not answer the hello: %s", exc)
            self._disconnect_quietly()
            return
        if not isinstance(answer, dict) or not answer.get("ok"):
            logger.error("the server refused the hello: %s", (answer or {}).get("error") if isinstance(answer, dict)
                         else answer)
            self._disconnect_quietly()
            return
        for refused in answer.get("refused") or []:
            logger.error("the hall does not take %s from this agent: %s", refused.get("device"), refused.get("reason"))
        self.hellos += 1
        self.ready.set()
        logger.info("connected to %s as %s", self.config.server, answer.get("agent"))
        self.host.report_all()

    def _serve(self) -> None:
        """Heartbeats until the connection is lost or the agent stops."""
        while not self._lost.wait(self.config.heartbeat_seconds):
            if not self.ready.is_set():
                continue
            try:
                answer = self.sio.call("heartbeat", {}, namespace=NAMESPACE, timeout=self.config.heartbeat_seconds * 2)
            except socketio.exceptions.SocketIOError as exc:
                logger.warning("no answer to the heartbeat (%s): connecting again", exc)
                break
            if isinstance(answer, dict) and answer.get("ok") is False:
                logger.error("the hall took another connection of this agent's token instead of this one; "
                             "is the same token used on two PCs?")
                break
        self.ready.clear()
        self._disconnect_quietly()
