"""From a hall's events to each ticket's current row and the rollup deltas they cause.

Pure Python, used on ingest (one batch at a time) and by the recomputation that checks the
rollups (all of a hall's events at once): the same fold either way. The rules mirror the hall's
reports (``hall.reports`` over its tickets table): waiting counts from the first call, service from
the last start to the finish, no-show and cancelled are final states, one rating per ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hall.domain.figures import Tally

#: Ticket actions whose data carries the ticket's new state in "to".
TRANSITIONS = frozenset({"called", "recalled", "serving_started", "finished", "no_show", "transferred", "held",
                         "cancelled"})
RATING_EVENTS = frozenset({"rated", "rating_expired"})
FOLLOWUP_CLOSING = frozenset({"followup_close", "followup_uphold_appeal"})

RollupKey = tuple[date, str, str]
"""(service day, category, item key) of a ticket."""


def item_key(item: str | None, bundle: str | None) -> str:
    """A ticket's report key: its item, or ``bundle:CODE`` (a bundle counts once, under its bundle)."""
    return item or (f"bundle:{bundle}" if bundle else "")


@dataclass(slots=True)
class TicketRow:
    """A ticket as the prefecture keeps it (the ``tickets`` table)."""

    hall: int
    id: int
    service_day: date
    number: str
    category: str
    item_key: str
    item: str | None
    bundle: str | None
    issued_at: float
    first_called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    state: str = "waiting"
    counter: int | None = None
    staff: str | None = None
    score: int | None = None
    unrated: bool | None = None
    followup: str | None = None

    @property
    def key(self) -> RollupKey:
        return (self.service_day, self.category, self.item_key)

    def as_tuple(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in FIELDS)

    @classmethod
    def issued(cls, hall: int, ref: Mapping[str, Any], at: float) -> TicketRow:
        """A new ticket from its reference (shipped with the batch) and its issued event's time."""
        return cls(hall=hall, id=int(ref["id"]), service_day=date.fromisoformat(ref["service_day"]),
                   number=ref["number"], category=ref["category"], item_key=item_key(ref["item"], ref["bundle"]),
                   item=ref["item"], bundle=ref["bundle"], issued_at=at)


FIELDS = tuple(TicketRow.__dataclass_fields__)


def apply_event(ticket: TicketRow, event: Mapping[str, Any], delta: Tally) -> None:
    """Move *ticket* by *event*, adding what it changes in the figures to *delta* (its rollup row's change)."""
    kind, at, data = event["type"], float(event["at"]), event.get("data") or {}
    if kind in TRANSITIONS and isinstance(data.get("to"), str):
        ticket.state = data["to"]
    if kind == "issued":
        delta.issued += 1
    elif kind == "called":
        ticket.counter, ticket.staff = event.get("counter"), event.get("staff")
        if ticket.first_called_at is None:
            ticket.first_called_at = at
            delta.add_wait(at - ticket.issued_at)
    elif kind == "serving_started":
        ticket.started_at = at
    elif kind == "finished":
        ticket.finished_at = at
        delta.served += 1
        if ticket.started_at is not None and at >= ticket.started_at:
            delta.add_service(at - ticket.started_at)
    elif kind == "no_show":
        delta.no_shows += 1
    elif kind == "cancelled":
        delta.cancelled += 1
    elif kind == "rated":
        ticket.score, ticket.unrated = int(data["score"]), False
        delta.add_score(ticket.score)
    elif kind == "rating_expired":
        ticket.unrated = True
        delta.unrated += 1
    elif kind == "case_accepted":
        delta.cases_opened += 1
    elif kind == "case_delivered" or (kind in ("case_reviewed", "case_approved") and data.get("to") == "rejected"):
        delta.cases_closed += 1
    elif kind == "followup_opened":
        ticket.followup = "open"
        delta.fu_opened += 1
    elif kind == "followup_overdue" and ticket.followup == "open":
        ticket.followup = "overdue"
        delta.fu_overdue += 1
    elif kind in FOLLOWUP_CLOSING and ticket.followup in ("open", "overdue"):
        delta.fu_closed += 1
        delta.fu_overdue_closed += int(ticket.followup == "overdue")
        ticket.followup = "closed"


class Fold:
    """Applies events in log order to tickets and sums the rollup deltas per (day, category, item)."""

    def __init__(self, hall: int, tickets: Mapping[int, TicketRow], refs: Mapping[int, Mapping[str, Any]]) -> None:
        self.hall = hall
        self.tickets: dict[int, TicketRow] = dict(tickets)
        self.refs = refs
        self.changed: set[int] = set()
        self.deltas: dict[RollupKey, Tally] = {}

    def apply(self, event: Mapping[str, Any]) -> None:
        """Fold one event; KeyError when it names a ticket the prefecture never saw issued."""
        ticket_id = event.get("ticket")
        if ticket_id is None:
            return
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            if event["type"] != "issued":
                raise KeyError(ticket_id)
            ticket = self.tickets[ticket_id] = TicketRow.issued(self.hall, self.refs[ticket_id], float(event["at"]))
        self.changed.add(ticket_id)
        key = ticket.key
        delta = self.deltas.get(key)
        if delta is None:
            delta = self.deltas[key] = Tally()
        apply_event(ticket, event, delta)

    def apply_all(self, events: Iterable[Mapping[str, Any]]) -> Fold:
        for event in events:
            self.apply(event)
        return self

    def changed_rows(self) -> list[TicketRow]:
        return [self.tickets[i] for i in sorted(self.changed)]
