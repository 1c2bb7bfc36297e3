"""Ticket and counter states, and every legal transition written once."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from .errors import N_, IllegalTransition, Template


class TicketState(str, Enum):
    """Where a ticket is in the flow."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    HELD = "held"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    #: Still open when its service day closed (the citizen never came back, the hall closed).
    EXPIRED = "expired"


#: States in which a ticket is in a counter's hands.
IN_HAND = frozenset({TicketState.CALLED, TicketState.SERVING})
#: States from which a ticket never moves again.
FINAL = frozenset({TicketState.FINISHED, TicketState.NO_SHOW, TicketState.CANCELLED, TicketState.EXPIRED})
#: States a ticket can be in when its day closes; each is closed with an "expired" event.
OPEN = frozenset({TicketState.WAITING, TicketState.CALLED, TicketState.SERVING, TicketState.HELD})


class CounterState(str, Enum):
    """Whether a counter takes calls."""

    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class TicketAction(str, Enum):
    """What can happen to a ticket; each name is also the event-log type."""

    ISSUE = "issued"
    CALL = "called"
    RECALL = "recalled"
    START = "serving_started"
    FINISH = "finished"
    NO_SHOW = "no_show"
    TRANSFER = "transferred"
    HOLD = "held"
    CANCEL = "cancelled"
    EXPIRE = "expired"


S = TypeVar("S", bound=Enum)
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Transition(Generic[S]):
    """One legal move: the states it may start from and the state it leads to."""

    sources: frozenset[S]
    target: S


class StateMachine(Generic[S, K]):
    """Every legal move of one kind of record (a ticket, a follow-up, a back-office case), written once.

    *moves* maps what is done (an action, or an action and its outcome) to the Transition it makes.
    """

    def __init__(self, kind: str, moves: Mapping[K, Transition[S]]) -> None:
        self.kind = kind
        self.moves = dict(moves)

    def next(self, current: S, move: K) -> S:
        """The state *move* leads to from *current*, or IllegalTransition."""
        transition = self.moves.get(move)
        if transition is None or current not in transition.sources:
            allowed = sorted(str(s.value) for s in transition.sources) if transition else []
            name = getattr(move, "value", None) or str(move)
            raise IllegalTransition(N_("a {self_kind} that is {current_value} cannot take the action {name}"),
                                    self_kind=self.kind, current_value=current.value, name=name,
                                    state=str(current.value), action=str(name), allowed_from=allowed)
        return transition.target

    def allowed(self, current: S) -> list[K]:
        """What can be done to a record in *current* (for enabling buttons)."""
        return [move for move, t in self.moves.items() if current in t.sources]


_S = TicketState
TRANSITIONS: dict[TicketAction, Transition[TicketState]] = {
    TicketAction.CALL: Transition(frozenset({_S.WAITING, _S.HELD}), _S.CALLED),
    TicketAction.RECALL: Transition(frozenset({_S.CALLED}), _S.CALLED),
    TicketAction.START: Transition(frozenset({_S.CALLED}), _S.SERVING),
    TicketAction.FINISH: Transition(frozenset({_S.SERVING}), _S.FINISHED),
    TicketAction.NO_SHOW: Transition(frozenset({_S.CALLED}), _S.NO_SHOW),
    TicketAction.TRANSFER: Transition(frozenset({_S.CALLED, _S.SERVING}), _S.WAITING),
    TicketAction.HOLD: Transition(frozenset({_S.CALLED, _S.SERVING}), _S.HELD),
    TicketAction.CANCEL: Transition(frozenset({_S.WAITING, _S.HELD, _S.CALLED}), _S.CANCELLED),
    TicketAction.EXPIRE: Transition(frozenset({_S.WAITING, _S.CALLED, _S.SERVING, _S.HELD}), _S.EXPIRED),
}


TICKETS: StateMachine[TicketState, TicketAction] = StateMachine("ticket", TRANSITIONS)


#: A ticket's states and actions as a person reads them in a refusal ("a ticket that is finished cannot be called").
TICKET_STATE_LABELS: dict[TicketState, Template] = {
    TicketState.WAITING: N_("waiting"), TicketState.CALLED: N_("called"), TicketState.SERVING: N_("being served"),
    TicketState.HELD: N_("held"), TicketState.FINISHED: N_("finished"), TicketState.NO_SHOW: N_("a no-show"),
    TicketState.CANCELLED: N_("cancelled"), TicketState.EXPIRED: N_("expired"),
}
TICKET_ACTION_LABELS: dict[TicketAction, Template] = {
    TicketAction.ISSUE: N_("issued"), TicketAction.CALL: N_("called"), TicketAction.RECALL: N_("called again"),
    TicketAction.START: N_("started"), TicketAction.FINISH: N_("finished"),
    TicketAction.NO_SHOW: N_("marked a no-show"),
    TicketAction.TRANSFER: N_("transferred"), TicketAction.HOLD: N_("held"), TicketAction.CANCEL: N_("cancelled"),
    TicketAction.EXPIRE: N_("expired"),
}


def next_state(current: TicketState, action: TicketAction) -> TicketState:
    """The state a ticket in *current* reaches by *action*, or IllegalTransition."""
    if action not in TRANSITIONS:
        raise IllegalTransition(N_("a ticket cannot be {done}"), done=TICKET_ACTION_LABELS[action],
                                action=action.name.lower())
    try:
        return TICKETS.next(current, action)
    except IllegalTransition:
        allowed = sorted(s.value for s in TRANSITIONS[action].sources)
        raise IllegalTransition(
            N_("a ticket that is {shown_state} cannot be {done}"), shown_state=TICKET_STATE_LABELS[current],
            done=TICKET_ACTION_LABELS[action], state=current.value, action=action.name.lower(),
            allowed_from=allowed) from None


def allowed_actions(state: TicketState) -> list[TicketAction]:
    """The actions that make sense for a ticket in *state* (for enabling buttons)."""
    return TICKETS.allowed(state)
