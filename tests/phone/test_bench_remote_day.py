"""The remote day's benchmark runs on a small day: walk-ins are never refused while the quota lasts, remote tickets
keep to their share, the no-shows are counted (figures printed, the rule asserted)."""

from __future__ import annotations

import re

from bench import bench_remote_day


def test_a_small_remote_day(capsys):
    assert bench_remote_day.main(["--citizens", "300", "--quota", "200", "--counters", "4", "--grace-minutes", "5",
                                  "--more-time-places", "5"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"refused while the day's quota lasted\s+0", out)
    issued = int(re.search(r"remote:\s+tickets issued\s+(\d+)", out).group(1))
    assert 0 < issued <= 60  # the remote share: 30 % of 200
    assert re.search(r"no-shows \(called, not confirmed in time\)\s+\d+", out)
