"""The queue index gives exactly the answers of the routing policy over the whole queue, for any queue."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hall.domain.models import QueuedTicket
from hall.domain.queue import QueueIndex
from hall.domain.routing import NEWEST, CounterView, make_policy, people_ahead

FAIRNESS = 600.0
ITEMS = ("A01", "A02", "B01", "C01")
CATEGORY = {"A01": "A", "A02": "A", "B01": "B", "C01": "C"}

item_sets = st.sampled_from([frozenset({"A01"}), frozenset({"A02"}), frozenset({"B01"}), frozenset({"C01"}),
                             frozenset({"A01", "B01"})])


@st.composite
def tickets(draw: st.DrawFn, ident: int) -> QueuedTicket:
    items = draw(item_sets)
    category = CATEGORY[sorted(items)[0]]
    target = draw(st.sampled_from(["none", "none", "none", "counter", "category"]))
    return QueuedTicket(
        id=ident, category=category, items=items, priority=draw(st.booleans()),
        # A coarse grid of times so that ties and the fairness boundary (exactly 600 s) both happen.
        queue_at=draw(st.integers(0, 40)) * 30.0,
        target_counter=draw(st.integers(1, 3)) if target == "counter" else None,
        target_category=draw(st.sampled_from("ABC")) if target == "category" else None,
    )


@st.composite
def counters(draw: st.DrawFn) -> list[CounterView]:
    views = []
    for number in (1, 2, 3):
        items = frozenset(draw(st.sets(st.sampled_from(ITEMS), min_size=1)))
        categories = frozenset(CATEGORY[i] for i in items)
        views.append(CounterView(number=number, items=items, item_categories=categories,
                                 dedicated_category=draw(st.sampled_from(sorted(categories)))))
    return views


@st.composite
def queues(draw: st.DrawFn) -> list[QueuedTicket]:
    size = draw(st.integers(0, 25))
    return [draw(tickets(i + 1)) for i in range(size)]


@settings(max_examples=300, deadline=None)
@given(queue=queues(), views=counters(), now=st.integers(0, 60).map(lambda m: m * 30.0),
       policy_name=st.sampled_from(["one-window", "dedicated"]), removed=st.sets(st.integers(1, 25)))
def test_index_matches_the_policy_over_the_whole_queue(queue, views, now, policy_name, removed):
    policy = make_policy(policy_name, FAIRNESS)
    index = QueueIndex(policy)
    for ticket in queue:
        index.put(ticket)
    for ticket_id in removed:  # tickets called or cancelled meanwhile
        index.discard(ticket_id)
    waiting = [t for t in queue if t.id not in removed]
    assert len(index) == len(waiting)
    for view in views:
        expected = policy.choose(view, waiting, now)
        assert index.next_for(view, now) == expected
        assert index.waiting_for(view)[0] == sum(1 for t in waiting if policy.eligible(view, t))
    for ticket in waiting:
        assert index.people_ahead(ticket, views, now) == people_ahead(policy, ticket, waiting, views, now)
    for items in (frozenset({"A01"}), frozenset({"A01", "B01"})):
        for priority in (False, True):
            probe = QueuedTicket(id=NEWEST, category="A", items=items, priority=priority, queue_at=now)
            assert index.people_ahead(probe, views, now) == people_ahead(policy, probe, waiting, views, now)


def test_moving_a_ticket_replaces_its_old_place():
    index = QueueIndex(make_policy("one-window", FAIRNESS))
    view = CounterView(number=1, items=frozenset(ITEMS), item_categories=frozenset("ABC"))
    first = QueuedTicket(id=1, category="A", items=frozenset({"A01"}), priority=False, queue_at=10.0)
    second = QueuedTicket(id=2, category="A", items=frozenset({"A01"}), priority=False, queue_at=20.0)
    index.put(first)
    index.put(second)
    assert index.next_for(view, 30.0) == first
    index.put(QueuedTicket(id=1, category="A", items=frozenset({"A01"}), priority=False, queue_at=25.0))
    assert len(index) == 2
    assert index.next_for(view, 30.0) == second
    assert index.categories()["A"].waiting == 2
    assert index.categories()["A"].oldest_queue_at == 20.0
