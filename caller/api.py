"""The counter's REST API under /api/v1: sign in and out, the actions of the panel, the counter's state.

Every action goes through ``hall.commands``, exactly as the panel's socket and the caller keypads do.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from hall.accounts import COUNTER_ROLES
from hall.commands import COUNTER_ACTIONS
from hall.domain.errors import N_, InvalidInput
from hall.snapshots import counter_snapshot
from hall.web.auth import current_actor, require_staff
from hall.web.context import hall
from hall.web.i18n import lang
from hall.web.jsonio import body
from hall.web.payloads import counter_result_payload

bp = Blueprint("caller_api", __name__, url_prefix="/api/v1")


def counter_payload(counter: Any) -> dict[str, Any]:
    return {"number": counter.number, "state": counter.state.value, "staff": counter.staff}


@bp.post("/counters/<int:number>/sign-in")
@require_staff(COUNTER_ROLES)
def sign_in(number: int) -> Any:
    """Take the counter: it opens for calls (a clerk at their own counter; a manager at any free one)."""
    body()
    return jsonify(counter=counter_payload(hall().commands.sign_in(current_actor(), number)))


@bp.post("/counters/<int:number>/sign-out")
@require_staff(COUNTER_ROLES)
def sign_out(number: int) -> Any:
    """Leave the counter: it closes (refused while a ticket is in hand)."""
    body()
    counter = hall().commands.sign_out(current_actor(), number)
    return jsonify(counter=counter_payload(counter) if counter else None)


@bp.post("/counters/<int:number>/<action>")
@require_staff(COUNTER_ROLES)
def counter_action(number: int, action: str) -> Any:
    if action not in COUNTER_ACTIONS:
        raise InvalidInput(N_("unknown counter action {action!r}; one of {choices}"),
                           action=action, choices=', '.join(COUNTER_ACTIONS))
    result = hall().commands.counter_action(current_actor(), number, action, body())
    return jsonify(counter_result_payload(result)), 202 if action == "request-rating" else 200


@bp.get("/counters/<int:number>")
@require_staff(COUNTER_ROLES)
def counter_state(number: int) -> Any:
    return jsonify(counter_snapshot(hall().service, number, lang()))
