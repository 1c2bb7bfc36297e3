"""/status: a citizen's phone follows one ticket, by the unguessable token from its QR code; /kiosk: a kiosk page."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, session
from flask_socketio import Namespace

from hall.domain.errors import UnknownTicket
from hall.snapshots import waiting_status
from hall.web.context import hall
from hall.web.live import ticket_room


class _LiveNamespace(Namespace):
    """A namespace whose clients start from a snapshot and may ask for another (rate-limited)."""

    def on_snapshot_request(self, data: Any = None) -> None:
        self._snapshot(limited=True)

    def on_disconnect(self, reason: Any = None) -> None:
        live = hall().live
        if live is not None:
            live.forget(self.namespace, request.sid)  # type: ignore[attr-defined]

    def _snapshot(self, *, limited: bool) -> None:
        raise NotImplementedError


class StatusNamespace(_LiveNamespace):
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


class KioskNamespace(_LiveNamespace):
    """A kiosk page: public (its printer, its tickets' prints), or with its device token also the cards swiped."""

    def on_connect(self, auth: Any = None) -> Any:
        from hall.web.socket_auth import device_from_socket

        from .live import EXTENSION
        from .views import KIOSK_ID

        kiosk = auth.get("kiosk") if isinstance(auth, dict) else None
        if not isinstance(kiosk, str) or not KIOSK_ID.match(kiosk) or EXTENSION not in current_app.extensions:
            return False
        device = device_from_socket(auth)
        mine = device is not None and device.kind == "kiosk" and device.kiosk == kiosk
        session["kiosk"] = kiosk
        session["kiosk_device"] = mine
        # A wrong or revoked token: the page is public (no cards) and is told, so that it forgets the token.
        session["kiosk_refused"] = isinstance(auth, dict) and auth.get("device_token") is not None and not mine
        self._snapshot(limited=False)
        return True

    def _snapshot(self, *, limited: bool) -> None:
        from .live import EXTENSION, kiosk_room

        ctx = hall()
        kiosk, device = session.get("kiosk"), bool(session.get("kiosk_device"))
        if ctx.live is None or kiosk is None:
            return
        watch = current_app.extensions[EXTENSION]
        refused = bool(session.get("kiosk_refused"))
        ctx.live.send_snapshot(self.namespace, kiosk_room(kiosk, device=device),
                               lambda: {**watch.snapshot(kiosk, device=device), "device_refused": refused},
                               limited=limited)
