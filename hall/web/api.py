"""The hall's own JSON API under /api/v1: the schema, the catalogue, login, managers' ticket actions, the summary.

Each front end owns the rest of its API (kiosk/api.py, caller/api.py, evaluator/api.py, lobby_display/api.py);
all of them act through ``hall.commands`` and shape their answers with ``hall.web.payloads``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from ..accounts import MANAGER_ROLES
from ..domain.errors import N_, NotAuthenticated
from ..reports import day_summary
from .auth import current_actor, current_staff, log_in, log_out, require_staff
from .context import hall, off_the_loop
from .i18n import lang
from .jsonio import body, date_param, field
from .openapi import openapi_document
from .payloads import ticket_payload

bp = Blueprint("api", __name__, url_prefix="/api/v1")


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


# ---- staff sessions ------------------------------------------------------------------

@bp.post("/login")
def login() -> Any:
    data = body()
    username = field(data, "username", str, required=True)
    password = field(data, "password", str, required=True)
    member, token = log_in(username, password)
    return jsonify(username=member.username, display_name=member.display_name, roles=sorted(member.roles),
                   counter=member.counter, token=token)


@bp.post("/logout")
def logout() -> Any:
    """End the login on the server (its session cookie and bearer token stop working at once); a clerk signed in
    at a counter leaves it first (refused while a ticket is in hand)."""
    member = current_staff()
    left = None
    if member is not None:
        counter = hall().commands.sign_out(current_actor())
        left = counter.number if counter else None
    log_out()
    return jsonify(ok=True, left_counter=left)


@bp.get("/me")
def me() -> Any:
    member = current_staff()
    if member is None:
        raise NotAuthenticated(N_("not logged in"))
    return jsonify(username=member.username, display_name=member.display_name, roles=sorted(member.roles),
                   counter=member.counter, signed_in_at=hall().commands.held_counter(member.username))


# ---- tickets (managers) ------------------------------------------------------------

@bp.post("/tickets/<int:ticket_id>/cancel")
@require_staff(MANAGER_ROLES)
def cancel_ticket(ticket_id: int) -> Any:
    data = body()
    ticket = hall().commands.cancel_ticket(current_actor(), ticket_id, field(data, "reason", str) or "")
    return jsonify(ticket_payload(ticket))


@bp.post("/tickets/<int:ticket_id>/reprint")
@require_staff(MANAGER_ROLES)
def reprint_ticket(ticket_id: int) -> Any:
    ctx = hall()
    ticket = ctx.service.ticket(ticket_id)
    member = current_staff()
    ctx.commands.reprint(ticket, lang(), by=member.username if member else None)
    return jsonify(ticket_payload(ticket)), 202


# ---- reports (managers) ---------------------------------------------------------------

@bp.get("/reports/summary")
@require_staff(MANAGER_ROLES)
def report_summary() -> Any:
    ctx = hall()
    day = request.args.get("date") or ctx.service.today()
    return jsonify(off_the_loop(day_summary, date_param(day).isoformat()))
