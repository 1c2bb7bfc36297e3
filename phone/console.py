"""The managers' pages and API for service hours and quotas (服务时间与限号), remote queueing and booking plans,
the poster QR code (print it from the console), and the SMS log (masked numbers). Every change is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from hall.accounts import MANAGER_ROLES
from hall.admission_admin import AdmissionAdmin
from hall.domain.errors import N_, HallError, InvalidInput
from hall.quotas import QuotaBook, local_minute
from hall.storage import contacts as contact_store
from hall.web.auth import current_staff, page_requires_staff, require_staff
from hall.web.context import hall
from hall.web.i18n import lang
from hall.web.jsonio import body, field
from hall.web.urls import public_base

from .errors import error_response
from .views import phone_hall, qr_svg

bp = Blueprint("phone_console", __name__, template_folder="templates")
bp.register_error_handler(HallError, error_response)

SMS_LOG_HOURS = 48


def _admin() -> AdmissionAdmin:
    return AdmissionAdmin(hall().service, phone_hall().watch)


def _actor() -> str:
    member = current_staff()
    assert member is not None  # require_staff ran first
    return member.username


def _names() -> dict[tuple[str, str], str]:
    overview = hall().catalogue.overview(lang())
    names = {("item", i["code"]): i["name"] for i in overview["items"]}
    names.update({("bundle", b["code"]): b["name"] for b in overview["bundles"]})
    names[("hall", "")] = _("The whole hall")
    return names


def _catalogue() -> dict[str, Any]:
    overview = hall().catalogue.overview(lang())
    return {"items": [{"code": i["code"], "name": i["name"]} for i in overview["items"]],
            "bundles": [{"code": b["code"], "name": b["name"]} for b in overview["bundles"]]}


# ---- pages -----------------------------------------------------------------------------------------

@bp.get("/console/hours")
@page_requires_staff(MANAGER_ROLES)
def hours_page() -> Any:
    """Service hours, the early opening, and the quotas with what is left today."""
    return render_template("phone/console_hours.html", catalogue=_catalogue())


@bp.get("/console/remote")
@page_requires_staff(MANAGER_ROLES)
def remote_page() -> Any:
    """Remote queueing, notices and phone numbers; online booking plans; the poster; the SMS log."""
    return render_template("phone/console_remote.html", catalogue=_catalogue(), sms=phone_hall().sms_enabled,
                           poster_url=url_for("phone_console.poster_page"))


@bp.get("/console/poster")
@page_requires_staff(MANAGER_ROLES)
def poster_page() -> Any:
    """The poster for the hall's entrance (print it): a QR code to take a ticket or book from the phone."""
    target = f"{public_base()}{url_for('phone.home')}"
    with hall().storage.read() as db:
        hours = phone_hall().watch.current(db).hours
    return render_template("phone/poster.html", qr=qr_svg(target), target=target,
                           hours=hours.display(lang()) if hours.enforce else "")


# ---- service hours ------------------------------------------------------------------------------------

@bp.get("/api/v1/admin/hours")
@require_staff(MANAGER_ROLES)
def hours() -> Any:
    return jsonify(_admin().hours(lang()))


@bp.put("/api/v1/admin/hours")
@require_staff(MANAGER_ROLES)
def save_hours() -> Any:
    return jsonify(_admin().save_hours(_actor(), body()))


@bp.post("/api/v1/admin/hours/open-early")
@require_staff(MANAGER_ROLES)
def open_early() -> Any:
    data = body()
    return jsonify(_admin().open_early(_actor(), field(data, "minutes", int)))


@bp.post("/api/v1/admin/hours/end-early")
@require_staff(MANAGER_ROLES)
def end_early() -> Any:
    return jsonify(_admin().end_early(_actor()))


# ---- quotas -------------------------------------------------------------------------------------------

def _quotas() -> QuotaBook:
    ctx = hall()
    return QuotaBook(ctx.storage, ctx.service.clock)


@bp.get("/api/v1/admin/quotas")
@require_staff(MANAGER_ROLES)
def quotas() -> Any:
    """Every quota with what today used and what is left (the current time slot's too)."""
    ctx = hall()
    now = ctx.service.clock.now()
    share = phone_hall().settings().remote_share_percent
    day = request.args.get("date") or ctx.service.today(now)
    rows = _quotas().remaining(day, local_minute(now, ctx.service.hall.tz), share, _names())
    return jsonify(date=day, remote_share_percent=share, quotas=rows)


@bp.put("/api/v1/admin/quotas/hall")
@require_staff(MANAGER_ROLES)
def save_hall_quota() -> Any:
    return jsonify(_quotas().save(_actor(), "hall", "", body()).as_dict())


@bp.delete("/api/v1/admin/quotas/hall")
@require_staff(MANAGER_ROLES)
def delete_hall_quota() -> Any:
    _quotas().delete(_actor(), "hall", "")
    return jsonify(ok=True)


@bp.put("/api/v1/admin/quotas/<scope>/<code>")
@require_staff(MANAGER_ROLES)
def save_quota(scope: str, code: str) -> Any:
    if scope not in ("item", "bundle"):
        raise InvalidInput(N_("scope must be item or bundle"))
    return jsonify(_quotas().save(_actor(), scope, code, body()).as_dict())


@bp.delete("/api/v1/admin/quotas/<scope>/<code>")
@require_staff(MANAGER_ROLES)
def delete_quota(scope: str, code: str) -> Any:
    _quotas().delete(_actor(), scope, code)
    return jsonify(ok=True)


# ---- remote queueing, notices, phone numbers ------------------------------------------------------------

@bp.get("/api/v1/admin/phone-settings")
@require_staff(MANAGER_ROLES)
def phone_settings() -> Any:
    return jsonify({**_admin().phone_settings(), "sms": phone_hall().sms_enabled})


@bp.put("/api/v1/admin/phone-settings")
@require_staff(MANAGER_ROLES)
def save_phone_settings() -> Any:
    return jsonify(_admin().save_phone_settings(_actor(), body()))


@bp.get("/api/v1/admin/sms-log")
@require_staff(MANAGER_ROLES)
def sms_log() -> Any:
    """The SMS of the last two days: masked numbers, kinds, states, never a code."""
    ctx = hall()
    with ctx.storage.read() as db:
        rows = contact_store.sms_log(db, ctx.service.clock.now() - SMS_LOG_HOURS * 3600, 200)
    tz = ctx.service.hall.tz  # the hall's time zone, not the browser's
    return jsonify(messages=[{**r, "when": datetime.fromtimestamp(r["created_at"], tz).strftime("%m-%d %H:%M")}
                             for r in rows])


# ---- booking plans ----------------------------------------------------------------------------------------

@bp.get("/api/v1/admin/appointment-plans")
@require_staff(MANAGER_ROLES)
def plans() -> Any:
    names = _names()
    return jsonify(plans=[{**p, "name": names.get((p["scope"], p["code"]), p["code"])}
                          for p in phone_hall().plans.plans()])


@bp.put("/api/v1/admin/appointment-plans/<scope>/<code>")
@require_staff(MANAGER_ROLES)
def save_plan(scope: str, code: str) -> Any:
    return jsonify(phone_hall().plans.save_plan(_actor(), scope, code, body()).as_dict())


@bp.delete("/api/v1/admin/appointment-plans/<scope>/<code>")
@require_staff(MANAGER_ROLES)
def delete_plan(scope: str, code: str) -> Any:
    phone_hall().plans.delete_plan(_actor(), scope, code)
    return jsonify(ok=True)


@bp.put("/api/v1/admin/appointment-plans/<scope>/<code>/days/<day>")
@require_staff(MANAGER_ROLES)
def set_day(scope: str, code: str, day: str) -> Any:
    data = body()
    phone_hall().plans.set_day(_actor(), day, scope, code, field(data, "capacity", int))
    return jsonify(ok=True)
