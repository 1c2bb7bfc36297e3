"""The advisor's and the assessment's API and the `onewindow advise` command, on a recorded hall."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hall.cli import main
from hall.storage import advisor as store
from tests.conftest import login

from .conftest import record_days

RECORDED = [date(2026, 11, 9) + timedelta(days=n) for n in range(14)
            if (date(2026, 11, 9) + timedelta(days=n)).weekday() < 5]


@pytest.fixture
def recorded(ctx, seed_workload):
    """Two working weeks before the test day (2026-11-25) recorded on ten counters, each day's error too."""
    runs = record_days(ctx.storage, seed_workload, RECORDED, counters=10)
    with ctx.storage.write() as db:
        for day in RECORDED:
            store.record_day_estimate_error(db, day.isoformat())
    return runs


def period(first: date, last: date) -> str:
    return f"from={first.isoformat()}&to={last.isoformat()}"


def test_the_manager_learns_the_workload_and_gets_a_plan_and_a_comparison(manager, recorded):
    workload = manager.get(f"/api/v1/advisor/workload?{period(RECORDED[0], RECORDED[-1])}").get_json()
    assert workload["tickets"] == sum(len(r.tickets) for r in recorded)
    model = workload["workload"]
    assert set(model["daily_arrivals"]) == {"0", "1", "2", "3", "4"}
    assert 600 < model["daily_arrivals"]["2"] < 720 and 4.5 < model["mean_service_minutes"] < 5.5
    assert model["services"][0]["code"] == "B06"  # the pension check is the most asked-for item
    plan = manager.get(f"/api/v1/advisor/plan?{period(RECORDED[0], RECORDED[-1])}&weekday=wed&target_minutes=15"
                       "&target_share=0.8").get_json()
    assert plan["quarters"][0]["quarter"] == 36 and len(plan["quarters"]) == 26
    assert all(q["counters"] >= 1 for q in plan["quarters"]) and plan["met_share"] >= 0.9
    assert plan["figures"]["service_level"] >= 0.8
    compare = manager.get(f"/api/v1/advisor/compare?{period(RECORDED[0], RECORDED[-1])}&one_window=9&dedicated=10")
    result = compare.get_json()
    assert compare.status_code == 200 and [r["name"] for r in result["results"]] == [
        "dedicated", "one_window", "one_window_same_staff"]


def test_the_estimate_errors_of_the_recorded_days(manager, recorded):
    days = manager.get(f"/api/v1/advisor/estimate-errors?{period(RECORDED[0], RECORDED[-1])}").get_json()["days"]
    assert [d["service_day"] for d in days] == [d.isoformat() for d in RECORDED]
    for row in days:
        assert row["tickets"] > 500 and 0 < row["mean_abs_minutes"] < 10 and 0.5 < row["coverage"] <= 1


@pytest.mark.parametrize("query, status, words", [
    ("from=2026-11-01&to=yesterday", 400, "to"),  # the document's date pattern, the field named
    ("from=2026-11-20&to=2026-11-01", 400, "from"),
    ("from=2026-01-01&to=2026-11-01", 400, "92"),
    ("from=2026-11-09&to=2026-11-20&target_share=1.5", 400, "target_share"),
    ("from=2026-11-09&to=2026-11-20&weekday=someday", 400, "weekday"),
    ("from=2025-01-01&to=2025-01-31", 404, "2025-01-01"),
])
def test_bad_requests_are_refused_with_a_message(manager, query, status, words):
    response = manager.get(f"/api/v1/advisor/plan?{query}")
    assert response.status_code == status
    assert words in response.get_json()["message"]


def test_too_few_windows_for_the_categories_is_refused(manager, recorded):
    response = manager.get(f"/api/v1/advisor/compare?{period(RECORDED[0], RECORDED[-1])}&dedicated=3")
    assert response.status_code == 400 and "3" in response.get_json()["message"]


def test_a_clerk_sees_only_their_own_assessment_and_a_manager_everybodys(app, ctx, clerk, manager, crafted):
    days = "from=2026-11-25&to=2026-11-26"
    own = clerk.get(f"/api/v1/assessment?{days}").get_json()["clerks"]
    assert [c["clerk"] for c in own] == ["clerk1"]
    mine = own[0]
    assert mine["cases"] == 1 and mine["handling_minutes_mean"] == 10.0  # T1: served 09:06–09:16
    assert (mine["rated"], mine["rating_rate"], mine["satisfaction_rate"], mine["bad_ratings"]) == (1, 1.0, 1.0, 0)
    assert mine["authorised_items"] == mine["active_items"] and mine["authorised_share"] == 1.0  # 一岗全能
    refused = clerk.get(f"/api/v1/assessment?{days}&clerk=clerk2")
    assert refused.status_code == 403 and refused.get_json()["message"]
    everybody = {c["clerk"]: c for c in manager.get(f"/api/v1/assessment?{days}").get_json()["clerks"]}
    assert set(everybody) == {"clerk1", "clerk2", "clerk3", "clerk4", "clerk5"}
    second = everybody["clerk2"]
    assert second["cases"] == 2 and second["handling_minutes_p90"] == 6.0  # T2 4 min, T5 (bundle P01) 6 min
    assert {i["service"]: i["cases"] for i in second["items"]} == {"A01": 1, "bundle:P01": 1}
    assert (second["rated"], second["rating_rate"], second["satisfaction_rate"]) == (1, 0.5, 0.0)
    assert second["bad_ratings"] == 1 and second["followups"]["open"] == 1
    assert second["bad"][0]["number"] == "A002" and second["bad"][0]["followup_state"] == "open"
    only = manager.get(f"/api/v1/assessment?{days}&clerk=clerk2").get_json()["clerks"]
    assert [c["clerk"] for c in only] == ["clerk2"]
    backoffice = app.test_client()
    login(backoffice, "review")
    assert backoffice.get(f"/api/v1/assessment?{days}").status_code == 403


def test_the_advise_command_prints_the_plan(tmp_path, seed_workload, capsys):
    from hall.demo import catalogue_document, load_catalogue
    from hall.storage import open_storage

    db = tmp_path / "hall.db"
    storage = open_storage(db)
    load_catalogue(storage, catalogue_document(), 0.0, counters=10)
    record_days(storage, seed_workload, RECORDED[:5], counters=10)
    storage.close()
    code = main(["advise", "--db", str(db), "--from", RECORDED[0].isoformat(), "--to", RECORDED[4].isoformat(),
                 "--weekday", "mon", "--days", "4", "--no-compare"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "Plan for mon" in out and "09:30" in out and "counter-hours" in out
    assert "reading the record" in err and "β =" in err  # progress on standard error
    assert main(["advise", "--db", str(db), "--from", "2026-13-01", "--to", "2026-11-30"]) == 2


@pytest.mark.parametrize("lang, words", [("zh", "窗口配置建议"), ("en", "Staffing advisor")])
def test_the_pages_render_in_both_languages(manager, clerk, lang, words):
    page = manager.get(f"/console/advisor?lang={lang}")
    assert page.status_code == 200 and words in page.get_data(as_text=True)
    assert "<script>" not in page.get_data(as_text=True)  # scripts come from static files (CSP)
    own = clerk.get(f"/console/assessment?lang={lang}")
    assert own.status_code == 200 and 'id="own-assessment"' in own.get_data(as_text=True)
