"""The report benchmark and its generator run (numbers printed, not asserted); SQL and row-by-row figures agree."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bench import bench_reports
from bench.gen_tickets import generate
from hall.reports import GROUPINGS, report, verify_projection
from hall.storage import open_storage

END = date(2026, 11, 24)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "hall.db"
    result = generate(path, 4000, end=END, progress=io.StringIO())
    assert result["tickets"] == 4000 and result["first_day"] == "2026-11-21"
    return path


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_sql_aggregation_equals_the_row_by_row_reference(generated, group_by):
    storage = open_storage(generated)
    try:
        for staff in (None, "clerk2"):
            args = (storage, END - timedelta(days=2), END, group_by)
            kwargs = {"tz": ZoneInfo("Asia/Shanghai"), "target_minutes": 15, "staff": staff}
            assert report(*args, **kwargs) == report(*args, **kwargs, engine="python")
    finally:
        storage.close()


def test_generated_projection_equals_its_event_log(generated):
    storage = open_storage(generated)
    try:
        assert verify_projection(storage) == []
    finally:
        storage.close()


def test_benchmark_prints_its_timings(generated, capsys):
    assert bench_reports.main(["--db", str(generated)]) == 0
    out = capsys.readouterr().out
    assert "4,000 tickets" in out and "last week by hour" in out and " ms" in out
