"""Memory given back after a crowd of screens leaves a process (hall.memory)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from hall.memory import CrowdRelease


def test_memory_is_released_once_the_crowd_has_fallen_to_half_its_peak() -> None:
    counts = iter([0, 40, 300, 1000, 700, 501, 500, 480, 20, 20])
    trims: list[int] = []
    release = CrowdRelease(lambda: next(counts), trim=lambda: trims.append(1) or True)
    outcomes = [release.check() for _ in range(10)]
    # 1000 at its peak: nothing until it falls to 500; then the peak is 500 and 20 is below half of it.
    assert outcomes == [False, False, False, False, False, False, True, False, True, False]
    assert len(trims) == release.releases == 2


def test_a_small_hall_never_pays_for_a_collection() -> None:
    counts = iter([60, 10, 0, 90, 0])
    release = CrowdRelease(lambda: next(counts), trim=lambda: True)
    assert not any(release.check() for _ in range(5))


def test_the_pages_freed_by_a_crowd_go_back_to_the_system() -> None:
    """In a process of its own: a crowd's worth of buffers freed between survivors (so glibc cannot give them
    back by itself) leaves the process large until the release trims the heaps."""
    script = textwrap.dedent("""
        import gc
        from hall.memory import CrowdRelease

        def rss_mb():
            with open("/proc/self/status") as f:
                return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

        base = rss_mb()
        buffers = [bytearray(2000) for _ in range(100_000)]   # about 200 MB from malloc's heaps
        survivors = buffers[::64]                              # every 64th stays: the heaps cannot shrink
        del buffers
        gc.collect()
        before = rss_mb()
        released = CrowdRelease(iter([1000, 0]).__next__, min_peak=100)
        assert not released.check() and released.check()
        after = rss_mb()
        print(round(base), round(before), round(after), len(survivors))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    base, before, after = (int(x) for x in out[:3])
    assert before - base > 100  # freed by Python, kept by the allocator
    assert before - after > 100  # returned by the release
