"""The managers' side: login page, front page, live hall, configuration, staff, reports and audit log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, render_template, request
from flask_socketio import Namespace

from ..accounts import MANAGER_ROLES
from ..admin import HallAdmin
from ..reports import GROUPINGS, day_summary
from ..snapshots import lobby_snapshot
from .alert_watcher import AlertWatcher
from .auth import current_staff, page_requires_staff
from .context import HallContext, hall

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
    """Only a path on this server: never a way off the hall after login.

    Browsers read a backslash as a slash and drop tabs and newlines, so ``/\\host`` and ``/%09/host`` are
    ``//host`` to them: only printable ASCII without backslashes, with no scheme and no host, passes.
    """
    if not url.startswith("/") or len(url) > 2000 or any(not 0x20 < ord(c) < 0x7F or c == "\\" for c in url):
        return "/console"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("//"):
        return "/console"
    return url


@bp.app_context_processor
def console_nav() -> dict[str, Any]:
    """Who is logged in and which console pages they may open: for console_base.html on every blueprint."""
    member = current_staff()
    return {"member": member, "is_manager": bool(member and member.has_any(MANAGER_ROLES)),
            "is_admin": bool(member and member.has_any(ADMIN_ROLES))}


@bp.get("/console")
@page_requires_staff(MANAGER_ROLES)
def console() -> Any:
    return render_template("console.html")


@bp.get("/console/config")
@page_requires_staff(MANAGER_ROLES)
def config_page() -> Any:
    return render_template("console_config.html")


@bp.get("/console/staff")
@page_requires_staff(ADMIN_ROLES)
def staff_page() -> Any:
    return render_template("console_staff.html")


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
        "summary": day_summary(ctx.storage, ctx.service.today()),
        "lobby": lobby_snapshot(ctx.service, lang),
        "devices": ctx.devices.statuses(),
        "live": live_snapshot(),
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
            ctx.live.send_snapshot(self.namespace, "hall", console_snapshot)
        return True

    def on_snapshot_request(self, data: Any = None) -> None:
        from .socket_auth import staff_from_socket

        member = staff_from_socket(None)
        ctx = hall()
        if member is not None and member.has_any(MANAGER_ROLES) and ctx.live is not None:
            ctx.live.send_snapshot(self.namespace, "hall", console_snapshot)


def install_console(app: Flask, ctx: HallContext, *, start_workers: bool) -> None:
    """Apply the managers' saved hall settings and start the alert watcher (app.extensions["onewindow_alerts"])."""
    from .console_api import live_snapshot

    HallAdmin(ctx.storage, ctx.service, ctx.accounts).apply_settings()
    watcher = AlertWatcher(app, ctx, live_snapshot, interval=ALERT_INTERVAL_SECONDS)
    app.extensions["onewindow_alerts"] = watcher
    if start_workers:
        watcher.start()
        ctx.closers.append(watcher.close)
