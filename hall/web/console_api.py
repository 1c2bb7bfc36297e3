"""The managers' JSON API: live hall, configuration, audit log and reports (under /api/v1)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import gettext as _

from ..accounts import MANAGER_ROLES
from ..admin import HallAdmin
from ..alerts import hall_alerts
from ..audit import AuditLog
from ..counters_admin import CounterAdmin
from ..domain.errors import N_, InvalidInput
from ..live_hall import live_hall
from ..lobby_board import LobbyBoard
from ..report_export import XLSX_MIME, report_csv, report_xlsx
from ..reports import DEFINITIONS, parse_range, report
from .auth import current_staff, require_staff
from .context import hall, off_the_loop
from .i18n import lang
from .jsonio import body

bp = Blueprint("console_api", __name__, url_prefix="/api/v1")

ADMIN_ROLES = frozenset({"admin"})
#: Clerks may read reports, but only of the tickets they handled.
REPORT_ROLES = frozenset({"clerk", "manager", "admin"})
FORMATS = ("json", "csv", "xlsx")


def admin() -> HallAdmin:
    ctx = hall()
    return HallAdmin(ctx.storage, ctx.service, ctx.accounts)


def _actor() -> str:
    member = current_staff()
    assert member is not None  # require_staff ran first
    return member.username


# ---- live hall -------------------------------------------------------------------------

def live_snapshot() -> dict[str, Any]:
    """The live hall with its alerts, as sent to /console and served at /api/v1/console/live."""
    ctx = hall()
    settings = admin().settings()
    limits = {name: settings[name]
              for name in ("wait_target_minutes", "max_waiting_per_counter", "pause_alert_minutes")}
    board = ctx.live.board if ctx.live is not None else LobbyBoard()
    snapshot = live_hall(ctx.service, board, ctx.device_status.statuses(), limits, ctx.config.hall.language)
    snapshot["alerts"] = [a.as_dict() for a in hall_alerts(snapshot, snapshot["server_time"])]
    return snapshot


@bp.get("/console/live")
@require_staff(MANAGER_ROLES)
def console_live() -> Any:
    return jsonify(live_snapshot())


# ---- configuration -------------------------------------------------------------------------

@bp.get("/admin/catalogue")
@require_staff(MANAGER_ROLES)
def catalogue() -> Any:
    return jsonify(admin().catalogue())


@bp.post("/admin/categories")
@require_staff(MANAGER_ROLES)
def create_category() -> Any:
    data = body()
    return jsonify(admin().save_category(_actor(), data.pop("code", None), data, create=True)), 201


@bp.put("/admin/categories/<code>")
@require_staff(MANAGER_ROLES)
def update_category(code: str) -> Any:
    return jsonify(admin().save_category(_actor(), code, body(), create=False))


@bp.post("/admin/items")
@require_staff(MANAGER_ROLES)
def create_item() -> Any:
    data = body()
    return jsonify(admin().save_item(_actor(), data.pop("code", None), data, create=True)), 201


@bp.put("/admin/items/<code>")
@require_staff(MANAGER_ROLES)
def update_item(code: str) -> Any:
    return jsonify(admin().save_item(_actor(), code, body(), create=False))


@bp.post("/admin/bundles")
@require_staff(MANAGER_ROLES)
def create_bundle() -> Any:
    data = body()
    return jsonify(admin().save_bundle(_actor(), data.pop("code", None), data, create=True)), 201


@bp.put("/admin/bundles/<code>")
@require_staff(MANAGER_ROLES)
def update_bundle(code: str) -> Any:
    return jsonify(admin().save_bundle(_actor(), code, body(), create=False))


@bp.post("/admin/bundles/<code>/items")
@require_staff(MANAGER_ROLES)
def add_bundle_item(code: str) -> Any:
    item = body().get("item")
    if not isinstance(item, str):
        raise InvalidInput(N_("'item' (a service item code) is required"))
    return jsonify(admin().add_bundle_item(_actor(), code, item))


def counter_admin() -> CounterAdmin:
    ctx = hall()
    return CounterAdmin(ctx.storage, ctx.service, ctx.accounts)


@bp.get("/admin/counters")
@require_staff(MANAGER_ROLES)
def counters() -> Any:
    return jsonify(counters=counter_admin().counters())


@bp.post("/admin/counters")
@require_staff(MANAGER_ROLES)
def create_counter() -> Any:
    return jsonify(counter_admin().add(_actor(), body())), 201


@bp.put("/admin/counters/<int:number>")
@require_staff(MANAGER_ROLES)
def update_counter(number: int) -> Any:
    """Rename, set the LED strip, retire ("active": false) or enable again ("active": true)."""
    return jsonify(counter_admin().update(_actor(), number, body()))


@bp.post("/admin/counters/<int:number>/devices")
@require_staff(MANAGER_ROLES)
def add_counter_device(number: int) -> Any:
    """Register an evaluator for the counter; the answer holds its token and link, shown this once."""
    device, token = counter_admin().add_device(_actor(), number, body())
    link = url_for("evaluator.pad", token=token, _external=True)
    return jsonify(device=device, token=token, url=link), 201


@bp.post("/admin/counters/<int:number>/devices/<int:device>/revoke")
@require_staff(MANAGER_ROLES)
def revoke_counter_device(number: int, device: int) -> Any:
    body()
    return jsonify(device=counter_admin().revoke_device(_actor(), number, device))


@bp.put("/admin/counters/<int:number>/items")
@require_staff(MANAGER_ROLES)
def set_counter_items(number: int) -> Any:
    return jsonify(admin().set_counter_items(_actor(), number, body().get("items")))


@bp.post("/admin/counters/<int:number>/items")
@require_staff(MANAGER_ROLES)
def authorise_counter(number: int) -> Any:
    item = body().get("item")
    if not isinstance(item, str):
        raise InvalidInput(N_("'item' (a service item code) is required"))
    return jsonify(admin().authorise_counter(_actor(), number, item))


@bp.get("/admin/staff")
@require_staff(ADMIN_ROLES)
def staff_list() -> Any:
    return jsonify(staff=admin().staff())


@bp.post("/admin/staff")
@require_staff(ADMIN_ROLES)
def create_staff() -> Any:
    return jsonify(admin().add_staff(_actor(), body())), 201


@bp.put("/admin/staff/<username>")
@require_staff(ADMIN_ROLES)
def update_staff(username: str) -> Any:
    return jsonify(admin().update_staff(_actor(), username, body()))


@bp.get("/admin/settings")
@require_staff(MANAGER_ROLES)
def settings() -> Any:
    return jsonify(admin().settings())


@bp.put("/admin/settings")
@require_staff(MANAGER_ROLES)
def update_settings() -> Any:
    return jsonify(admin().update_settings(_actor(), body()))


@bp.get("/admin/audit")
@require_staff(MANAGER_ROLES)
def audit_log() -> Any:
    ctx = hall()
    args = request.args
    try:
        limit = int(args.get("limit", "200"))
    except ValueError:
        raise InvalidInput(N_("'limit' must be a whole number")) from None
    entries = AuditLog(ctx.storage, ctx.config.hall.tz).entries(
        actor=args.get("actor"), action=args.get("action"), target=args.get("target"),
        day_from=args.get("from"), day_to=args.get("to"), limit=limit)
    return jsonify(entries=entries)


# ---- reports ---------------------------------------------------------------------------------

#: Column titles of the exported reports, translated per request.
def column_titles() -> dict[str, str]:
    return {
        "day": _("Day"), "hour": _("Hour of day"), "item": _("Service item"), "category": _("Category"),
        "counter": _("Counter"), "clerk": _("Clerk"), "label": _("Name"), "issued": _("Tickets issued"),
        "called": _("Called"), "served": _("Served"), "no_shows": _("No-shows"), "cancelled": _("Cancelled"),
        "waiting_minutes_mean": _("Mean wait (min)"), "waiting_minutes_p50": _("Median wait (min)"),
        "waiting_minutes_p90": _("90% waited at most (min)"), "waiting_minutes_max": _("Longest wait (min)"),
        "service_minutes_mean": _("Mean service (min)"), "service_minutes_p90": _("90% served within (min)"),
        "service_level": _("Service level"), "rated": _("Ratings"), "unrated": _("Unrated"),
        "satisfaction_rate": _("Satisfaction rate"), "rating_rate": _("Rating rate"), "minutes": _("minutes"),
        "total": _("Total"), "report": _("Report"), "definitions": _("Definitions"), "waiting": _("Waiting time"),
        "service": _("Service time"), "target_minutes": _("Waiting target (minutes)"),
    }


def definition_texts() -> dict[str, str]:
    """The report's definitions, translated (keys as in hall.reports.DEFINITIONS)."""
    return {
        "waiting": _("waiting time = first call − ticket issued (minutes), over the tickets that were called"),
        "service": _("service time = finished − serving started (minutes), over the finished cases"),
        "service_level": _("service level = tickets called within the hall's waiting target ÷ tickets called"),
        "satisfaction_rate": _("satisfaction rate = ratings of 3 to 5 (basically satisfied or better) ÷ ratings given"),
        "rating_rate": _("rating rate = ratings given ÷ cases finished (served)"),
        "hour": _("hour of day = the hour the ticket was issued, in the hall's time zone"),
        "item": _("a bundle ticket counts once, under its bundle"),
    }


def waiting_report_for_request() -> dict[str, Any]:
    """The waiting-time report the query string asks for; a clerk gets only their own tickets."""
    ctx = hall()
    member = current_staff()
    assert member is not None
    group_by = request.args.get("group_by", "day")
    day_from, day_to = parse_range(request.args.get("from"), request.args.get("to"), ctx.service.today())
    own = None if member.has_any(MANAGER_ROLES) else member.username
    return off_the_loop(report, day_from, day_to, group_by, tz=ctx.service.hall.tz,
                  target_minutes=ctx.service.hall.wait_target_minutes, lang=lang(), staff=own)


@bp.get("/reports/waiting")
@require_staff(REPORT_ROLES)
def waiting_report() -> Any:
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise InvalidInput(N_("format must be one of {choices}"), choices=', '.join(FORMATS))
    data = waiting_report_for_request()
    if fmt == "json":
        return jsonify(data)
    titles = column_titles()
    name = f"waiting-{data['group_by']}-{data['from']}-{data['to']}"
    if fmt == "csv":
        return Response(report_csv(data, lambda k: titles.get(k, k)), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    texts = {DEFINITIONS[k]: v for k, v in definition_texts().items()}
    body = report_xlsx(data, lambda k: titles.get(k) or texts.get(k, k), title=_("Waiting time report"))
    return Response(body, mimetype=XLSX_MIME, headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
