"""/counter: the clerk's panel over WebSocket — actions with acknowledgements, live state per counter."""

from __future__ import annotations

import logging
from typing import Any

from flask import session
from flask_socketio import Namespace

from hall.accounts import COUNTER_ROLES, StaffMember
from hall.domain.errors import HallError, IllegalTransition
from hall.snapshots import counter_snapshot
from hall.storage import repo
from hall.web.context import hall
from hall.web.live import counter_room
from hall.web.socket_auth import staff_from_socket

logger = logging.getLogger(__name__)

ACTIONS = {"call-next", "call", "recall", "start", "finish", "no-show", "hold", "transfer", "pause", "resume"}


def _counter_of(auth: Any) -> int | None:
    value = auth.get("counter") if isinstance(auth, dict) else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def held_list(number: int) -> list[dict[str, Any]]:
    """The held tickets (挂起) this counter may call back: numbers and times only."""
    ctx = hall()
    listed = []
    for ticket in ctx.service.held_tickets(number):
        at, counter = _when_held(ticket.id)
        listed.append({"number": ticket.number, "items": list(ticket.items), "bundle": ticket.bundle,
                       "item": ticket.item, "held_at": at, "counter": counter})
    return listed


def _when_held(ticket_id: int) -> tuple[float | None, int | None]:
    """When and at which counter the ticket was last held, from its event log."""
    with hall().storage.read() as db:
        held = [e for e in repo.events_of_ticket(db, ticket_id) if e.get("type") == "held"]
    return (held[-1].get("at"), held[-1].get("counter")) if held else (None, None)


def panel_snapshot(number: int) -> dict[str, Any]:
    """The counter snapshot plus what only the panel needs: held tickets and the recall limit."""
    ctx = hall()
    snapshot = counter_snapshot(ctx.service, number, ctx.config.hall.language)
    snapshot["held"] = held_list(number)
    snapshot["recall_limit"] = ctx.config.caller.recall_limit
    return snapshot


class CounterNamespace(Namespace):
    """Staff only: each connection joins its counter's room; two panels on one counter stay in sync."""

    def on_connect(self, auth: Any = None) -> Any:
        member = staff_from_socket(auth)
        number = _counter_of(auth)
        if member is None or not member.has_any(COUNTER_ROLES) or number is None:
            return False
        ctx = hall()
        with ctx.storage.read() as db:
            if repo.counter(db, number) is None:
                return False
        session["counter"] = number
        self.on_snapshot_request()
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        ctx = hall()
        number = session.get("counter")
        if number is not None and ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, counter_room(number), lambda: panel_snapshot(number))

    def _clerk(self) -> tuple[StaffMember, int] | dict[str, str]:
        member = staff_from_socket(None)
        number = session.get("counter")
        if member is None or not member.has_any(COUNTER_ROLES) or number is None:
            return {"error": "not_authorised", "message": "log in as a clerk first"}
        return member, number

    def on_action(self, data: Any = None) -> dict[str, Any]:
        """{"action": "call-next", …} → the result, or {"error", "message"}; the server checks every rule."""
        from hall.web.api import run_counter_action

        clerk = self._clerk()
        if isinstance(clerk, dict):
            return clerk
        _, number = clerk
        if not isinstance(data, dict) or data.get("action") not in ACTIONS:
            return {"error": "invalid_input", "message": f"action must be one of {', '.join(sorted(ACTIONS))}"}
        try:
            return run_counter_action(number, data["action"], {k: v for k, v in data.items() if k != "action"})
        except HallError as exc:
            return {"error": exc.code, "message": exc.message}

    def on_held(self, data: Any = None) -> dict[str, Any]:
        """The counter's held tickets, asked for again after every change of the counter's state."""
        clerk = self._clerk()
        if isinstance(clerk, dict):
            return clerk
        try:
            return {"held": held_list(clerk[1])}
        except HallError as exc:
            return {"error": exc.code, "message": exc.message}

    def on_confirm_priority(self, data: Any = None) -> dict[str, Any]:
        """The clerk checked the citizen's right to the priority lane (绿色通道): noted in the ticket's log."""
        clerk = self._clerk()
        if isinstance(clerk, dict):
            return clerk
        member, number = clerk
        ctx = hall()
        snapshot = counter_snapshot(ctx.service, number, ctx.config.hall.language)
        ticket = snapshot["ticket"]
        if ticket is None or not ticket["priority"]:
            refused = IllegalTransition(f"counter {number} has no priority ticket in hand")
            return {"error": refused.code, "message": refused.message}
        ctx.service.note(ticket["id"], "priority_confirmed", {"counter": number, "staff": member.username})
        return {"ok": True, "number": ticket["number"]}
