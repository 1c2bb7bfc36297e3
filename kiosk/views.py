"""The ticket kiosk (引导—咨询—填写—取号), the phone guide and the citizen's live status page."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, render_template, request, url_for
from markupsafe import Markup

from drivers.ticket import TicketLayout, render_png
from hall.accounts import MANAGER_ROLES
from hall.appointments import AppointmentBook
from hall.config import KioskSection
from hall.devices import ticket_layout
from hall.domain.errors import N_, UnknownService
from hall.domain.models import Ticket
from hall.kiosk_support import most_used
from hall.web.auth import page_requires_staff
from hall.web.context import hall
from hall.web.i18n import lang
from hall.web.jsonio import date_param
from hall.web.urls import public_url, status_url_of

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
               static_url_path="/kiosk/static")

KIOSK_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
DEFAULT_KIOSK = "kiosk-1"
#: The kiosk may reprint a ticket this long after it was issued (managers can any time).
REPRINT_MINUTES = 5
MAX_KIOSK_REPRINTS = 2


def kiosk_settings(kiosk_id: str) -> KioskSection:
    """The [[kiosks]] entry of *kiosk_id*, or defaults (the hall's [printer]) for an unknown kiosk."""
    if not KIOSK_ID.match(kiosk_id):
        abort(404)
    return next((k for k in hall().config.kiosks if k.id == kiosk_id), KioskSection(kiosk_id))


def status_url(ticket: Ticket) -> str:
    """The ticket's public status page, as printed in its QR code."""
    return status_url_of(ticket.token)


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for *url*."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return Markup(image.to_string(encoding="unicode"))


def _page(template: str, kiosk: KioskSection, **values: Any) -> str:
    return render_template(template, kiosk=kiosk, idle_seconds=kiosk.idle_seconds,
                           id_card_items=sorted(hall().config.id_card.required_items), **values)


def _needs_card(items: list[str]) -> bool:
    """Whether a ticket for these items is taken only with an ID card ([id_card] required_items)."""
    return bool(set(items) & set(hall().config.id_card.required_items))


def _members(kind: str, guide: dict[str, Any]) -> list[tuple[str, str]]:
    """A bundle's (item code, item name) pairs, for links to each item's guide."""
    if kind != "bundle":
        return []
    catalogue = hall().catalogue.overview(lang())
    names = {i["code"]: i["name"] for i in catalogue["items"]}
    return [(code, names[code]) for code in guide["items"] if code in names]


def _guide_of(code: str, language: str) -> tuple[str, dict[str, Any]]:
    """("item" | "bundle", its guide) for a code; UnknownService if neither."""
    catalogue = hall().catalogue
    try:
        return "item", catalogue.item(code, language)
    except UnknownService:
        return "bundle", catalogue.bundle(code, language)


# ---- kiosk pages -------------------------------------------------------------------

@bp.get("/kiosk")
@bp.get("/kiosk/<kiosk_id>")
def home(kiosk_id: str | None = None) -> Any:
    if kiosk_id is None:
        kiosks = hall().config.kiosks
        kiosk_id = kiosks[0].id if kiosks else DEFAULT_KIOSK
    kiosk = kiosk_settings(kiosk_id)
    ctx = hall()
    catalogue = ctx.catalogue.overview(lang())
    used = most_used(ctx.service)
    items = {i["code"]: i for i in catalogue["items"]}
    bundles = {b["code"]: b for b in catalogue["bundles"]}
    popular = [items[c] for c in used["items"] if c in items][:6]
    popular_bundles = [bundles[c] for c in used["bundles"] if c in bundles]
    # Most-used bundles first, then the rest in catalogue order.
    ordered_bundles = popular_bundles + [b for b in catalogue["bundles"] if b not in popular_bundles]
    return _page("kiosk/home.html", kiosk, catalogue=catalogue, popular=popular, bundles=ordered_bundles,
                 closed=_closed_now())


def _closed_now() -> dict[str, str] | None:
    """Outside the service hours: when tickets are given out next (the home page says so before anyone tries)."""
    from phone.errors import when_text

    ctx = hall()
    admission = ctx.service.admission
    if admission is None:
        return None
    with ctx.storage.read() as db:
        opening = admission.opening(db, ctx.service.clock.now())  # type: ignore[attr-defined]
    if opening.open:
        return None
    return {"next": when_text(opening.next_opening.isoformat()) if opening.next_opening else ""}


@bp.get("/kiosk/<kiosk_id>/category/<code>")
def category(kiosk_id: str, code: str) -> Any:
    kiosk = kiosk_settings(kiosk_id)
    catalogue = hall().catalogue.overview(lang())
    found = next((c for c in catalogue["categories"] if c["code"] == code), None)
    if found is None:
        raise UnknownService(N_("unknown category {code!r}"), code=code)
    return _page("kiosk/category.html", kiosk, category=found,
                 items=[i for i in catalogue["items"] if i["category"] == code])


@bp.get("/kiosk/<kiosk_id>/item/<code>")
def item_guide(kiosk_id: str, code: str) -> Any:
    kiosk = kiosk_settings(kiosk_id)
    item = hall().catalogue.item(code, lang())
    return _page("kiosk/guide.html", kiosk, kind="item", guide=item, members=[], item_url="",
                 qr=qr_svg(public_url("kiosk.phone_guide", code=code)), needs_card=_needs_card([code]))


@bp.get("/kiosk/<kiosk_id>/bundle/<code>")
def bundle_guide(kiosk_id: str, code: str) -> Any:
    kiosk = kiosk_settings(kiosk_id)
    bundle = hall().catalogue.bundle(code, lang())
    return _page("kiosk/guide.html", kiosk, kind="bundle", guide=bundle, members=_members("bundle", bundle),
                 item_url=url_for("kiosk.item_guide", kiosk_id=kiosk.id, code="__CODE__"),
                 qr=qr_svg(public_url("kiosk.phone_guide", code=code)), needs_card=_needs_card(bundle["items"]))


@bp.get("/kiosk/<kiosk_id>/appointment")
def appointment(kiosk_id: str) -> Any:
    return _page("kiosk/appointment.html", kiosk_settings(kiosk_id))


@bp.get("/kiosk/<kiosk_id>/ticket/<token>")
def ticket_page(kiosk_id: str, token: str) -> Any:
    kiosk = kiosk_settings(kiosk_id)
    ctx = hall()
    ticket = ctx.service.ticket_by_token(token)
    kind, guide = _guide_of(ticket.bundle or ticket.item or "", lang())
    materials = guide["materials"] if kind == "bundle" else guide["guide"]["materials"]
    forms = guide["forms"] if kind == "bundle" else guide["guide"]["forms"]
    return _page("kiosk/ticket.html", kiosk, ticket=ticket, name=guide["name"], materials=materials, forms=forms,
                 status_url=status_url(ticket), reprint_minutes=REPRINT_MINUTES,
                 give_up_seconds=ctx.config.printing.give_up_seconds)


# ---- phone pages (public) ------------------------------------------------------------

@bp.get("/guide/<code>")
def phone_guide(code: str) -> Any:
    kind, guide = _guide_of(code, lang())
    return render_template("kiosk/phone_guide.html", kind=kind, guide=guide, members=_members(kind, guide),
                           item_url=url_for("kiosk.phone_guide", code="__CODE__"))


@bp.get("/t/<token>")
def status_page(token: str) -> Any:
    ticket = hall().service.ticket_by_token(token)
    return render_template("kiosk/status.html", token=token, number=ticket.number)


@bp.get("/t/<token>/ticket.png")
def ticket_png(token: str) -> Any:
    """The ticket as printed, for the kiosk screen and the status page."""
    ctx = hall()
    ticket = ctx.service.ticket_by_token(token)
    wanted = request.args.get("lang")
    layout = ticket_layout(ctx.service, ctx.catalogue, ticket, status_url(ticket),
                           wanted if wanted in ("zh", "en") else lang())
    response = Response(_png(layout), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@lru_cache(maxsize=64)
def _png(layout: TicketLayout) -> bytes:
    return render_png(layout)


# ---- managers ------------------------------------------------------------------------

@bp.get("/console/appointments")
@page_requires_staff(MANAGER_ROLES)
def appointments_page() -> Any:
    ctx = hall()
    day = request.args.get("date") or ctx.service.today()
    day = date_param(day).isoformat()
    tz = ctx.config.hall.tz
    bookings = [{**b, "slot": _slot_text(b["slot_start"], b["slot_end"], tz),
                 "name": ctx.catalogue.service_name(item=b["item"], bundle=b["bundle"], lang=lang())}
                for b in AppointmentBook(ctx.service).of_day(day)]
    return render_template("kiosk/appointments.html", day=day, bookings=bookings,
                           catalogue=ctx.catalogue.overview(lang()))


def _slot_text(start: float, end: float, tz: Any) -> str:
    return f"{datetime.fromtimestamp(start, tz):%H:%M}–{datetime.fromtimestamp(end, tz):%H:%M}"
