"""A benchmark worker process: N lobby screens as asyncio Socket.IO clients (one event loop, no thread per client).

Driven over stdin/stdout by bench.bench_lobby_latency: it prints `ready N` once every client is connected; for
each line `wait NUMBER` it prints one JSON line with the wall-clock times at which its clients received
`ticket_called` for NUMBER; it disconnects and exits at end of input.

    python -m bench.lobby_clients URL N
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import socketio

CONNECT_BATCH = 50
WAIT_LIMIT_SECONDS = 60.0


async def run(url: str, count: int) -> None:
    received: dict[str, list[float]] = {}
    arrived = asyncio.Condition()
    clients: list[socketio.AsyncClient] = []

    async def connect() -> None:
        client = socketio.AsyncClient(reconnection=False)

        async def on_call(message: dict) -> None:
            async with arrived:
                received.setdefault(message["number"], []).append(time.time())
                arrived.notify_all()

        client.on("ticket_called", on_call, namespace="/lobby")
        await client.connect(url, namespaces=["/lobby"], transports=["websocket"], wait_timeout=30)
        clients.append(client)

    for start in range(0, count, CONNECT_BATCH):
        await asyncio.gather(*(connect() for _ in range(start, min(count, start + CONNECT_BATCH))))
    print(f"ready {len(clients)}", flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        number = line.split()[1]
        async with arrived:
            try:
                await asyncio.wait_for(
                    arrived.wait_for(lambda number=number: len(received.get(number, [])) >= len(clients)),
                    WAIT_LIMIT_SECONDS)
            except TimeoutError:
                pass
        print(json.dumps({"number": number, "times": received.get(number, [])}), flush=True)
    await asyncio.gather(*(c.disconnect() for c in clients))


def main(argv: list[str]) -> int:
    asyncio.run(run(argv[1], int(argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
