"""Helpers for tests against real server processes: staff tokens, a lobby Socket.IO client that records messages."""

from __future__ import annotations

import queue
import threading
from typing import Any

import requests
import socketio

DEMO_PASSWORDS = {"manager": "manager-demo", "admin": "admin-demo", "review": "review-demo",
                  **{f"clerk{n}": f"clerk{n}-demo" for n in range(1, 6)}}


def staff_session(url: str, username: str, *, sign_in: bool = True) -> requests.Session:
    """A requests session carrying the bearer token of a demo member of staff.

    A clerk is signed in at their counter (as opening the counter panel does), so the counter is open.
    """
    session = requests.Session()
    response = session.post(f"{url}/api/v1/login", json={"username": username, "password": DEMO_PASSWORDS[username]},
                            timeout=30)
    response.raise_for_status()
    session.headers["Authorization"] = f"Bearer {response.json()['token']}"
    counter = response.json().get("counter")
    if sign_in and counter:
        signed = session.post(f"{url}/api/v1/counters/{counter}/sign-in", json={}, timeout=30)
        signed.raise_for_status()
    return session


class Recorder:
    """A python-socketio client on one namespace that queues every message it receives."""

    def __init__(self, url: str, namespace: str, auth: dict[str, Any] | None = None,
                 reconnection: bool = False) -> None:
        self.namespace = namespace
        self.messages: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.connected = threading.Event()
        self.client = socketio.Client(reconnection=reconnection, reconnection_delay=0.2, reconnection_delay_max=0.5)
        self.client.on("*", self._record, namespace=namespace)
        self.client.on("connect", self.connected.set, namespace=namespace)
        self.client.connect(url, namespaces=[namespace], auth=auth, transports=["websocket"], wait_timeout=20)

    def _record(self, event: str, data: Any = None) -> None:
        self.messages.put((event, data if isinstance(data, dict) else {"value": data}))

    def wait_for(self, event: str, predicate=lambda data: True, timeout: float = 20.0) -> tuple[dict[str, Any], list]:
        """The first *event* message matching *predicate*, and every message received up to it."""
        seen: list[tuple[str, dict[str, Any]]] = []
        while True:
            name, data = self.messages.get(timeout=timeout)
            seen.append((name, data))
            if name == event and predicate(data):
                return data, seen

    def close(self) -> None:
        self.client.disconnect()
