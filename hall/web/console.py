"""The managers' side: login page, front page, live hall, configuration, staff, reports and audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, render_template, request, send_from_directory
from flask_babel import gettext
from flask_socketio import Namespace

from ..accounts import MANAGER_ROLES
from ..commands import PAUSE_REASON_LABELS
from ..domain.models import ROLE_LABELS
from ..lobby_board import LobbyBoard
from ..outbox import shipping_status
from ..reports import GROUPINGS, day_summary
from ..snapshots import lobby_snapshot
from ..storage import repo
from .alert_watcher import AlertWatcher
from .auth import current_staff, page_requires_staff
from .context import HallContext, hall, off_the_loop

bp = Blueprint("console", __name__)

ADMIN_ROLES = frozenset({"admin"})
REPORT_ROLES = frozenset({"clerk", "manager", "admin"})
ALERT_INTERVAL_SECONDS = 5.0


@bp.context_processor
def hall_name_in_force() -> dict[str, Any]:
    """The hall's name as managers last saved it (the app's default comes from the configuration file)."""
    from .i18n import select_locale

    settings = hall().service.hall
    return {"hall_name": settings.name if select_locale() == "zh" else settings.name_en}


@bp.get("/")
def index() -> Any:
    return render_template("index.html")


@bp.get("/login")
def login() -> Any:
    return render_template("login.html", next_url=_safe_next(request.args.get("next", "")))


def _safe_next(url: str) -> str:
    """Only local paths: never redirect off the hall server after login."""
    return url if url.startswith("/") and not url.startswith("//") else "/console"


@bp.app_context_processor
def console_nav() -> dict[str, Any]:
    """Who is logged in and which console pages they may open: for console_base.html on every blueprint."""
    member = current_staff()
    return {"member": member, "is_manager": bool(member and member.has_any(MANAGER_ROLES)),
            "is_admin": bool(member and member.has_any(ADMIN_ROLES))}


@bp.get("/favicon.ico")
def favicon() -> Any:
    """The hall's icon, for every page's browser tab (browsers ask for it at the root)."""
    return send_from_directory(Path(bp.root_path) / "static", "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


@bp.get("/console")
@page_requires_staff(MANAGER_ROLES)
def console() -> Any:
    config = hall().config
    return render_template("console.html", hall_timezone=config.hall.timezone,
                           prefecture_url=bool(config.prefecture.url),
                           pause_labels={code: gettext(label) for code, label in PAUSE_REASON_LABELS.items()})


@bp.get("/console/screens")
@page_requires_staff(MANAGER_ROLES)
def screens_page() -> Any:
    """The addresses of every screen of the hall: kiosk, lobby, and each counter's screens and panel."""
    with hall().storage.read() as db:
        counters = [{"number": c.number, "name": c.name} for c in repo.counters(db)]
    return render_template("console_screens.html", counters=counters, kiosks=hall().config.kiosks)


@bp.get("/console/config")
@page_requires_staff(MANAGER_ROLES)
def config_page() -> Any:
    return render_template("console_config.html")


@bp.get("/console/staff")
@page_requires_staff(ADMIN_ROLES)
def staff_page() -> Any:
    return render_template("console_staff.html", roles={r: gettext(label) for r, label in ROLE_LABELS.items()})


@bp.get("/console/reports")
@page_requires_staff(REPORT_ROLES)
def reports_page() -> Any:
    from .console_api import column_titles, definition_texts

    ctx = hall()
    return render_template("console_reports.html", groupings=GROUPINGS, titles=column_titles(),
                           definitions=definition_texts(), today=ctx.service.today(),
                           target=ctx.service.hall.wait_target_minutes)


@bp.get("/console/audit")
@page_requires_staff(MANAGER_ROLES)
def audit_page() -> Any:
    return render_template("console_audit.html")


def console_snapshot() -> dict[str, Any]:
    """Today's figures, the lobby's queues, device status and the live hall with its alerts."""
    from .console_api import live_snapshot

    ctx = hall()
    lang = ctx.config.hall.language
    return {
        "summary": off_the_loop(day_summary, ctx.service.today()),
        "lobby": lobby_snapshot(ctx.service, ctx.live.board if ctx.live else LobbyBoard(), lang),
        "devices": ctx.device_status.statuses(),
        "live": live_snapshot(),
        "prefecture": shipping_status(ctx.storage) if ctx.config.prefecture.url else None,
    }


class ConsoleNamespace(Namespace):
    """/console: managers only; the live hall, the day's figures, device status and alerts."""

    def on_connect(self, auth: Any = None) -> Any:
        from .socket_auth import staff_from_socket

        member = staff_from_socket(auth)
        if member is None or not member.has_any(MANAGER_ROLES):
            return False
        ctx = hall()
        if ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", console_snapshot, limited=False)
        return True

    def on_disconnect(self, reason: Any = None) -> None:
        live = hall().live
        if live is not None:
            live.forget(self.namespace, request.sid)  # type: ignore[attr-defined]

    def on_snapshot_request(self, data: Any = None) -> None:
        from .socket_auth import staff_from_socket

        member = staff_from_socket(None)
        ctx = hall()
        if member is not None and member.has_any(MANAGER_ROLES) and ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", console_snapshot)


def install_console(app: Flask, ctx: HallContext) -> None:
    """The alert watcher (app.extensions["onewindow_alerts"]); every server process starts its own."""
    from .console_api import live_snapshot

    app.extensions["onewindow_alerts"] = AlertWatcher(app, ctx, live_snapshot, interval=ALERT_INTERVAL_SECONDS)
