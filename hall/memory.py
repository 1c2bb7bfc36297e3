"""Giving memory back after a crowd of screens leaves.

A thousand lobby screens and phone status pages connected to one process cost it tens of megabytes (their
sockets, greenlet stacks, buffers). When they go, Python frees the objects, but glibc's allocator keeps
the freed pages in its heaps: the process stays at its crowded size for hours. ``CrowdRelease`` watches the
number of connections; once it has fallen to half of its peak (a peak of at least ``MIN_PEAK``), it runs a
full garbage collection and asks glibc to return its free pages to the system (``malloc_trim``), once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

#: How often the number of connections is looked at (seconds), and the smallest crowd worth releasing.
CHECK_SECONDS = 15.0
MIN_PEAK = 100


def _malloc_trim() -> Callable[[], bool] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: bool(trim(0))


class CrowdRelease:
    """Release memory once the connections fall to half their peak; ``check()`` is called periodically."""

    def __init__(self, connections: Callable[[], int], *, trim: Callable[[], bool] | None = None,
                 min_peak: int = MIN_PEAK) -> None:
        self.connections = connections
        self.trim = trim if trim is not None else _malloc_trim()
        self.min_peak = min_peak
        self.peak = 0
        self.releases = 0

    def check(self) -> bool:
        """True when it released memory this time."""
        now = self.connections()
        self.peak = max(self.peak, now)
        if self.peak < self.min_peak or now > self.peak // 2:
            return False
        collected = gc.collect()
        trimmed = self.trim() if self.trim is not None else False
        logger.info("connections fell from %d to %d: %d objects collected, memory %s to the system",
                    self.peak, now, collected, "returned" if trimmed else "kept (nothing to return)")
        self.peak = now
        self.releases += 1
        return True
