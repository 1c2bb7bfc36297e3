"""A simulated device on a pty that answers by itself: a thread reads the host's frames and handles them.

``PtyDevice`` is passive (the test reads when it wants); LED boards and ID-card readers must answer
within a timeout while the test waits on something else, so their twins run ``handle`` on a
thread of their own and record what they heard in ``heard`` for tests to wait on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from drivers.pty_device import PtyDevice

FrameT = TypeVar("FrameT")
HeardT = TypeVar("HeardT")

POLL_SECONDS = 0.02


class RespondingPty(PtyDevice[FrameT], Generic[FrameT, HeardT]):
    """Subclasses implement ``handle(frame)``, append to ``heard`` through ``record`` and answer with ``send_raw``."""

    def __init__(self, parse: Callable[[bytes], list[FrameT]], name: str) -> None:
        super().__init__(parse)
        self.heard: list[HeardT] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._respond, name=f"{name} {self.port_path}", daemon=True)
        self._thread.start()

    def handle(self, frame: FrameT) -> None:
        """Act on one frame from the host (on the responder thread)."""
        raise NotImplementedError

    def record(self, item: HeardT) -> None:
        """Remember what was heard and wake tests waiting for it."""
        with self._cond:
            self.heard.append(item)
            self._cond.notify_all()

    def wait_for(self, match: Callable[[HeardT], bool], timeout: float, after: int = 0) -> HeardT | None:
        """The first item heard from index ``after`` on that ``match``es, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for item in self.heard[after:]:
                    if match(item):
                        return item
                after = len(self.heard)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def close(self) -> None:
        """Stop answering and close the pty: to the host, the adapter is unplugged."""
        self._stop.set()
        self._thread.join(5.0)
        super().close()

    def _respond(self) -> None:
        while not self._stop.is_set():
            for frame in self.read_frames(POLL_SECONDS):
                self.handle(frame)
