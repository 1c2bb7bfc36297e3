"""A soak worker process: lobby screens and phone status pages as asyncio Socket.IO clients, watching every message.

Driven by bench.bench_soak over stdin/stdout: `ready N` once every client is connected; on end of input
(or `stop`) it disconnects everything and prints one JSON summary: connections and disconnects,
messages, sequence gaps and messages out of order (per client, per namespace), and for every call the
wall-clock times at which each lobby screen received it.

    python -m bench.soak_clients URL LOBBIES TOKEN1,TOKEN2,…
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field

import socketio

CONNECT_BATCH = 50


@dataclass
class Watch:
    """One client's view of its sequence of messages."""

    seq: int | None = None
    epoch: str | None = None
    messages: int = 0
    gaps: int = 0
    out_of_order: int = 0
    disconnects: int = 0

    def saw(self, message: dict) -> None:
        self.messages += 1
        seq, epoch = message.get("seq"), message.get("epoch")
        if self.seq is None or epoch != self.epoch:
            self.seq, self.epoch = seq, epoch
            return
        if seq <= self.seq:
            self.out_of_order += 1
        elif seq != self.seq + 1:
            self.gaps += 1
        self.seq = max(self.seq, seq)


@dataclass
class Totals:
    watches: list[Watch] = field(default_factory=list)
    calls: dict[str, list[float]] = field(default_factory=dict)


async def lobby(url: str, totals: Totals) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.3)
    watch = Watch()
    totals.watches.append(watch)

    async def on_snapshot(message: dict) -> None:
        watch.seq, watch.epoch = message.get("seq"), message.get("epoch")

    async def on_call(message: dict) -> None:
        totals.calls.setdefault(message["number"], []).append(time.time())
        watch.saw(message)

    async def on_queues(message: dict) -> None:
        watch.saw(message)

    async def on_disconnect(*_: object) -> None:
        watch.disconnects += 1

    client.on("snapshot", on_snapshot, namespace="/lobby")
    client.on("ticket_called", on_call, namespace="/lobby")
    client.on("queues", on_queues, namespace="/lobby")
    client.on("disconnect", on_disconnect, namespace="/lobby")
    await client.connect(url, namespaces=["/lobby"], transports=["websocket"], wait_timeout=60)
    return client


async def phone(url: str, token: str, totals: Totals) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.3)
    watch = Watch()
    totals.watches.append(watch)

    async def on_snapshot(message: dict) -> None:
        watch.seq, watch.epoch = message.get("seq"), message.get("epoch")

    async def on_update(message: dict) -> None:
        watch.saw(message)

    async def on_disconnect(*_: object) -> None:
        watch.disconnects += 1

    client.on("snapshot", on_snapshot, namespace="/status")
    client.on("ticket_update", on_update, namespace="/status")
    client.on("disconnect", on_disconnect, namespace="/status")
    await client.connect(url, namespaces=["/status"], transports=["websocket"], auth={"ticket": token},
                         wait_timeout=60)
    return client


async def run(url: str, lobbies: int, tokens: list[str]) -> None:
    totals = Totals()
    clients: list[socketio.AsyncClient] = []
    makers = [lambda: lobby(url, totals)] * lobbies + [lambda t=t: phone(url, t, totals) for t in tokens]
    for start in range(0, len(makers), CONNECT_BATCH):
        clients += await asyncio.gather(*(make() for make in makers[start:start + CONNECT_BATCH]))
    print(f"ready {len(clients)}", flush=True)
    loop = asyncio.get_running_loop()
    while (line := await loop.run_in_executor(None, sys.stdin.readline)) and line.strip() != "stop":
        pass
    planned = sum(w.disconnects for w in totals.watches)  # disconnects before the stop are the failures
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    print(json.dumps({
        "clients": len(clients), "disconnects": planned,
        "messages": sum(w.messages for w in totals.watches), "gaps": sum(w.gaps for w in totals.watches),
        "out_of_order": sum(w.out_of_order for w in totals.watches), "calls": totals.calls,
    }), flush=True)


def main(argv: list[str]) -> int:
    tokens = [t for t in (argv[3] if len(argv) > 3 else "").split(",") if t]
    asyncio.run(run(argv[1], int(argv[2]), tokens))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
