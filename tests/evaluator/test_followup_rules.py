"""The pure rules: reasons, working-day deadlines, the follow-up life cycle, figures by hand."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hall.domain.errors import IllegalTransition, InvalidInput
from hall.ratings import (
    FollowupAction as A,
)
from hall.ratings import (
    FollowupState as S,
)
from hall.ratings import (
    RatedCase,
    add_working_days,
    check_reasons,
    counter_ranking,
    followup_due,
    followup_figures,
    grouped_figures,
    is_overdue,
    next_followup_state,
    rate_figures,
)
from hall.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_reasons_come_from_the_fixed_list_and_only_with_the_two_lowest_levels():
    assert check_reasons(2, ["attitude", "waiting_too_long", "attitude"]) == ["attitude", "waiting_too_long"]
    assert check_reasons(1, []) == []
    assert check_reasons(5, []) == []
    with pytest.raises(InvalidInput, match="unknown reason"):
        check_reasons(1, ["rude"])
    with pytest.raises(InvalidInput, match="only given with a rating of 1 or 2"):
        check_reasons(3, ["attitude"])


@pytest.mark.parametrize(("start", "days", "due"), [
    (date(2026, 11, 25), 5, date(2026, 12, 2)),   # Wednesday → next Wednesday
    (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday → Monday
    (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday → Monday
    (date(2026, 11, 29), 5, date(2026, 12, 4)),   # Sunday → Friday
    (date(2026, 11, 25), 0, date(2026, 11, 25)),
])
def test_working_days_skip_weekends(start, days, due):
    assert add_working_days(start, days) == due


def test_holidays_are_skipped_too():
    own_days_off = WorkCalendar(holidays=frozenset({date(2026, 12, 1), date(2026, 12, 2)}))
    # Monday 30 November 2026 + 1 working day: the hall is closed on 1 and 2 December.
    assert add_working_days(date(2026, 11, 30), 1, own_days_off) == date(2026, 12, 3)


def test_deadline_is_the_end_of_the_due_day_in_the_hall_time_zone():
    opened = datetime(2026, 11, 25, 16, 30, tzinfo=SHANGHAI).timestamp()
    due_day, due_at = followup_due(opened, 5, SHANGHAI)
    assert due_day == date(2026, 12, 2)
    assert due_at == datetime(2026, 12, 3, 0, 0, tzinfo=SHANGHAI).timestamp()
    follow = {"state": "open", "due_at": due_at}
    assert not is_overdue(follow, due_at)
    assert is_overdue(follow, due_at + 1)
    assert not is_overdue({"state": "closed", "due_at": due_at}, due_at + 1)


def test_life_cycle_transitions():
    assert next_followup_state(S.OPEN, A.CALLBACK) is S.OPEN
    assert next_followup_state(S.OPEN, A.CLOSE) is S.CLOSED
    assert next_followup_state(S.OPEN, A.APPEAL) is S.APPEALED
    assert next_followup_state(S.APPEALED, A.REJECT) is S.OPEN
    assert next_followup_state(S.APPEALED, A.UPHOLD) is S.VOIDED
    for state, action in [(S.CLOSED, A.CALLBACK), (S.CLOSED, A.APPEAL), (S.APPEALED, A.CLOSE),
                          (S.OPEN, A.UPHOLD), (S.VOIDED, A.APPEAL)]:
        with pytest.raises(IllegalTransition):
            next_followup_state(state, action)


def _case(ticket, day, counter, clerk, items, cats, score):
    return RatedCase(ticket, day, counter, clerk, tuple(items), tuple(cats), score)


# A crafted data set: 10 finished cases over two days and three counters.
CASES = [
    _case(1, "2026-11-24", 1, "clerk1", ["B01"], ["B"], 5),
    _case(2, "2026-11-24", 1, "clerk1", ["B02"], ["B"], 4),
    _case(3, "2026-11-24", 2, "clerk2", ["A01"], ["A"], 2),
    _case(4, "2026-11-24", 2, "clerk2", ["A01"], ["A"], None),      # unrated
    _case(5, "2026-11-25", 1, "clerk1", ["B01", "A01"], ["A", "B"], 3),  # a bundle
    _case(6, "2026-11-25", 3, "clerk3", ["C01"], ["C"], 1),
    _case(7, "2026-11-25", 3, "clerk3", ["C01"], ["C"], 5),
    _case(8, "2026-11-25", 3, "clerk3", ["C01"], ["C"], 5),
    _case(9, "2026-11-25", 2, "clerk2", ["A02"], ["A"], None),      # unrated
    _case(10, "2026-11-25", 1, "clerk1", ["B01"], ["B"], 4),
]


def test_overall_figures_match_the_hand_count():
    figures = rate_figures(CASES)
    # rated: 8 of 10; satisfied (3-5): 5,4,3,5,5,4 = 6 of 8.
    assert figures == {"finished": 10, "rated": 8, "rating_rate": 0.8, "satisfaction_rate": 0.75,
                       "distribution": {"5": 3, "4": 2, "3": 1, "2": 1, "1": 1}}


def test_grouped_figures_match_the_hand_count():
    by_day = {g["key"]: g for g in grouped_figures(CASES, "day")}
    assert (by_day["2026-11-24"]["finished"], by_day["2026-11-24"]["rated"]) == (4, 3)
    assert by_day["2026-11-24"]["satisfaction_rate"] == round(2 / 3, 4)
    assert (by_day["2026-11-25"]["rating_rate"], by_day["2026-11-25"]["satisfaction_rate"]) == (round(5 / 6, 4), 0.8)

    by_counter = {g["key"]: g for g in grouped_figures(CASES, "counter")}
    assert by_counter[1]["satisfaction_rate"] == 1.0 and by_counter[1]["rated"] == 4
    assert by_counter[2]["rating_rate"] == round(1 / 3, 4) and by_counter[2]["satisfaction_rate"] == 0.0
    assert by_counter[3]["satisfaction_rate"] == round(2 / 3, 4)

    by_item = {g["key"]: g for g in grouped_figures(CASES, "item")}
    # The bundle (ticket 5) counts once for A01 and once for B01.
    assert (by_item["A01"]["finished"] == 3 and by_item["A01"]["rated"] == 2
            and by_item["A01"]["satisfaction_rate"] == 0.5)
    assert by_item["B01"]["finished"] == 3 and by_item["B01"]["distribution"]["3"] == 1

    by_category = {g["key"]: g for g in grouped_figures(CASES, "category")}
    assert by_category["B"]["finished"] == 4 and by_category["B"]["satisfaction_rate"] == 1.0
    assert by_category["A"]["finished"] == 4 and by_category["A"]["rated"] == 2

    by_clerk = {g["key"]: g for g in grouped_figures(CASES, "clerk")}
    assert by_clerk["clerk3"]["distribution"] == {"5": 2, "4": 0, "3": 0, "2": 0, "1": 1}
    with pytest.raises(InvalidInput):
        grouped_figures(CASES, "weather")


def test_counter_ranking_by_satisfaction_then_rating_rate():
    ranking = counter_ranking(CASES)
    assert [(r["rank"], r["key"]) for r in ranking] == [(1, 1), (2, 3), (3, 2)]


def test_followup_figures():
    rows = [{"state": "open", "due_at": 100.0, "closed_in_time": None},
            {"state": "open", "due_at": 300.0, "closed_in_time": None},
            {"state": "appealed", "due_at": 150.0, "closed_in_time": None},
            {"state": "closed", "due_at": 100.0, "closed_in_time": 1},
            {"state": "closed", "due_at": 100.0, "closed_in_time": 0},
            {"state": "voided", "due_at": 100.0, "closed_in_time": 1}]
    assert followup_figures(rows, now=200.0) == {"total": 6, "open": 3, "closed_in_time": 1, "closed_late": 1,
                                                  "voided": 1, "overdue": 2}
