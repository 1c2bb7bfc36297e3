"""One anonymous screen cannot slow the staff down (issue 13, point 14)."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import received
from tests.live import LiveServer, free_port


def test_a_lobby_flooding_snapshot_requests_gets_a_few_snapshots(ctx, socket_client):
    lobby = socket_client("/lobby")
    received(lobby, "/lobby", ctx)  # the one on connect
    for _ in range(60):
        lobby.emit("snapshot_request", namespace="/lobby")
    snapshots = received(lobby, "/lobby", ctx, "snapshot")
    assert 1 <= len(snapshots) <= 4  # a burst of three, then one a second
    assert lobby.is_connected("/lobby")


def test_half_open_requests_are_dropped_after_the_header_timeout(tmp_path: Path) -> None:
    (tmp_path / "hall.toml").write_text("[server]\nheader_timeout_seconds = 1\n", encoding="utf-8")
    server = LiveServer(tmp_path, free_port(), ["--config", str(tmp_path / "hall.toml")]).start()
    try:
        server.read_banner()
        slow = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(50)]
        for connection in slow:
            connection.sendall(b"GET /lobby HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
        for connection in slow:
            assert connection.recv(1024) == b""  # closed by the server, within the timeout (recv would time out)
            connection.close()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as fresh:
            fresh.sendall(b"GET /lobby HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert fresh.recv(64).startswith(b"HTTP/1.1 200")  # and the hall still serves everyone else
    finally:
        server.stop()
