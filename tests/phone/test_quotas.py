"""Tickets against service hours and quotas, in the issuing transaction: refusals leave nothing behind,
remote tickets keep to their share, slots and bookings count, the cost per ticket does not grow with the day,
and two processes on one database never give out more than the quota."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hall.admission import EARLY_KEY, OutsideServiceHours, RemoteClosed
from hall.domain.clock import FixedClock
from hall.hours import OpeningHours
from hall.phone_config import PhoneSettings
from hall.quotas import QuotaBook, QuotaExhausted, local_minute, release, rules_of, take, targets_of
from hall.storage import open_storage, repo
from hall.storage import quotas as store
from tests.conftest import MORNING, SHANGHAI, demo_service
from tests.phone.conftest import ENFORCED, admitted


def counts(service) -> tuple[int, int, int]:
    with service.storage.read() as db:
        return (db.execute("SELECT count(*) FROM tickets").fetchone()[0],
                db.execute("SELECT count(*) FROM events WHERE type = 'issued'").fetchone()[0],
                db.execute("SELECT coalesce(sum(last), 0) FROM number_sequences").fetchone()[0])


def test_outside_the_service_hours_nothing_is_issued_and_the_next_opening_is_given(hall_with_rules, clock):
    clock.set(MORNING - 5 * 3600 + 14 * 60)  # 04:14
    with pytest.raises(OutsideServiceHours) as refused:
        hall_with_rules.issue_ticket(service="A01")
    assert refused.value.details["next_opening_time"] == "09:00"
    assert refused.value.details["next_opening"].startswith("2026-11-25T09:00")
    assert counts(hall_with_rules) == (0, 0, 0)
    clock.set(MORNING)
    assert hall_with_rules.issue_ticket(service="A01").number == "A001"  # no number was lost to the refusal


def test_an_early_opening_lets_tickets_through_until_it_ends(hall_with_rules, clock):
    clock.set(MORNING - 40 * 60)
    with hall_with_rules.storage.write() as db:
        repo.set_setting(db, EARLY_KEY, {"since": clock.now(), "until": MORNING, "by": "manager"})
    assert hall_with_rules.issue_ticket(service="A01").number == "A001"
    with hall_with_rules.storage.write() as db:
        repo.set_setting(db, EARLY_KEY, {"since": clock.now() - 7200, "until": clock.now() - 60, "by": "manager"})
    with pytest.raises(OutsideServiceHours):
        hall_with_rules.issue_ticket(service="A01")


def save(service, scope: str, code: str, **values) -> None:
    QuotaBook(service.storage, service.clock).save("manager", scope, code, values)


def test_a_daily_item_quota_then_refused_without_a_trace(hall_with_rules):
    save(hall_with_rules, "item", "A01", daily=2)
    hall_with_rules.issue_ticket(service="A01")
    hall_with_rules.issue_ticket(service="A01")
    with pytest.raises(QuotaExhausted) as refused:
        hall_with_rules.issue_ticket(service="A01")
    shown = {k: refused.value.details[k] for k in ("scope", "code", "limit")}
    assert shown == {"scope": "item", "code": "A01", "limit": "daily"}
    assert counts(hall_with_rules) == (2, 2, 2)
    assert hall_with_rules.issue_ticket(service="A02").number == "A003"  # other items go on


def test_bundle_and_hall_quotas(hall_with_rules):
    save(hall_with_rules, "bundle", "P01", daily=1)
    save(hall_with_rules, "hall", "", daily=3)
    hall_with_rules.issue_ticket(bundle="P01")
    with pytest.raises(QuotaExhausted, match="bundle P01"):
        hall_with_rules.issue_ticket(bundle="P01")
    hall_with_rules.issue_ticket(service="A01")
    hall_with_rules.issue_ticket(service="C01")
    with pytest.raises(QuotaExhausted, match="the hall"):
        hall_with_rules.issue_ticket(service="D01")


def test_a_slot_quota_refuses_within_the_slot_and_opens_with_the_next(hall_with_rules, clock):
    save(hall_with_rules, "item", "A01", slot_minutes=60, per_slot=2)
    clock.set(MORNING + 10 * 60)
    hall_with_rules.issue_ticket(service="A01")
    hall_with_rules.issue_ticket(service="A01")
    with pytest.raises(QuotaExhausted) as refused:
        hall_with_rules.issue_ticket(service="A01")
    assert refused.value.details["slot"] == "09:00" and refused.value.details["limit"] == "slot"
    clock.set(MORNING + 60 * 60)
    hall_with_rules.issue_ticket(service="A01")


def test_remote_tickets_keep_to_their_share_and_walk_ins_are_never_shut_out(hall_with_rules):
    save(hall_with_rules, "item", "A01", daily=10)  # the hall's share: 30 % → 3 remote
    remote = [hall_with_rules.issue_ticket(service="A01", channel="remote") for _ in range(3)]
    assert all(t.channel == "remote" and t.arrived_at is None for t in remote)
    with pytest.raises(QuotaExhausted) as refused:
        hall_with_rules.issue_ticket(service="A01", channel="remote")
    assert refused.value.details["limit"] == "remote"
    walk_ins = [hall_with_rules.issue_ticket(service="A01") for _ in range(7)]
    assert walk_ins[-1].arrived_at is not None
    with pytest.raises(QuotaExhausted):
        hall_with_rules.issue_ticket(service="A01")
    save(hall_with_rules, "item", "A02", daily=10, remote_share=0)
    with pytest.raises(QuotaExhausted):
        hall_with_rules.issue_ticket(service="A02", channel="remote")


def test_remote_tickets_can_be_switched_off(storage, clock):
    service = admitted(demo_service(storage, clock), phone=PhoneSettings(remote_enabled=False))
    with pytest.raises(RemoteClosed):
        service.issue_ticket(service="A01", channel="remote")
    service.issue_ticket(service="A01")


def test_a_booking_takes_its_quota_when_made_and_not_again_at_check_in(hall_with_rules):
    save(hall_with_rules, "item", "A01", daily=2, slot_minutes=30, per_slot=1)
    day = hall_with_rules.today()
    with hall_with_rules.storage.write() as db:
        rules = rules_of(store.rules(db))
        take(db, rules, day=day, targets=targets_of("A01", None), minute=10 * 60, remote=False, booking=True,
             share_default=30)
    hall_with_rules.issue_ticket(service="A01")
    with pytest.raises(QuotaExhausted):
        hall_with_rules.issue_ticket(service="A01")
    hall_with_rules.issue_ticket(service="A01", channel="appointment", reserved=True)  # the booking's own ticket
    with hall_with_rules.storage.write() as db:
        release(db, rules, day=day, targets=targets_of("A01", None), minute=10 * 60)
        assert store.usage(db, day, "item", "A01", "") == (1, 0, 0)
        assert store.usage(db, day, "item", "A01", "10:00") == (0, 0, 0)


def test_managers_see_what_is_left(hall_with_rules):
    save(hall_with_rules, "item", "A01", daily=10, slot_minutes=60, per_slot=4)
    for channel in ("walk_in", "remote", "walk_in"):
        hall_with_rules.issue_ticket(service="A01", channel=channel)
    rows = QuotaBook(hall_with_rules.storage, hall_with_rules.clock).remaining(
        hall_with_rules.today(), local_minute(hall_with_rules.clock.now(), SHANGHAI), 30, {("item", "A01"): "x"})
    assert rows == [{"scope": "item", "code": "A01", "daily": 10, "slot_minutes": 60, "per_slot": 4,
                     "remote_share": None, "name": "x", "used": 3, "remote_used": 1, "booked": 0, "remaining": 7,
                     "remote_limit": 3, "remote_remaining": 2, "slot": {"start": "09:00", "used": 3, "remaining": 1}}]


def test_quota_changes_are_checked_and_audited(hall_with_rules):
    book = QuotaBook(hall_with_rules.storage, hall_with_rules.clock)
    with pytest.raises(Exception, match="time slot"):
        book.save("manager", "item", "A01", {"slot_minutes": 30})
    with pytest.raises(Exception, match="unknown service item"):
        book.save("manager", "item", "NOPE", {"daily": 3})
    book.save("manager", "item", "A01", {"daily": 3})
    book.delete("manager", "item", "A01")
    with hall_with_rules.storage.read() as db:
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["quota.update", "quota.delete"]
    for _ in range(4):
        hall_with_rules.issue_ticket(service="A01")


def statements_of_one_ticket(hall_service, **request) -> int:
    """How many SQL statements issuing one ticket runs (the writer connection's trace)."""
    seen: list[str] = []
    hall_service.storage.conn.set_trace_callback(seen.append)
    try:
        hall_service.issue_ticket(**request)
    finally:
        hall_service.storage.conn.set_trace_callback(None)
    return len(seen)


def test_the_cost_of_the_check_does_not_grow_with_the_day(hall_with_rules, clock):
    save(hall_with_rules, "item", "A01", daily=5000, slot_minutes=60, per_slot=5000)
    save(hall_with_rules, "hall", "", daily=5000)
    # The rules are read once, then only their version; the day's figures for the wait estimate once the
    # day has its first ticket, then only the day's version.
    for _ in range(2):
        hall_with_rules.issue_ticket(service="A01")
    first = statements_of_one_ticket(hall_with_rules, service="A01", channel="remote")
    for _ in range(300):
        hall_with_rules.issue_ticket(service="A01")
    assert statements_of_one_ticket(hall_with_rules, service="A01", channel="remote") == first


def test_two_processes_never_give_out_more_than_the_quota(tmp_path: Path):
    clock = FixedClock(MORNING)
    first = open_storage(tmp_path / "shared.db")
    second = open_storage(tmp_path / "shared.db")
    try:
        one = admitted(demo_service(first, clock), ENFORCED)
        from hall.config import HallSettings
        from hall.domain.events import EventBus
        from hall.domain.routing import make_policy
        from hall.service import HallService

        two = admitted(HallService(second, HallSettings(), make_policy("one-window", 1800), clock, EventBus()),
                       OpeningHours(enforce=True))
        save(one, "item", "A01", daily=25)
        issued: list[str] = []
        refused: list[int] = []

        def take_many(service) -> None:
            for _ in range(20):
                try:
                    issued.append(service.issue_ticket(service="A01").number)
                except QuotaExhausted:
                    refused.append(1)

        threads = [threading.Thread(target=take_many, args=(s,)) for s in (one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(issued) == 25 and len(set(issued)) == 25 and len(refused) == 15
    finally:
        first.close()
        second.close()
