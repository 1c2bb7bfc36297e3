"""Evaluator settings: holidays push follow-up deadlines; [[evaluator_keypads]] is validated at start-up."""

from __future__ import annotations

import pytest

from hall.config import ConfigError, HallSettings, parse_config
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.service import HallService
from hall.storage import ratings as rating_store


def test_holidays_move_the_follow_up_deadline(hall_service):
    # Wednesday 25 November 2026; Thursday 26 and Friday 27 are made holidays.
    service = HallService(hall_service.storage, HallSettings(holidays=("2026-11-26", "2026-11-27")),
                          make_policy("one-window", 1800), hall_service.clock, EventBus())
    with service.storage.write() as db:
        db.execute("INSERT INTO counters (number, name, state_since) VALUES (9, 'nine', 0)")
        db.execute("INSERT INTO counter_items (counter, item) SELECT 9, code FROM service_items")
    ticket = service.issue_ticket(service="B01")
    service.call_next(9, None)
    service.start(9, None)
    service.finish(9, None)
    service.rate(ticket.id, 1, device_id=None, device_counter=9, reasons=["not_handled"])
    with service.storage.read() as db:
        followup = rating_store.followup_of_ticket(db, ticket.id)
    # Mon 30, Tue 1, Wed 2, Thu 3, Fri 4 December.
    assert followup["due_day"] == "2026-12-04" and followup["reasons"] == ["not_handled"]


@pytest.mark.parametrize(("raw", "message"), [
    ({"hall": {"holidays": ["2026-13-01"]}}, "not a date"),
    ({"hall": {"holidays": "2026-10-01"}}, "list of dates"),
    ({"evaluator_keypads": [{"port": "", "counter": 1}]}, "port"),
    ({"evaluator_keypads": [{"port": "/dev/ttyUSB1", "counter": 1, "address": 300}]}, "address"),
    ({"evaluator_keypads": [{"port": "/dev/ttyUSB1", "counter": "one"}]}, "counter"),
    ({"evaluator_keypads": [{"port": "/dev/ttyUSB1", "counter": 1, "baud": 9600}]}, "unknown setting"),
    ({"evaluator_keypads": [{"port": "/dev/ttyUSB1", "counter": 1}, {"port": "/dev/ttyUSB1", "counter": 2}]},
     "used twice"),
])
def test_bad_settings_stop_the_start(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)


def test_good_settings():
    config = parse_config({"hall": {"holidays": ["2026-10-01"], "followup_working_days": 3},
                           "evaluator_keypads": [{"port": "loop://", "counter": 2, "address": 4}]})
    assert config.hall.followup_working_days == 3
    assert config.evaluator_keypads == ({"port": "loop://", "counter": 2, "address": 4},)
