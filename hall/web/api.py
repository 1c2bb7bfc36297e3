"""The JSON API under /api/v1 (documented in openapi.py and served as /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for

from ..accounts import COUNTER_ROLES, MANAGER_ROLES
from ..domain.errors import InvalidInput, NotAuthenticated, NotAuthorised
from ..reports import day_summary
from .auth import current_device, current_staff, log_in, require_staff
from .context import hall
from .i18n import lang
from .jsonio import body, date_param, field, refuse_unknown
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")

def ticket_payload(ticket: Any, *, just_issued: bool = False) -> dict[str, Any]:
    ctx = hall()
    payload = ticket.public()
    payload["people_ahead_now"] = ticket.people_ahead if just_issued else ctx.service.people_ahead_now(ticket)
    live = None if just_issued else ctx.service.wait_estimate_now(ticket)
    payload["wait_estimate"] = live.as_dict() if live is not None else {
        "point": ticket.estimated_wait_minutes, "low": ticket.estimated_wait_low, "high": ticket.estimated_wait_high}
    payload["service_name"] = ctx.catalogue.service_name(item=ticket.item, bundle=ticket.bundle, lang=lang())
    payload["status_url"] = url_for("kiosk.status_page", token=ticket.token, _external=True)
    payload["print"] = ctx.devices.print_state(ticket.id)
    return payload


# ---- public ---------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@bp.get("/services")
def services() -> Any:
    return jsonify(hall().catalogue.overview(lang()))


@bp.get("/services/<code>")
def service_item(code: str) -> Any:
    return jsonify(hall().catalogue.item(code, lang()))


@bp.get("/bundles/<code>")
def bundle(code: str) -> Any:
    return jsonify(hall().catalogue.bundle(code, lang()))


@bp.post("/tickets")
def issue_ticket() -> Any:
    data = body()
    refuse_unknown(data, {"service", "bundle", "priority", "kiosk", "print", "lang"})
    ctx = hall()
    ticket = ctx.service.issue_ticket(
        service=field(data, "service", str), bundle=field(data, "bundle", str),
        priority=bool(field(data, "priority", bool)), kiosk=field(data, "kiosk", str),
    )
    ticket_lang = field(data, "lang", str) or lang()
    if field(data, "print", bool) is not False:
        ctx.devices.print_ticket(ticket, url_for("kiosk.status_page", token=ticket.token, _external=True), ticket_lang)
    payload = ticket_payload(ticket, just_issued=True)
    payload["token"] = ticket.token
    return jsonify(payload), 201


@bp.get("/tickets/<int:ticket_id>")
def ticket(ticket_id: int) -> Any:
    return jsonify(ticket_payload(hall().service.ticket(ticket_id)))


@bp.get("/status/<token>")
def ticket_status(token: str) -> Any:
    return jsonify(ticket_payload(hall().service.ticket_by_token(token)))


@bp.post("/login")
def login() -> Any:
    data = body()
    username = field(data, "username", str, required=True)
    password = field(data, "password", str, required=True)
    member = log_in(username, password, hall().login_limiter)
    token = hall().accounts.issue_token(member)
    return jsonify(username=member.username, display_name=member.display_name, roles=sorted(member.roles),
                   counter=member.counter, token=token)


@bp.post("/logout")
def logout() -> Any:
    from flask import session

    session.clear()
    return jsonify(ok=True)


@bp.get("/me")
def me() -> Any:
    member = current_staff()
    if member is None:
        raise NotAuthenticated("not logged in")
    return jsonify(username=member.username, display_name=member.display_name, roles=sorted(member.roles),
                   counter=member.counter)


# ---- counters (staff) -------------------------------------------------------------

def run_counter_action(number: int, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """Run one counter action for the logged-in member of staff."""
    ctx = hall()
    member = current_staff()
    staff = member.username if member else None
    svc = ctx.service
    if action == "call-next":
        ticket = svc.call_next(number, staff)
        return {"ticket": ticket_payload(ticket) if ticket else None}
    if action == "call":
        ticket = svc.call_specific(number, staff, field(data, "number", str, required=True))
    elif action == "recall":
        ticket = svc.recall(number, staff)
    elif action == "start":
        ticket = svc.start(number, staff)
    elif action == "finish":
        ticket = svc.finish(number, staff)
    elif action == "no-show":
        ticket = svc.no_show(number, staff)
    elif action == "hold":
        ticket = svc.hold(number, staff)
    elif action == "transfer":
        ticket = svc.transfer(number, staff, to_counter=field(data, "to_counter", int),
                              to_category=field(data, "to_category", str), note=field(data, "note", str) or "")
    elif action == "pause":
        counter = svc.pause(number, staff, field(data, "reason", str) or "")
        return {"counter": {"number": counter.number, "state": counter.state.value, "reason": counter.pause_reason}}
    elif action == "resume":
        counter = svc.resume(number, staff)
        return {"counter": {"number": counter.number, "state": counter.state.value}}
    else:
        raise InvalidInput(f"unknown counter action {action!r}")
    return {"ticket": ticket_payload(ticket)}


COUNTER_ACTIONS = ("call-next", "call", "recall", "start", "finish", "no-show", "hold", "transfer", "pause", "resume")


@bp.post("/counters/<int:number>/<action>")
@require_staff(COUNTER_ROLES)
def counter_action(number: int, action: str) -> Any:
    if action not in COUNTER_ACTIONS:
        raise InvalidInput(f"unknown counter action {action!r}; one of {', '.join(COUNTER_ACTIONS)}")
    return jsonify(run_counter_action(number, action, body()))


@bp.get("/counters/<int:number>")
@require_staff(COUNTER_ROLES)
def counter_state(number: int) -> Any:
    from ..snapshots import counter_snapshot

    return jsonify(counter_snapshot(hall().service, number, lang()))


@bp.post("/tickets/<int:ticket_id>/cancel")
@require_staff(MANAGER_ROLES)
def cancel_ticket(ticket_id: int) -> Any:
    data = body()
    member = current_staff()
    ticket = hall().service.cancel(ticket_id, member.username if member else None, field(data, "reason", str) or "")
    return jsonify(ticket_payload(ticket))


@bp.post("/tickets/<int:ticket_id>/reprint")
@require_staff(MANAGER_ROLES)
def reprint_ticket(ticket_id: int) -> Any:
    ctx = hall()
    ticket = ctx.service.ticket(ticket_id)
    ctx.devices.print_ticket(ticket, url_for("kiosk.status_page", token=ticket.token, _external=True), lang())
    return jsonify(ticket_payload(ticket)), 202


# ---- ratings (evaluator devices only) --------------------------------------------------

@bp.post("/ratings")
def rate() -> Any:
    device = current_device()
    if device is None:
        if current_staff() is not None:
            raise NotAuthorised("ratings come from the counter's evaluator device, never from a staff session")
        raise NotAuthenticated("an evaluator device token is required (Authorization: Bearer …)")
    if device.kind != "evaluator":
        raise NotAuthorised("only evaluator devices may submit ratings")
    data = body()
    refuse_unknown(data, {"ticket", "score", "reasons"})
    reasons = data.get("reasons") or []
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise InvalidInput("'reasons' must be a list of strings")
    rating = hall().service.rate(field(data, "ticket", int, required=True), field(data, "score", int, required=True),
                                 device_id=device.id, device_counter=device.counter, reasons=reasons)
    return jsonify(ticket=rating["ticket"], score=rating["score"], counter=rating["counter"]), 201


# ---- reports (managers) ---------------------------------------------------------------

@bp.get("/reports/summary")
@require_staff(MANAGER_ROLES)
def report_summary() -> Any:
    ctx = hall()
    day = request.args.get("date") or ctx.service.today()
    return jsonify(day_summary(ctx.storage, date_param(day).isoformat()))
