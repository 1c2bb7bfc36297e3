"""The devices benchmark runs end to end through a real server and agent and prints its table (numbers not asserted)."""

from __future__ import annotations

import pytest

from bench import bench_devices


def test_the_devices_benchmark_prints_its_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_devices.main(["--count", "3", "--faults", "1"]) == 0
    table = capsys.readouterr().out
    for row in ("LED call frame", "first printer byte", "whole ticket (cut)", "kiosk page told"):
        assert f"{row}" in table
    assert table.count("| 3 |") == 3 and "| 1 |" in table
