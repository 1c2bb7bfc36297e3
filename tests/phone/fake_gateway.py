"""A local fake SMS gateway on 127.0.0.1: records every request, answers as it is told (for the adapter's tests)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request the gateway got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode())

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class FakeGateway:
    """Answers each request with the next of *answers* (status, JSON), then with *default*."""

    default: tuple[int, Any] = (200, {"code": 0, "msg": "OK", "sid": "fake-1"})
    answers: list[tuple[int, Any]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with gateway._changed:
                    status, answer = gateway.answers.pop(0) if gateway.answers else gateway.default
                    headers = {k.lower(): v for k, v in self.headers.items()}  # header names know no case
                    gateway.received.append(Received("POST", self.path, headers, body))
                    gateway._changed.notify_all()
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-sms-gateway", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        """Block until the gateway got *count* requests in all; returns them."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.received) >= count, timeout), self.received
            return list(self.received)

    def wait_until(self, predicate: Any, timeout: float = 15.0) -> list[Received]:
        """Block until *predicate* holds of the requests received so far; returns the ones it matched."""
        with self._changed:
            assert self._changed.wait_for(lambda: [r for r in self.received if predicate(r)], timeout), self.received
            return [r for r in self.received if predicate(r)]

    def sent_to(self, mobile: str, template: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The JSON bodies of the requests for *template* to *mobile*, once there is one."""
        def matches(r: Received) -> bool:
            body = r.json()
            return body.get("mobile") == mobile and body.get("template") == template

        return [r.json() for r in self.wait_until(matches, timeout)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
