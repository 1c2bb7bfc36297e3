"""The prefecture console's pages: login, every hall side by side, reports, catalogue, 好差评 export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for

from ..accounts import User
from ..reports import FIGURES, FILTERS, GROUPINGS
from .api import context, current_user
from .app import VENDOR_DIR

bp = Blueprint("region_console", __name__)


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
                 target=context().config.target_minutes)


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
