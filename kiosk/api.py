"""Kiosk JSON API under /api/v1: tickets, a ticket's status, search, appointments and the kiosk's reprint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request

from hall.accounts import COUNTER_ROLES, MANAGER_ROLES
from hall.appointments import AppointmentBook
from hall.commands import TicketRequest
from hall.domain.errors import N_, HallError, InvalidInput
from hall.domain.models import PersonRef, Ticket
from hall.domain.states import TicketState
from hall.kiosk_support import search_targets
from hall.search import search
from hall.storage import agents as card_store
from hall.storage import repo
from hall.web.auth import current_staff, require_staff
from hall.web.context import hall
from hall.web.i18n import lang
from hall.web.jsonio import body, date_param, field, refuse_unknown
from hall.web.payloads import ticket_payload
from hall.web.throttle import throttle

from .views import KIOSK_ID, MAX_KIOSK_REPRINTS, REPRINT_MINUTES

bp = Blueprint("kiosk_api", __name__, url_prefix="/api/v1")


class ReprintRefused(HallError):
    """The kiosk may not reprint this ticket (too old, no longer waiting, or reprinted enough)."""

    status = 409
    code = "reprint_refused"


class SwipeExpired(HallError):
    """The ID card swipe is unknown, of another kiosk, or too old: swipe again."""

    status = 409
    code = "swipe_expired"


def _person(data: dict[str, Any], kiosk: str | None) -> PersonRef | None:
    """The person of the swipe named in the request (its token came to this kiosk's page only)."""
    token = _swipe_token(data)
    if token is None:
        return None
    if kiosk is None:
        raise InvalidInput(N_("'kiosk' is required with 'swipe'"))
    ctx = hall()
    with ctx.storage.read() as db:
        person = card_store.swipe_by_token(db, token, kiosk, ctx.service.clock.now())
    if person is None:
        raise SwipeExpired(N_("the ID card swipe has expired; please swipe the card again"))
    return person


def _kiosk_field(data: dict[str, Any]) -> str | None:
    kiosk = field(data, "kiosk", str)
    if kiosk is not None and not KIOSK_ID.match(kiosk):
        raise InvalidInput(N_("'kiosk' must be 1-40 letters, digits, - or _"))
    return kiosk


def _lang_field(data: dict[str, Any]) -> str:
    wanted = field(data, "lang", str) or lang()
    if wanted not in ("zh", "en"):
        raise InvalidInput(N_("'lang' must be zh or en"))
    return wanted


@bp.post("/tickets")
def issue_ticket() -> Any:
    """Take a ticket for an item or a bundle; its print job is queued in the same transaction."""
    data = body()
    refuse_unknown(data, {"service", "bundle", "priority", "kiosk", "print", "lang", "swipe"})
    kiosk = _kiosk_field(data)
    # One command, so one operation of the group commit: the ticket and the swipe it used up commit together.
    ticket = hall().commands.issue_ticket(TicketRequest(
        service=field(data, "service", str), bundle=field(data, "bundle", str),
        priority=bool(field(data, "priority", bool)), kiosk=kiosk, lang=_lang_field(data),
        print=field(data, "print", bool) is not False, person=_person(data, kiosk), swipe=_swipe_token(data)))
    payload = ticket_payload(ticket, just_issued=True)
    payload["token"] = ticket.token
    return jsonify(payload), 201


@bp.get("/tickets/<int:ticket_id>")
@require_staff(COUNTER_ROLES)
def ticket(ticket_id: int) -> Any:
    """A ticket by its id, for staff: ids are sequential, so they are never a way in to someone's ticket."""
    return jsonify(ticket_payload(hall().service.ticket(ticket_id)))


@bp.get("/status/<token>")
def ticket_status(token: str) -> Any:
    """A ticket by the unguessable token of its QR code: what its holder's phone shows (public)."""
    return jsonify(ticket_payload(hall().service.ticket_by_token(token)))


@bp.get("/kiosk/search")
def kiosk_search() -> Any:
    """Items and bundles matching Chinese text, English words or pinyin (initials such as "ylbx")."""
    query = request.args.get("q", "")
    catalogue = hall().catalogue
    overview = catalogue.overview(lang())
    targets = search_targets(catalogue)
    names = {("item", i["code"]): i["name"] for i in overview["items"]}
    names.update({("bundle", b["code"]): b["name"] for b in overview["bundles"]})
    results = [{"kind": t.kind, "code": t.code, "name": names.get((t.kind, t.code), t.name_zh)}
               for t in search(targets, query)]
    return jsonify(query=query[:40], results=results)


@bp.post("/kiosk/reprint")
def kiosk_reprint() -> Any:
    """Print a ticket again on the kiosk's printer: a just-taken one by its token (within a few minutes), or
    the open ticket of the person whose ID card was swiped, for the item asked for (a second swipe's)."""
    data = body()
    refuse_unknown(data, {"token", "lang", "swipe", "kiosk", "service", "bundle"})
    ctx = hall()
    if field(data, "swipe", str) is not None:
        ticket = _swiped_ticket(data)
    else:
        ticket = ctx.service.ticket_by_token(field(data, "token", str, required=True))
        if ctx.service.clock.now() - ticket.issued_at > REPRINT_MINUTES * 60:
            raise ReprintRefused(N_("a ticket can be reprinted here within {reprint_minutes} minutes; ask the front "
                                    "desk"), reprint_minutes=REPRINT_MINUTES, reason="too_late")
    if ticket.state is not TicketState.WAITING:
        raise ReprintRefused(N_("this ticket is no longer waiting; ask the front desk"))
    with ctx.storage.read() as db:
        reprints = sum(1 for e in repo.events_of_ticket(db, ticket.id) if e["type"] == "reprint_requested")
    if reprints >= MAX_KIOSK_REPRINTS:
        raise ReprintRefused(N_("this ticket has been reprinted already; ask the front desk"), reason="limit")
    ctx.commands.kiosk_reprint(ticket, _lang_field(data), swipe=_swipe_token(data))
    payload = ticket_payload(ticket)
    if field(data, "swipe", str) is not None:  # the card holder's own ticket: the kiosk shows it
        payload["token"] = ticket.token
    return jsonify(payload), 202


def _swipe_token(data: dict[str, Any]) -> str | None:
    token = field(data, "swipe", str)
    return None if token is None else token[:64]


def _swiped_ticket(data: dict[str, Any]) -> Ticket:
    """The open ticket the swiped person holds for the item or bundle of *data*."""
    kiosk = _kiosk_field(data)
    ticket = hall().commands.open_ticket_of(TicketRequest(
        service=field(data, "service", str), bundle=field(data, "bundle", str), kiosk=kiosk,
        person=_person(data, kiosk)))
    if ticket is None:
        raise ReprintRefused(N_("this ID card has no open ticket for this service today"), reason="none")
    return ticket


# ---- appointments -----------------------------------------------------------------

@bp.post("/appointments/check-in")
def check_in() -> Any:
    """Check a booking in at a kiosk: it becomes a ticket ahead of walk-ins (public, by booking code)."""
    throttle().check_in_attempt()  # counted before the code is looked at: guessing is slow
    data = body()
    refuse_unknown(data, {"code", "kiosk", "lang", "print"})
    ctx = hall()
    code, kiosk, wanted = field(data, "code", str, required=True), _kiosk_field(data), _lang_field(data)
    with ctx.storage.write():  # the booking's ticket and its print job commit together
        result = AppointmentBook(ctx.service).check_in(code, kiosk)
        if field(data, "print", bool) is not False and not result.again:
            ctx.commands.print_first(result.ticket, wanted)
    payload = ticket_payload(result.ticket)
    payload["token"] = result.ticket.token
    payload["again"] = result.again
    payload["late"] = result.late  # after its slot: an ordinary walk-in ticket (the kiosk says so)
    return jsonify(payload), 200 if result.again else 201


@bp.post("/appointments")
@require_staff(MANAGER_ROLES)
def book() -> Any:
    """Book a time slot for an item or a bundle (manager); returns the booking code."""
    data = body()
    refuse_unknown(data, {"service", "bundle", "slot_start", "slot_minutes"})
    raw_start = field(data, "slot_start", str, required=True)
    ctx = hall()
    try:
        start = datetime.fromisoformat(raw_start)
    except ValueError:
        raise InvalidInput(N_("'slot_start' must be a local date and time like 2026-11-25T10:00")) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=ctx.config.hall.tz)
    member = current_staff()
    booking = AppointmentBook(ctx.service).book(
        service=field(data, "service", str), bundle=field(data, "bundle", str), slot_start=start.timestamp(),
        slot_minutes=field(data, "slot_minutes", int) or 30, staff=member.username if member else None)
    return jsonify(_booking(booking)), 201


@bp.get("/appointments")
@require_staff(MANAGER_ROLES)
def list_appointments() -> Any:
    """A day's bookings (manager)."""
    ctx = hall()
    day = date_param(request.args.get("date") or ctx.service.today()).isoformat()
    return jsonify(date=day, appointments=[_booking(b) for b in AppointmentBook(ctx.service).of_day(day)])


@bp.post("/appointments/<code>/cancel")
@require_staff(MANAGER_ROLES)
def cancel_appointment(code: str) -> Any:
    """Cancel a booking not yet checked in (manager)."""
    refuse_unknown(body(), set())
    AppointmentBook(hall().service).cancel(code)
    return jsonify(code=code, state="cancelled")


def _booking(booking: dict[str, Any]) -> dict[str, Any]:
    tz = hall().config.hall.tz
    return {
        "code": booking["code"], "service_day": booking["service_day"], "item": booking["item"],
        "bundle": booking["bundle"], "state": booking["state"],
        "slot_start": datetime.fromtimestamp(booking["slot_start"], tz).isoformat(),
        "slot_end": datetime.fromtimestamp(booking["slot_end"], tz).isoformat(),
        "ticket_number": booking.get("ticket_number"),
    }

