"""/api/v1/counters/<n>/checklist: the materials the clerk ticks, shown on the citizen-facing screen."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from hall.accounts import COUNTER_ROLES
from hall.checklist import materials_of, ticked
from hall.domain.errors import N_, IllegalTransition, InvalidInput, UnknownCounter
from hall.domain.states import IN_HAND
from hall.snapshots import item_rows as _item_rows
from hall.storage import repo
from hall.web.auth import current_actor, require_staff
from hall.web.context import hall
from hall.web.jsonio import body

bp = Blueprint("lobby_api", __name__, url_prefix="/api/v1")


def _ticket_and_materials(number: int) -> tuple[Any, list[dict[str, Any]]]:
    """The ticket in hand at counter *number* and its materials in checklist order."""
    with hall().storage.read() as db:
        counter = repo.counter(db, number)
        if counter is None:
            raise UnknownCounter(N_("there is no counter {number}"), number=number)
        ticket = repo.ticket(db, counter.current_ticket_id) if counter.current_ticket_id else None
        if ticket is None or ticket.state not in IN_HAND:
            raise IllegalTransition(N_("counter {number} has no ticket in hand"), number=number)
        items = _item_rows(db, list(ticket.items))
    return ticket, materials_of(ticket.items, items)


def _payload(number: int, ticket: Any, materials: list[dict[str, Any]], ticked: frozenset[int]) -> dict[str, Any]:
    return {"counter": number, "ticket": ticket.id, "number": ticket.number,
            "materials": [{**m, "index": i, "checked": i in ticked} for i, m in enumerate(materials)]}


@bp.get("/counters/<int:number>/checklist")
@require_staff(COUNTER_ROLES)
def checklist(number: int) -> Any:
    ticket, materials = _ticket_and_materials(number)
    return jsonify(_payload(number, ticket, materials, ticked(hall().storage, number, ticket.id)))


@bp.post("/counters/<int:number>/checklist")
@require_staff(COUNTER_ROLES)
def tick_material(number: int) -> Any:
    """Tick or untick one material of the ticket in hand; the citizen-facing screen follows."""
    data = body()
    unknown = sorted(set(data) - {"material", "checked"})
    if unknown:
        raise InvalidInput(N_("unknown field(s): {fields}; expected: checked, material"), fields=', '.join(unknown))
    index, checked = data.get("material"), data.get("checked")
    if not isinstance(index, int) or isinstance(index, bool):
        raise InvalidInput(N_("'material' must be the index of a material in the checklist (a whole number)"))
    if not isinstance(checked, bool):
        raise InvalidInput(N_("'checked' must be true or false"))
    ticket, materials = _ticket_and_materials(number)
    if not 0 <= index < len(materials):
        raise InvalidInput(N_("'material' must be from 0 to {highest}; ticket {ticket_number} has {count} material(s)"),
                           highest=len(materials) - 1, ticket_number=ticket.number, count=len(materials))
    now_ticked = hall().commands.tick_material(current_actor(), number, ticket.id, index, checked)
    return jsonify(_payload(number, ticket, materials, now_ticked))
