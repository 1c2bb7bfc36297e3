"""Ratings under /api/v1: only a counter's evaluator device may rate, through the command layer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from hall.domain.errors import N_, InvalidInput
from hall.web.auth import current_actor
from hall.web.context import hall
from hall.web.jsonio import body, field, refuse_unknown

bp = Blueprint("evaluator_api", __name__, url_prefix="/api/v1")


@bp.post("/ratings")
def rate() -> Any:
    commands = hall().commands
    actor = current_actor()
    commands.check_rater(actor)  # who may rate is checked before anything is read from the body
    data = body()
    refuse_unknown(data, {"ticket", "score", "reasons"})
    reasons = data.get("reasons") or []
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise InvalidInput(N_("'reasons' must be a list of strings"))
    rating = commands.rate(actor, field(data, "ticket", int, required=True), field(data, "score", int, required=True),
                           reasons)
    return jsonify(ticket=rating["ticket"], score=rating["score"], counter=rating["counter"]), 201
