"""A serial device simulated on a pseudo-terminal pair: the host opens `port_path`, tests hold the other end."""

from __future__ import annotations

import os
import select
import time
import tty
from collections.abc import Callable
from typing import Generic, TypeVar

FrameT = TypeVar("FrameT")


class PtyDevice(Generic[FrameT]):
    """Writes bytes as the device would and parses what the host sends back into frames."""

    def __init__(self, parse: Callable[[bytes], list[FrameT]]) -> None:
        self._master, self._slave = os.openpty()
        # Raw mode so the line discipline neither echoes nor rewrites the binary frames.
        tty.setraw(self._slave)
        self.port_path: str = os.ttyname(self._slave)
        self._parse = parse
        self._received: list[FrameT] = []
        self.sent: list[bytes] = []

    def send_raw(self, data: bytes) -> None:
        """Put bytes on the line (frames, or noise and bad frames)."""
        self.sent.append(data)
        os.write(self._master, data)

    def read_frames(self, timeout: float, count: int = 1) -> list[FrameT]:
        """Wait up to *timeout* seconds for *count* frames from the host; return what came."""
        deadline = time.monotonic() + timeout
        while len(self._received) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            readable, _, _ = select.select([self._master], [], [], remaining)
            if not readable:
                break
            try:
                chunk = os.read(self._master, 4096)
            except OSError:  # EIO while the host has no fd open on the slave
                break
            self._received.extend(self._parse(chunk))
        frames, self._received = self._received[:count], self._received[count:]
        return frames

    def close(self) -> None:
        """Close both ends: to the host this looks like the adapter being unplugged."""
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self._master = self._slave = -1

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
