"""Property tests: under any interleaving of issue / call / finish, no ticket is called twice and none is lost."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hall.config import HallSettings
from hall.demo import catalogue_document, load_catalogue
from hall.domain.clock import FixedClock
from hall.domain.errors import CounterBusy, IllegalTransition
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.domain.states import TicketState
from hall.service import HallService
from hall.storage import open_storage
from tests.conftest import MORNING, sign_in_demo_clerks

ITEMS = ["A01", "B01", "C01", "E01", "F01"]

step = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(ITEMS), st.booleans()),
    st.tuples(st.just("call"), st.integers(1, 5), st.just(False)),
    st.tuples(st.just("start"), st.integers(1, 5), st.just(False)),
    st.tuples(st.just("finish"), st.integers(1, 5), st.just(False)),
    st.tuples(st.just("no_show"), st.integers(1, 5), st.just(False)),
    st.tuples(st.just("wait"), st.integers(1, 900), st.just(False)),
)


def fresh_hall() -> tuple[HallService, FixedClock]:
    """A new in-memory hall per example, so examples never see each other's tickets."""
    clock = FixedClock(MORNING)
    storage = open_storage(":memory:")
    load_catalogue(storage, catalogue_document(), clock.now())
    sign_in_demo_clerks(storage, clock.now())
    return HallService(storage, HallSettings(), make_policy("one-window", 600), clock, EventBus()), clock


@settings(max_examples=80, deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=60))
def test_no_ticket_called_twice_none_lost(steps):
    hall_service, clock = fresh_hall()
    issued: set[int] = set()
    calls: list[int] = []
    for kind, arg, flag in steps:
        if kind == "issue":
            issued.add(hall_service.issue_ticket(service=arg, priority=flag).id)
        elif kind == "wait":
            clock.advance(arg)
        elif kind == "call":
            try:
                ticket = hall_service.call_next(arg, None)
            except CounterBusy:
                continue
            if ticket is not None:
                calls.append(ticket.id)
        else:
            try:
                getattr(hall_service, kind)(arg, None)
            except IllegalTransition:
                continue
    tickets = {t: hall_service.ticket(t) for t in issued}
    # Each ticket is called at most once (no-shows are final, nothing is re-queued here).
    assert len(calls) == len(set(calls))
    assert set(calls) <= issued
    # None lost: every issued ticket is in exactly one known state, and each counter holds at most one.
    in_hand = [t for t in tickets.values() if t.state in (TicketState.CALLED, TicketState.SERVING)]
    assert len({t.counter for t in in_hand}) == len(in_hand)
    waiting = {t.id for t in tickets.values() if t.state is TicketState.WAITING}
    assert waiting.isdisjoint(calls)
    assert waiting | set(calls) == issued
    hall_service.storage.close()
