"""The JSON shapes of domain results, shared by the REST views and the socket handlers of every front end."""

from __future__ import annotations

from typing import Any

from ..commands import CounterResult
from ..domain.models import Ticket
from ..storage import print_jobs
from ..wait_estimates import waits_of
from .context import hall
from .i18n import lang
from .urls import status_url_of


def print_state(ticket_id: int, db: Any = None) -> dict[str, Any] | None:
    """The state of the ticket's latest print job: pending, printed or failed (with the printer's error)."""
    if db is None:
        with hall().storage.read() as db:
            return print_state(ticket_id, db)
    job = print_jobs.latest_of_ticket(db, ticket_id)
    if job is None:
        return None
    state = {"queued": "pending", "sent": "pending"}.get(job["state"], job["state"])
    return {"state": state, "error": job["error"], "printer": job["printer"], "job": job["id"],
            "since": job["created_at"]}


def ticket_payload(ticket: Ticket, *, just_issued: bool = False) -> dict[str, Any]:
    """A ticket as the API shows it: no personal data, its position now, its print state."""
    ctx = hall()
    payload = ticket.public()
    live = waits_of(ctx.service, [ticket.id]).get(ticket.id) if not just_issued else None
    payload["people_ahead_now"] = ticket.people_ahead if just_issued else (live[0] if live is not None else 0)
    payload["wait_estimate"] = live[1].as_dict() if live is not None else {
        "point": ticket.estimated_wait_minutes, "low": ticket.estimated_wait_low, "high": ticket.estimated_wait_high}
    payload["status_url"] = status_url_of(ticket.token)
    with ctx.storage.read() as db:  # one read for both
        payload["service_name"] = ctx.catalogue.service_name(item=ticket.item, bundle=ticket.bundle, lang=lang(),
                                                             db=db)
        payload["print"] = print_state(ticket.id, db)
    return payload


def counter_result_payload(result: CounterResult) -> dict[str, Any]:
    """What a counter action answers: the ticket it moved, or the counter's new state."""
    if result.pending_rating is not None:
        return {"pending": result.pending_rating}
    if result.counter is not None:
        counter = result.counter
        return {"counter": {"number": counter.number, "state": counter.state.value, "reason": counter.pause_reason}}
    return {"ticket": ticket_payload(result.ticket) if result.ticket else None}
