"""/counter: the clerk's panel over WebSocket — actions with acknowledgements, live state per counter.

Connecting is signing in at the counter (``hall.commands.Commands.sign_in``): a clerk only at the counter
assigned to them, a manager at any free one, one counter per person. Every action then goes through the
same command layer as the REST API and the keypads.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request, session
from flask_socketio import ConnectionRefusedError, Namespace

from hall.accounts import COUNTER_ROLES
from hall.commands import Actor
from hall.domain.errors import HallError, IllegalTransition
from hall.snapshots import counter_snapshot, held_list
from hall.web.context import hall
from hall.web.errors import translated
from hall.web.live import counter_room
from hall.web.payloads import counter_result_payload
from hall.web.socket_auth import staff_from_socket

logger = logging.getLogger(__name__)


def _counter_of(auth: Any) -> int | None:
    value = auth.get("counter") if isinstance(auth, dict) else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def panel_snapshot(number: int) -> dict[str, Any]:
    """The counter snapshot plus what only the panel needs: the recall limit."""
    ctx = hall()
    snapshot = counter_snapshot(ctx.service, number, ctx.config.hall.language)
    snapshot["recall_limit"] = ctx.config.caller.recall_limit
    return snapshot


def _refusal(exc: HallError) -> dict[str, Any]:
    return {"error": exc.code, "message": translated(exc), **{k: v for k, v in exc.details.items()
                                                               if isinstance(v, (str, int))}}


class CounterNamespace(Namespace):
    """Staff only: each connection signs in at its counter and joins its room; two panels of one clerk stay in sync."""

    def on_connect(self, auth: Any = None) -> Any:
        member = staff_from_socket(auth)
        number = _counter_of(auth)
        if member is None or not member.has_any(COUNTER_ROLES) or number is None:
            return False
        ctx = hall()
        try:
            ctx.commands.sign_in(Actor.of_staff(member), number)
        except HallError as exc:
            raise ConnectionRefusedError(translated(exc), _refusal(exc)) from None
        session["counter"] = number
        self.on_snapshot_request()
        return True

    def on_disconnect(self, reason: Any = None) -> None:
        live = hall().live
        if live is not None:
            live.forget(self.namespace, request.sid)  # type: ignore[attr-defined]

    def on_snapshot_request(self, data: Any = None) -> None:
        ctx = hall()
        number = session.get("counter")
        if number is not None and ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, counter_room(number), lambda: panel_snapshot(number),
                                   limited=False)

    def _clerk(self) -> tuple[Actor, int] | dict[str, str]:
        member = staff_from_socket(None)
        number = session.get("counter")
        if member is None or not member.has_any(COUNTER_ROLES) or number is None:
            return {"error": "not_authorised", "message": "log in as a clerk first"}
        return Actor.of_staff(member), number

    def on_action(self, data: Any = None) -> dict[str, Any]:
        """{"action": "call-next", …} → the result, or {"error", "message"}; the server checks every rule."""
        clerk = self._clerk()
        if isinstance(clerk, dict):
            return clerk
        actor, number = clerk
        if not isinstance(data, dict) or not isinstance(data.get("action"), str):
            return {"error": "invalid_input", "message": "give the action to run"}
        try:
            result = hall().commands.counter_action(actor, number, data["action"],
                                                    {k: v for k, v in data.items() if k != "action"})
            return counter_result_payload(result)
        except HallError as exc:
            return _refusal(exc)

    def on_held(self, data: Any = None) -> dict[str, Any]:
        """The counter's held tickets (its state messages carry them too)."""
        clerk = self._clerk()
        if isinstance(clerk, dict):
            return clerk
        try:
            return {"held": held_list(hall().service, clerk[1])}
        except HallError as exc:
            return _refusal(exc)

    def on_confirm_priority(self, data: Any = None) -> dict[str, Any]:
        """The clerk checked the citizen's right to the priority lane (绿色通道): noted in the ticket's log."""
        clerk = self._clerk()
        if isinstance(clerk, dict):
            return clerk
        actor, number = clerk
        ctx = hall()
        snapshot = counter_snapshot(ctx.service, number, ctx.config.hall.language)
        ticket = snapshot["ticket"]
        if ticket is None or not ticket["priority"]:
            return _refusal(IllegalTransition(f"counter {number} has no priority ticket in hand"))
        ctx.service.note(ticket["id"], "priority_confirmed", {"counter": number, "staff": actor.username})
        return {"ok": True, "number": ticket["number"]}
