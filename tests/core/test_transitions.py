"""Every transition of a ticket, legal and illegal, and the event each one writes."""

from __future__ import annotations

import pytest

from hall.domain.errors import CounterBusy, IllegalTransition, InvalidInput, NotAuthorised, UnknownTicket
from hall.domain.states import TICKET_STATE_LABELS, TRANSITIONS, TicketAction, TicketState, allowed_actions, next_state
from hall.storage import repo

S = TicketState
A = TicketAction

LEGAL = {(source, action): t.target for action, t in TRANSITIONS.items() for source in t.sources}


@pytest.mark.parametrize("state", list(TicketState))
@pytest.mark.parametrize("action", [a for a in TicketAction if a is not TicketAction.ISSUE])
def test_next_state_matches_the_table(state, action):
    if (state, action) in LEGAL:
        assert next_state(state, action) is LEGAL[(state, action)]
        assert action in allowed_actions(state)
    else:
        with pytest.raises(IllegalTransition) as info:
            next_state(state, action)
        assert info.value.details["state"] == state.value
        assert str(TICKET_STATE_LABELS[state]) in info.value.message  # the refusal names the state as people say it
        assert action not in allowed_actions(state)


def test_final_states_allow_nothing():
    for state in (S.FINISHED, S.NO_SHOW, S.CANCELLED):
        assert allowed_actions(state) == []


def events(hall_service, ticket_id):
    with hall_service.storage.read() as db:
        return [e["type"] for e in repo.events_of_ticket(db, ticket_id)]


def test_happy_path_writes_one_event_per_change(hall_service):
    t = hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    hall_service.recall(1, "clerk1")
    hall_service.start(1, "clerk1")
    done = hall_service.finish(1, "clerk1")
    assert done.state is S.FINISHED and done.recall_count == 1
    assert events(hall_service, t.id) == ["issued", "called", "recalled", "serving_started", "finished"]


def test_illegal_actions_at_a_counter_are_refused_and_change_nothing(hall_service):
    with pytest.raises(IllegalTransition):
        hall_service.finish(1, "clerk1")  # nothing in hand
    t = hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    with pytest.raises(IllegalTransition):
        hall_service.finish(1, "clerk1")  # called, not serving
    with pytest.raises(CounterBusy):
        hall_service.call_next(1, "clerk1")
    assert hall_service.ticket(t.id).state is S.CALLED
    assert events(hall_service, t.id) == ["issued", "called"]


def test_no_show_releases_the_counter(hall_service):
    hall_service.issue_ticket(service="A01")
    second = hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    assert hall_service.no_show(1, "clerk1").state is S.NO_SHOW
    assert hall_service.call_next(1, "clerk1").id == second.id


def test_transfer_to_counter_keeps_the_place_in_the_queue(hall_service, clock):
    first = hall_service.issue_ticket(service="A01")
    clock.advance(60)
    later = hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    moved = hall_service.transfer(1, "clerk1", to_counter=2, note="needs the pension desk")
    assert moved.state is S.WAITING and moved.target_counter == 2 and moved.queue_at == first.queue_at
    # Counter 3 may not take a ticket sent to counter 2; it gets the later one.
    assert hall_service.call_next(3, "clerk3").id == later.id
    assert hall_service.call_next(2, "clerk2").id == first.id


def test_transfer_to_category_and_bad_targets(hall_service):
    hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    with pytest.raises(InvalidInput):
        hall_service.transfer(1, "clerk1", to_counter=1)
    with pytest.raises(InvalidInput):
        hall_service.transfer(1, "clerk1", to_category="nope")
    with pytest.raises(InvalidInput):
        hall_service.transfer(1, "clerk1")
    moved = hall_service.transfer(1, "clerk1", to_category="pension")
    assert moved.target_category == "pension" and moved.state is S.WAITING


def test_hold_then_any_able_counter_calls_the_number_back(hall_service):
    t = hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    hall_service.start(1, "clerk1")
    held = hall_service.hold(1, "clerk1")
    assert held.state is S.HELD and held.counter is None
    assert hall_service.call_next(1, "clerk1") is None  # a held ticket is not in the queue
    back = hall_service.call_specific(4, "clerk4", t.number)
    assert back.state is S.CALLED and back.counter == 4
    assert events(hall_service, t.id)[-2:] == ["held", "called"]


def test_call_specific_checks_number_and_authorisation(hall_service):
    with pytest.raises(InvalidInput):
        hall_service.call_specific(1, "clerk1", "zz")
    with pytest.raises(UnknownTicket):
        hall_service.call_specific(1, "clerk1", "A999")
    t = hall_service.issue_ticket(service="A01")
    with hall_service.storage.write() as db:
        repo.set_counter_items(db, 5, ["B01"])
    with pytest.raises(NotAuthorised):
        hall_service.call_specific(5, "clerk5", t.number)


def test_pause_and_resume(hall_service):
    paused = hall_service.pause(2, "clerk2", "lunch")
    assert paused.state.value == "paused" and paused.pause_reason == "lunch"
    hall_service.issue_ticket(service="A01")
    with pytest.raises(IllegalTransition):
        hall_service.call_next(2, "clerk2")
    with pytest.raises(IllegalTransition):
        hall_service.pause(2, "clerk2", "again")
    assert hall_service.resume(2, "clerk2").state.value == "open"
    assert hall_service.call_next(2, "clerk2") is not None
    with pytest.raises(IllegalTransition):
        hall_service.resume(2, "clerk2")
    with pytest.raises(CounterBusy):
        hall_service.pause(2, "clerk2", "lunch")  # a ticket is in hand


def test_cancel_waiting_and_called_but_not_finished(hall_service):
    waiting = hall_service.issue_ticket(service="A01")
    assert hall_service.cancel(waiting.id, "manager", "left the hall").state is S.CANCELLED
    called = hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    hall_service.cancel(called.id, "manager")
    assert hall_service.call_next(1, "clerk1") is None  # counter released, queue empty
    hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    hall_service.start(1, "clerk1")
    done = hall_service.finish(1, "clerk1")
    with pytest.raises(IllegalTransition):
        hall_service.cancel(done.id, "manager")


def test_unknown_service_and_bundle(hall_service):
    from hall.domain.errors import UnknownService

    with pytest.raises(UnknownService):
        hall_service.issue_ticket(service="NOPE")
    with pytest.raises(UnknownService):
        hall_service.issue_ticket(bundle="NOPE")
    with pytest.raises(InvalidInput):
        hall_service.issue_ticket(service="A01", bundle="P01")


def test_event_log_is_append_only(hall_service):
    import sqlite3

    hall_service.issue_ticket(service="A01")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with hall_service.storage.write() as db:
            db.execute("UPDATE events SET type = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with hall_service.storage.write() as db:
            db.execute("DELETE FROM events")


def test_request_rating_asks_again_only_inside_the_window(hall_service, clock):
    from hall.domain.errors import RatingClosed
    from hall.domain.events import RatingRequested

    seen = []
    hall_service.bus.subscribe(seen.append)
    with pytest.raises(RatingClosed):
        hall_service.request_rating(1, "clerk1")  # nothing finished yet
    t = hall_service.issue_ticket(service="A01")
    hall_service.call_next(1, "clerk1")
    hall_service.start(1, "clerk1")
    hall_service.finish(1, "clerk1")
    assert hall_service.pending_rating(2) is None  # another counter's case
    pending = hall_service.request_rating(1, "clerk1")
    assert pending["ticket"] == t.id and isinstance(seen[-1], RatingRequested) and seen[-1].counter == 1
    assert "rating_requested" in events(hall_service, t.id)
    clock.advance(hall_service.hall.rating_window_seconds + 1)
    with pytest.raises(RatingClosed):
        hall_service.request_rating(1, "clerk1")
