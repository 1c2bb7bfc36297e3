"""The managers' side: login page, the hall's front page and today's summary (live)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_socketio import Namespace

from ..accounts import MANAGER_ROLES
from ..reports import day_summary
from ..snapshots import lobby_snapshot
from .auth import page_requires_staff
from .context import hall

bp = Blueprint("console", __name__)


@bp.get("/")
def index() -> Any:
    return render_template("index.html")


@bp.get("/login")
def login() -> Any:
    return render_template("login.html", next_url=_safe_next(request.args.get("next", "")))


def _safe_next(url: str) -> str:
    """Only local paths: never redirect off the hall server after login."""
    return url if url.startswith("/") and not url.startswith("//") else "/console"


@bp.get("/console")
@page_requires_staff(MANAGER_ROLES)
def console() -> Any:
    return render_template("console.html")


def console_snapshot() -> dict[str, Any]:
    ctx = hall()
    lang = ctx.config.hall.language
    return {
        "summary": day_summary(ctx.storage, ctx.service.today()),
        "lobby": lobby_snapshot(ctx.service, lang),
        "devices": ctx.devices.statuses(),
    }


class ConsoleNamespace(Namespace):
    """/console: managers only; the day's figures and device status, live."""

    def on_connect(self, auth: Any = None) -> Any:
        from .socket_auth import staff_from_socket

        member = staff_from_socket(auth)
        if member is None or not member.has_any(MANAGER_ROLES):
            return False
        ctx = hall()
        if ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", console_snapshot)
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        from .socket_auth import staff_from_socket

        member = staff_from_socket(None)
        ctx = hall()
        if member is not None and member.has_any(MANAGER_ROLES) and ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", console_snapshot)
