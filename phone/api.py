"""The phone's JSON API under /api/v1/phone: verification, remote tickets, bookings, arrival.

Public: a ticket or booking is reached by its unguessable token (from its page's address); taking a
ticket or booking needs a phone number verified by a one-time code (the phone's own cookie). Every
refusal answers 4xx with a message in the citizen's language (``phone.errors``) and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request

from hall.contacts import WrongCode
from hall.domain.errors import N_, HallError, IllegalTransition, InvalidInput, NotAuthenticated, NotAuthorised
from hall.domain.models import Ticket
from hall.domain.states import TicketState
from hall.remote import ArrivalRefused, check_ahead
from hall.web.auth import current_device
from hall.web.context import hall
from hall.web.jsonio import body, field, refuse_unknown

from .errors import error_response
from .session import current_contact, forget, remember
from .views import KIOSK_ID, booking_view, hall_status, phone_hall, ticket_view

bp = Blueprint("phone_api", __name__, url_prefix="/api/v1")
bp.register_error_handler(HallError, error_response)


def _verified() -> int:
    contact = current_contact()
    if contact is None:
        raise WrongCode(N_("verify your phone number first"))
    return contact


def _service_of(data: dict[str, Any]) -> tuple[str | None, str | None]:
    service, bundle = field(data, "service", str), field(data, "bundle", str)
    if (service is None) == (bundle is None):
        raise InvalidInput(N_("give either a service item code or a bundle code"), field="service")
    return service, bundle


# ---- the hall and the number ---------------------------------------------------------------

@bp.get("/phone/hall")
def status() -> Any:
    """Whether tickets are given out now, the next opening, what can be taken or booked."""
    return jsonify(hall_status())


@bp.post("/phone/codes")
def request_code() -> Any:
    """Send a one-time code to a phone number (limited per number and per address)."""
    data = body()
    refuse_unknown(data, {"phone"})
    sent = phone_hall().contacts.request_code(field(data, "phone", str, required=True), request.remote_addr or "?")
    now = hall().service.clock.now()
    return jsonify(masked=sent.masked, expires_in=round(sent.expires_at - now),
                   again_in=round(sent.again_at - now)), 202


@bp.post("/phone/verify")
def verify() -> Any:
    data = body()
    refuse_unknown(data, {"phone", "code"})
    contact = phone_hall().contacts.verify(field(data, "phone", str, required=True),
                                           field(data, "code", str, required=True))
    return remember(jsonify(masked=contact.masked, verified=True), contact.id)


@bp.get("/phone/me")
def me() -> Any:
    """The verified number of this phone (masked), its open remote ticket and its bookings."""
    contact = current_contact()
    ph = phone_hall()
    if contact is None:
        return jsonify(verified=False)
    found = ph.contacts.contact(contact)
    if not found.verified or found.erased:
        return jsonify(verified=False)
    ticket = ph.remote.open_ticket_of(contact)
    return jsonify(verified=True, masked=found.masked, ticket=ticket.token if ticket else None,
                   bookings=[{"token": b["token"], "slot_start": b["slot_start"]} for b in ph.open_bookings(contact)])


@bp.post("/phone/logout")
def logout() -> Any:
    return forget(jsonify(ok=True))


# ---- remote tickets ----------------------------------------------------------------------------

@bp.post("/phone/tickets")
def take_ticket() -> Any:
    """A remote ticket for an item or a bundle: service hours, quotas, one per number."""
    data = body()
    refuse_unknown(data, {"service", "bundle", "ahead", "sms"})
    service, bundle = _service_of(data)
    ticket = phone_hall().remote.take(_verified(), service=service, bundle=bundle, ahead=check_ahead(data.get("ahead")),
                                      sms=bool(field(data, "sms", bool)))
    view = ticket_view(ticket)
    view["token"] = ticket.token
    return jsonify(view), 201


def _ticket(token: str) -> Ticket:
    return hall().service.ticket_by_token(token)


@bp.get("/phone/tickets/<token>")
def ticket(token: str) -> Any:
    return jsonify(ticket_view(_ticket(token)))


@bp.post("/phone/tickets/<token>/arrived")
def arrived(token: str) -> Any:
    """Confirm arrival with the code of the lobby screen."""
    data = body()
    refuse_unknown(data, {"code"})
    return jsonify(ticket_view(phone_hall().remote.arrive(token, field(data, "code", str, required=True))))


@bp.post("/phone/tickets/<token>/more-time")
def more_time(token: str) -> Any:
    refuse_unknown(body(), set())
    return jsonify(ticket_view(phone_hall().remote.more_time(token)))


@bp.post("/phone/tickets/<token>/cancel")
def cancel_ticket(token: str) -> Any:
    refuse_unknown(body(), set())
    return jsonify(ticket_view(phone_hall().remote.cancel(token)))


@bp.put("/phone/tickets/<token>/follow")
def follow(token: str) -> Any:
    """Notices for any ticket (a kiosk one too): at N ahead, and by SMS for a verified number (opt-in)."""
    data = body()
    refuse_unknown(data, {"ahead", "sms"})
    ph = phone_hall()
    current = _ticket(token)
    if current.state is not TicketState.WAITING:
        raise IllegalTransition(N_("only a waiting ticket can be followed"), state=current.state.value)
    sms = bool(field(data, "sms", bool))
    contact = _verified() if sms else current_contact()
    ahead = check_ahead(data.get("ahead"))

    def follow_it() -> None:
        with hall().storage.write() as db:
            ph.notices.follow(db, current, contact=contact, ahead=ahead, sms=sms)
            if contact is not None:
                ph.contacts.need_until(db, contact, ph.remote.day_end(current.service_day))

    hall().storage.transact(follow_it)  # in the group commit: the event loop does not wait for the disk
    return jsonify(ticket_view(current))


# ---- arrival from the lobby's QR code, and at the kiosk --------------------------------------------

@bp.post("/phone/here")
def here() -> Any:
    """The lobby's QR code opened on the phone: confirm this number's remote ticket, or check in its booking."""
    data = body()
    refuse_unknown(data, {"code"})
    code = field(data, "code", str, required=True)
    ph = phone_hall()
    contact = _verified()
    ticket = ph.remote.open_ticket_of(contact)
    if ticket is not None and not ticket.arrived:
        return jsonify(kind="ticket", ticket=ticket_view(ph.remote.arrive(ticket.token, code)))
    if not ph.arrival.valid(code, hall().service.clock.now()):
        raise ArrivalRefused(N_("not the lobby's arrival code"))
    bookings = ph.open_bookings(contact, today_only=True)
    if bookings:
        checked = ph.plans.check_in_on_phone(bookings[0]["token"])
        return jsonify(kind="booking", late=checked.late, ticket=ticket_view(checked.ticket),
                       token=checked.ticket.token)
    if ticket is not None:
        return jsonify(kind="ticket", ticket=ticket_view(ticket))
    return jsonify(kind="none")


@bp.post("/kiosk/arrivals")
def kiosk_arrival() -> Any:
    """At the kiosk: a remote ticket's number and the last four digits of its phone number."""
    data = body()
    refuse_unknown(data, {"number", "digits", "kiosk"})
    kiosk = field(data, "kiosk", str)
    if kiosk is not None and not KIOSK_ID.match(kiosk):
        raise InvalidInput(N_("'kiosk' must be 1-40 letters, digits, - or _"))
    number, digits = field(data, "number", str, required=True), field(data, "digits", str, required=True)
    if len(number) > 8 or not digits.isdigit() or len(digits) != 4:
        raise InvalidInput(N_("give the ticket's number and four digits"), field="number")
    return jsonify(ticket_view(phone_hall().remote.arrive_at_kiosk(number, digits, kiosk)))


@bp.post("/appointments/check-in-id")
def check_in_by_id_card() -> Any:
    """The kiosk's ID-card reader checks a booking in (a kiosk device only: the number is read, not typed)."""
    device = current_device()
    if device is None and not request.headers.get("Authorization"):
        raise NotAuthenticated(N_("the kiosk's device token is required (Authorization: Bearer …)"))
    if device is None or device.kind != "kiosk":
        raise NotAuthorised(N_("only a kiosk's card reader checks in by ID card"))
    data = body()
    refuse_unknown(data, {"id_number", "kiosk"})
    checked = phone_hall().plans.check_in_by_id_card(field(data, "id_number", str, required=True),
                                                     field(data, "kiosk", str) or device.name or None)
    return jsonify(late=checked.late, again=checked.again, ticket=ticket_view(checked.ticket),
                   token=checked.ticket.token), 200 if checked.again else 201


# ---- bookings ------------------------------------------------------------------------------------

@bp.get("/phone/slots")
def slots() -> Any:
    args = request.args
    scope, code, day = args.get("scope", "item"), args.get("code", ""), args.get("date", "")
    return jsonify(scope=scope, code=code, date=day, slots=phone_hall().plans.slots(scope, code, day))


def _slot_start(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return (moment if moment.tzinfo else moment.replace(tzinfo=hall().service.hall.tz)).timestamp()
    raise InvalidInput(N_("'slot_start' must be one of the slots offered"), field="slot_start")


@bp.post("/phone/bookings")
def book() -> Any:
    data = body()
    refuse_unknown(data, {"scope", "code", "slot_start", "sms", "id_number"})
    scope = field(data, "scope", str) or "item"
    id_number = field(data, "id_number", str) or None
    booking = phone_hall().plans.book_online(_verified(), scope=scope, code=field(data, "code", str, required=True),
                                             slot_start=_slot_start(data.get("slot_start")),
                                             sms=bool(field(data, "sms", bool)), id_number=id_number)
    return jsonify(booking_view(booking, with_code=True)), 201


@bp.get("/phone/bookings/<token>")
def booking(token: str) -> Any:
    return jsonify(booking_view(phone_hall().plans.booking(token), with_code=True))


@bp.post("/phone/bookings/<token>/cancel")
def cancel_booking(token: str) -> Any:
    refuse_unknown(body(), set())
    return jsonify(booking_view(phone_hall().plans.cancel(token), with_code=False))


@bp.post("/phone/bookings/<token>/check-in")
def check_in(token: str) -> Any:
    """On arrival: the lobby's arrival code proves the citizen is in the hall."""
    data = body()
    refuse_unknown(data, {"code"})
    ph = phone_hall()
    if not ph.arrival.valid(field(data, "code", str, required=True), hall().service.clock.now()):
        raise ArrivalRefused(N_("not the lobby's arrival code"))
    checked = ph.plans.check_in_on_phone(token)
    return jsonify(late=checked.late, again=checked.again, ticket=ticket_view(checked.ticket),
                   token=checked.ticket.token), 200 if checked.again else 201
