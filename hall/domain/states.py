"""Ticket and counter states, and every legal transition written once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import IllegalTransition


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


@dataclass(frozen=True)
class Transition:
    """One legal move: the states it may start from and the state it leads to."""

    sources: frozenset[TicketState]
    target: TicketState


_S = TicketState
TRANSITIONS: dict[TicketAction, Transition] = {
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


def next_state(current: TicketState, action: TicketAction) -> TicketState:
    """The state a ticket in *current* reaches by *action*, or IllegalTransition."""
    transition = TRANSITIONS.get(action)
    if transition is None or current not in transition.sources:
        allowed = sorted(s.value for s in transition.sources) if transition else []
        raise IllegalTransition(
            f"cannot {action.name.lower().replace('_', '-')} a ticket that is {current.value}",
            state=current.value,
            action=action.name.lower(),
            allowed_from=allowed,
        )
    return transition.target


def allowed_actions(state: TicketState) -> list[TicketAction]:
    """The actions that make sense for a ticket in *state* (for enabling buttons)."""
    return [action for action, t in TRANSITIONS.items() if state in t.sources]
