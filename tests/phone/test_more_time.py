""""I need more time" as a queue-position change: the index's tickets behind a ticket are exactly those the
routing policy would call after it (for any queue), and moving behind the N-th of them puts it N places back."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from hall.domain.queue import QueueIndex
from hall.domain.routing import make_policy, people_ahead
from tests.core.test_queue_index import FAIRNESS, counters, queues


def behind_by_the_policy(policy, ticket, waiting, views, now):
    """Brute force: tickets some counter able to serve *ticket* may serve, ordered after it by the sort key."""
    able = [v for v in views if policy.eligible(v, ticket)]
    own = policy.sort_key(ticket, now)
    others = [t for t in waiting if t.id != ticket.id and any(policy.eligible(v, t) for v in able)
              and policy.sort_key(t, now) > own]
    return sorted(others, key=lambda t: policy.sort_key(t, now))


@settings(max_examples=200, deadline=None)
@given(queue=queues(), views=counters(), now=st.integers(0, 60).map(lambda m: m * 30.0),
       policy_name=st.sampled_from(["one-window", "dedicated"]), places=st.integers(1, 6))
def test_the_tickets_behind_match_the_policy(queue, views, now, policy_name, places):
    policy = make_policy(policy_name, FAIRNESS)
    index = QueueIndex(policy)
    for ticket in queue:
        index.put(ticket)
    for ticket in queue:
        expected = behind_by_the_policy(policy, ticket, queue, views, now)[:places]
        assert index.tickets_behind(ticket, views, now, places) == expected


@settings(max_examples=200, deadline=None)
@given(queue=queues(), views=counters(), now=st.integers(60, 61).map(lambda m: m * 30.0),
       places=st.integers(1, 6))
def test_moving_behind_the_nth_puts_the_ticket_n_places_back(queue, views, now, places):
    policy = make_policy("one-window", FAIRNESS)
    # Distinct queue times (a real day's), none past the fairness target, so moves keep their meaning.
    queue = [t.__class__(**{**t.__dict__, "queue_at": now - 300 + t.id, "priority": False}) for t in queue]
    index = QueueIndex(policy)
    for ticket in queue:
        index.put(ticket)
    for ticket in queue:
        behind = index.tickets_behind(ticket, views, now, places)
        if not behind:
            continue
        before = people_ahead(policy, ticket, queue, views, now)
        target = behind[-1]
        moved = ticket.__class__(**{**ticket.__dict__, "queue_at": math.nextafter(target.queue_at, math.inf)})
        index.put(moved)
        rest = [t for t in queue if t.id != ticket.id] + [moved]
        after = index.people_ahead(moved, views, now)
        assert after == people_ahead(policy, moved, rest, views, now)
        assert after >= before + len(behind) - sum(
            1 for t in behind if not any(policy.eligible(v, t) and policy.eligible(v, ticket) for v in views))
        index.put(ticket)  # back where it was for the next ticket
