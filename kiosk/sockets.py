"""/status: a citizen's phone follows one ticket, by the unguessable token from its QR code."""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_socketio import Namespace

from hall.domain.errors import UnknownTicket
from hall.snapshots import waiting_status
from hall.web.context import hall
from hall.web.live import ticket_room


class StatusNamespace(Namespace):
    """Public; a client sees only the ticket whose token it holds."""

    def on_connect(self, auth: Any = None) -> Any:
        token = auth.get("ticket") if isinstance(auth, dict) else None
        if not isinstance(token, str):
            return False
        ctx = hall()
        try:
            ticket = ctx.service.ticket_by_token(token)
        except UnknownTicket:
            return False
        session["ticket"] = ticket.id
        self._snapshot(limited=False)
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        self._snapshot(limited=True)

    def on_disconnect(self, reason: Any = None) -> None:
        live = hall().live
        if live is not None:
            live.forget(self.namespace, request.sid)  # type: ignore[attr-defined]

    def _snapshot(self, *, limited: bool) -> None:
        """The phone's position now; it reads the rest of its ticket over HTTP once per snapshot."""
        ctx = hall()
        ticket_id = session.get("ticket")
        if ctx.live is None or ticket_id is None:
            return
        ctx.live.send_snapshot(self.namespace, ticket_room(ticket_id),
                               lambda: {"ticket_id": ticket_id,
                                        "position": waiting_status(ctx.service, [ticket_id]).get(ticket_id)},
                               limited=limited)
