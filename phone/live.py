"""Notices reach the open phone page: every process pushes the ``notice`` events of the log to its own clients.

A ticket's page listens on /status (its ticket's room, with the ticket's own updates); a booking's page on
/phone (its booking's room). Messages carry ``seq``/``epoch`` like every live message, so a page that
reconnects (the phone was locked, the network dropped) gets a snapshot and reads the notices it missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import session

from hall.domain import events as ev
from hall.web.context import HallContext, hall
from hall.web.live import STATUS, ticket_room
from kiosk.sockets import StatusNamespace

PHONE = "/phone"


def booking_room(booking_id: int) -> str:
    return f"booking-{booking_id}"


class NoticePush:
    """HallListener of every process: a ``notice`` event becomes a message to the page that follows it."""

    def __init__(self, ctx: HallContext) -> None:
        self.ctx = ctx

    def on_event(self, event: ev.HallEvent) -> None:
        if not isinstance(event, ev.TicketNoted) or event.kind != "notice":
            return
        live = self.ctx.live
        if live is None:
            return
        notice = {"id": event.data.get("notice"), "kind": event.data.get("kind"),
                  "params": event.data.get("params") or {}, "at": event.at}
        booking = event.data.get("booking")
        if booking is not None:
            namespace, room = PHONE, booking_room(int(booking))
        elif event.ticket is not None:
            namespace, room = STATUS, ticket_room(int(event.ticket["id"]))
        else:
            return
        if live.presence.count(namespace, room):
            live.push("notice", notice, namespace, room)


def install_push(ctx: HallContext) -> Callable[[], None]:
    """Subscribe the push to the process's bus (HallProcess runs this in every process)."""
    return ctx.bus.subscribe(NoticePush(ctx).on_event)


class PhoneNamespace(StatusNamespace):
    """/phone: public; a client sees only the booking whose token it holds (snapshots and leaving as on /status)."""

    def on_connect(self, auth: Any = None) -> Any:
        token = auth.get("booking") if isinstance(auth, dict) else None
        if not isinstance(token, str) or len(token) > 64:
            return False
        from hall.storage import appointments as store

        ctx = hall()
        with ctx.storage.read() as db:
            booking = store.appointment_by_token(db, token)
        if booking is None:
            return False
        session["booking"] = booking["id"]
        self._snapshot(limited=False)
        return True

    def _snapshot(self, *, limited: bool) -> None:
        """The page reads the booking and its notices over HTTP once per snapshot."""
        ctx = hall()
        booking_id = session.get("booking")
        if ctx.live is None or booking_id is None:
            return
        ctx.live.send_snapshot(self.namespace, booking_room(booking_id), lambda: {"booking": booking_id},
                               limited=limited)
