"""Periodic background tasks keep running after a failed run and stop on close."""

from __future__ import annotations

import pytest

from hall.periodic import PeriodicTask


def test_a_failing_run_does_not_stop_the_next_and_close_stops_it(caplog):
    calls = []

    def action() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("first run fails")

    task = PeriodicTask("test-task", 0.01, action, run_at_start=True).start()
    assert task.wait_runs(3, timeout=5)
    task.close()
    done = len(calls)
    assert done >= 3 and "first run fails" in caplog.text
    assert not task.wait_runs(done + 1, timeout=0.05)  # nothing runs after close


def test_interval_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        PeriodicTask("bad", 0, lambda: None)
