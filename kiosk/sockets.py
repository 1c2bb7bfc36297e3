"""/status: a citizen's phone follows one ticket, by the unguessable token from its QR code."""

from __future__ import annotations

from typing import Any

from flask_socketio import Namespace, join_room

from hall.domain.errors import UnknownTicket
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
        join_room("hall")
        if ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, ticket_room(ticket.id), lambda: {"ticket_id": ticket.id})
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        # The page re-reads its ticket over HTTP; nothing else to resend.
        return None
