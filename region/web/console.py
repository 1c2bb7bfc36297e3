"""The prefecture console's pages: login, every hall side by side, reports, catalogue, 好差评 export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for
from flask_babel import lazy_gettext as _l

from ..accounts import User
from ..reports import FIGURES, FILTERS, GROUPINGS
from .api import context, current_user
from .app import VENDOR_DIR

bp = Blueprint("region_console", __name__)

#: Column and grouping titles of the reports page.
TITLES = {
    "hall": _l("Hall"), "agency": _l("Agency"), "region": _l("Region code"), "item": _l("Service item"),
    "category": _l("Category"), "day": _l("Day"), "week": _l("Week"), "month": _l("Month"),
    "issued": _l("Tickets"), "called": _l("Called"), "accepted": _l("Accepted (受理)"),
    "completed": _l("Completed (办结)"), "no_shows": _l("No-shows"), "cancelled": _l("Cancelled"),
    "waiting_minutes_mean": _l("Mean wait (min)"), "waiting_minutes_p90": _l("90% called within (min)"),
    "service_level": _l("Service level"), "service_minutes_mean": _l("Mean handling (min)"),
    "service_minutes_p90": _l("90% handled within (min)"), "rated": _l("Ratings"),
    "satisfaction_rate": _l("Satisfaction rate"), "rating_rate": _l("Rating rate"), "bad_ratings": _l("Bad ratings"),
    "followups_open": _l("Follow-ups open"), "followups_overdue": _l("Follow-ups overdue"), "label": _l("Name"),
}


def _page(template: str, user: User, **values: Any) -> Any:
    return render_template(template, user=user, lang=request.args.get("lang") or request.cookies.get(
        "region_lang") or "zh", **values)


def _user_or_login() -> User | None:
    return current_user()


@bp.get("/")
def halls_page() -> Any:
    user = _user_or_login()
    if user is None:
        return redirect(url_for("region_console.login_page"))
    return _page("region_halls.html", user, halls=context().halls.overview(),
                 stale_seconds=context().config.stale_seconds)


@bp.get("/login")
def login_page() -> Any:
    return render_template("region_login.html", user=None)


@bp.get("/reports")
def reports_page() -> Any:
    user = _user_or_login()
    if user is None:
        return redirect(url_for("region_console.login_page"))
    return _page("region_reports.html", user, groupings=GROUPINGS, filters=FILTERS, figures=FIGURES,
                 titles=TITLES, target=context().config.target_minutes)


@bp.get("/catalogue")
def catalogue_page() -> Any:
    user = _user_or_login()
    if user is None:
        return redirect(url_for("region_console.login_page"))
    return _page("region_catalogue.html", user, versions=context().catalogue.versions())


@bp.get("/ratings")
def ratings_page() -> Any:
    user = _user_or_login()
    if user is None:
        return redirect(url_for("region_console.login_page"))
    return _page("region_ratings.html", user)


@bp.get("/vendor/<path:name>")
def vendor(name: str) -> Any:
    """Chart.js, served from the hall's vendored copy (no internet needed)."""
    return send_from_directory(VENDOR_DIR, name, max_age=86400)
