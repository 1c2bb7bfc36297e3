"""The ticket kiosk and the citizen's live status page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from hall.web.context import hall
from hall.web.i18n import lang

bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
               static_url_path="/kiosk/static")


@bp.get("/kiosk")
@bp.get("/kiosk/<kiosk_id>")
def home(kiosk_id: str = "kiosk-1") -> Any:
    return render_template("kiosk/home.html", catalogue=hall().catalogue.overview(lang()), kiosk_id=kiosk_id[:40])


@bp.get("/t/<token>")
def status_page(token: str) -> Any:
    ticket = hall().service.ticket_by_token(token)
    return render_template("kiosk/status.html", token=token, number=ticket.number)
