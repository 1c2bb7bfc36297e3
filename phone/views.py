"""The phone's pages (public, light): the poster's landing page, taking a remote ticket, following a ticket,
booking a slot, a booking's page, arrival from the lobby's QR code; the lobby's arrival screen; the kiosk's
arrival page. And the JSON shapes the API answers with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from hall.accounts import MANAGER_ROLES
from hall.domain.errors import N_, HallError, NotAuthorised
from hall.domain.models import Ticket
from hall.domain.states import TicketState
from hall.notices.book import booking_subject, ticket_subject
from hall.phone_hall import PhoneHall
from hall.web.auth import current_device, current_staff
from hall.web.context import hall
from hall.web.i18n import lang
from hall.web.payloads import ticket_payload
from hall.web.urls import public_base
from kiosk.views import KIOSK_ID, kiosk_settings

from .errors import error_response, when_text
from .session import current_contact

bp = Blueprint("phone", __name__, template_folder="templates", static_folder="static",
               static_url_path="/phone/static")
bp.register_error_handler(HallError, error_response)

__all__ = ["KIOSK_ID", "bp", "booking_view", "hall_status", "phone_hall", "ticket_view"]


def phone_hall() -> PhoneHall:
    """The phone side of this process's hall (``install_phone``)."""
    return current_app.extensions["onewindow.phone"]  # type: ignore[no-any-return]


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for *url*."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return Markup(image.to_string(encoding="unicode"))


# ---- what the API answers ------------------------------------------------------------------------

def hall_status() -> dict[str, Any]:
    """Whether tickets are given out now, the next opening, the hours, what may be taken or booked."""
    ctx = hall()
    ph = phone_hall()
    now = ctx.service.clock.now()
    with ctx.storage.read() as db:
        rules = ph.watch.current(db)
        opening = ctx.service.admission.opening(db, now)  # type: ignore[union-attr]
    following = opening.next_opening.isoformat() if opening.next_opening else None
    settings = rules.phone
    return {
        "open": opening.open, "early": opening.early, "next_opening": following,
        "next_opening_text": when_text(following) if following else "",
        "closes_at": opening.closes_at.strftime("%H:%M") if opening.closes_at else None,
        "hours": rules.hours.display(lang()) if rules.hours.enforce else "",
        "remote": settings.remote_enabled, "appointments": settings.appointments_enabled, "sms": ph.sms_enabled,
        "ahead": {"min": settings.ahead_min, "max": settings.ahead_max, "default": settings.ahead_default},
        "more_time_places": settings.more_time_places, "no_show_after_seconds": settings.no_show_after_seconds,
    }


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    """A ticket as its phone page shows it: place, state, the remote rules that apply, its notices."""
    ph = phone_hall()
    payload = ticket_payload(ticket)
    payload.pop("print", None)
    settings = ph.settings()
    following = ph.notices.following(ticket.id)
    remote_waiting = ticket.remote and ticket.state is TicketState.WAITING
    payload.update({
        "more_time": remote_waiting and not ticket.moved_back, "more_time_places": settings.more_time_places,
        "arrive_by": (ticket.called_at or 0) + settings.no_show_after_seconds
        if ticket.remote and ticket.state is TicketState.CALLED and not ticket.arrived else None,
        "following": None if following is None else {"ahead": following.ahead, "sms": following.sms,
                                                     "phone": following.masked, "notified": following.notified},
        "notices": ph.notices.of(ticket_subject(ticket.id)),
        "page": url_for("phone.ticket_page", token=ticket.token),
        "appointment": bool(ticket.appointment),
    })
    return payload


def booking_view(booking: dict[str, Any], *, with_code: bool) -> dict[str, Any]:
    """A booking as its page shows it (its code only to whoever holds its token)."""
    ctx = hall()
    tz = ctx.service.hall.tz
    start = datetime.fromtimestamp(booking["slot_start"], tz)
    end = datetime.fromtimestamp(booking["slot_end"], tz)
    ticket = ctx.service.ticket(booking["ticket"]) if booking.get("ticket") else None
    view = {
        "token": booking.get("token"), "state": booking["state"], "late": bool(booking.get("late")),
        "service_day": booking["service_day"], "slot_start": booking["slot_start"], "slot_end": booking["slot_end"],
        "when": when_text(start.isoformat()), "until": end.strftime("%H:%M"),
        "service_name": ctx.catalogue.service_name(item=booking["item"], bundle=booking["bundle"], lang=lang()),
        "check_in_from": booking["slot_start"] - 30 * 60, "sms": bool(booking.get("sms")),
        "ticket": ticket.token if ticket else None,
        "notices": phone_hall().notices.of(booking_subject(booking["id"])) if booking.get("id") else [],
        "page": url_for("phone.booking_page", token=booking["token"]) if booking.get("token") else None,
    }
    if with_code:
        view["code"] = booking["code"]
    return view


# ---- pages ---------------------------------------------------------------------------------------

def _page(template: str, **values: Any) -> str:
    return render_template(template, status=hall_status(), verified=current_contact() is not None, **values)


@bp.get("/phone")
def home() -> Any:
    """Where the poster's QR code leads."""
    return _page("phone/home.html")


@bp.get("/phone/take")
def take() -> Any:
    return _page("phone/take.html", catalogue=hall().catalogue.overview(lang()))


def state_text(state: str) -> str:
    """A ticket's state in the citizen's words."""
    return {"waiting": _("Waiting"), "called": _("Called"), "serving": _("Being served"), "held": _("On hold"),
            "finished": _("Finished"), "no_show": _("Missed"), "cancelled": _("Cancelled"),
            "expired": _("Closed with the day")}.get(state, state)


@bp.get("/phone/t/<token>")
def ticket_page(token: str) -> Any:
    ticket = hall().service.ticket_by_token(token)
    view = ticket_view(ticket)
    return _page("phone/ticket.html", ticket=view, token=token, state_text=state_text(ticket.state.value),
                 page_data={"ticket": view})


@bp.get("/phone/book")
def book() -> Any:
    ph = phone_hall()
    ctx = hall()
    names = {("item", i["code"]): i["name"] for i in ctx.catalogue.overview(lang())["items"]}
    names.update({("bundle", b["code"]): b["name"] for b in ctx.catalogue.overview(lang())["bundles"]})
    offered = [{**p, "name": names.get((p["scope"], p["code"]), p["code"])} for p in ph.plans.offered()
               if (p["scope"], p["code"]) in names]
    return _page("phone/book.html", offered=offered, page_data={"today": ctx.service.today()})


@bp.get("/phone/b/<token>")
def booking_page(token: str) -> Any:
    view = booking_view(phone_hall().plans.booking(token), with_code=True)
    return _page("phone/booking.html", booking=view, page_data={"booking": view})


@bp.get("/phone/here")
def here() -> Any:
    """The lobby's arrival QR code opened on the phone."""
    code = request.args.get("c", "")
    return _page("phone/here.html", code=code if code.isdigit() and len(code) <= 8 else "")


@bp.get("/phone/arrival")
def arrival_board() -> Any:
    """The lobby's arrival screen: the QR code and six digits that change every ten minutes.

    For a lobby device (``onewindow device add lobby``: ?token=…) or a manager: whoever sees it is in the hall.
    """
    device = current_device() if request.args.get("token") is None else _device_of_query()
    member = current_staff()
    if not ((device is not None and device.kind == "lobby") or (member is not None and member.has_any(MANAGER_ROLES))):
        raise NotAuthorised(N_("the arrival screen needs a lobby device's token or a manager's login"))
    ph = phone_hall()
    now = hall().service.clock.now()
    code = ph.arrival.code(now)
    return render_template("phone/arrival.html", code=code, qr=qr_svg(f"{public_base()}/phone/here?c={code}"),
                           refresh_seconds=max(5, int(ph.arrival.changes_at(now) - now) + 1))


def _device_of_query() -> Any:
    token = request.args.get("token", "")
    return hall().accounts.device_for_token(token) if token else None


@bp.get("/kiosk/<kiosk_id>/arrival")
def kiosk_arrival(kiosk_id: str) -> Any:
    """The kiosk's page for remote tickets: the ticket's number and the phone number's last four digits."""
    if not KIOSK_ID.match(kiosk_id):
        abort(404)
    kiosk = kiosk_settings(kiosk_id)
    return render_template("phone/kiosk_arrival.html", kiosk=kiosk, idle_seconds=kiosk.idle_seconds)
