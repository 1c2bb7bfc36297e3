"""The prefecture's JSON API: halls ship batches and fetch the catalogue; the console reads and acts."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _

from hall.report_export import XLSX_MIME, report_csv, report_xlsx

from ..accounts import ROLES, User
from ..batch import parse_batch
from ..errors import BadBatch, InvalidInput, Unauthorised
from ..ratings_export import as_csv, as_jsonl, make_sender, ratings_of_days, send_pending
from ..reports import FIGURES, FILTERS, parse_range
from .context import RegionContext

logger = logging.getLogger(__name__)

bp = Blueprint("region_api", __name__, url_prefix="/api/v1")
SESSION_COOKIE = "region_session"


def context() -> RegionContext:
    return current_app.extensions["onewindow_region"]


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def hall_of_request() -> dict[str, Any]:
    """The hall whose token came with the request; 401 otherwise."""
    token = _bearer()
    hall = context().halls.by_token(token) if token else None
    if hall is None:
        raise Unauthorised("unknown or missing hall token")
    return hall


def current_user() -> User | None:
    if "region_user" not in g:
        g.region_user = context().accounts.user_of(request.cookies.get(SESSION_COOKIE) or _bearer())
    return g.region_user


def needs(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view needs a logged-in user with one of *roles* (any role if none given)."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                raise Unauthorised(_("Please log in."))
            user.require(*(roles or ROLES))
            return view(*args, **kwargs)
        return wrapper
    return decorate


def _json_body() -> Any:
    if not request.is_json:
        raise InvalidInput("send the body as application/json")
    try:
        return json.loads(request.get_data(cache=False))
    except ValueError as exc:
        raise BadBatch(f"the body is not valid JSON: {exc}") from None


# ---- halls ------------------------------------------------------------------------------

@bp.post("/ingest")
def ingest() -> Any:
    """One batch of a hall's event log; answered with the id the prefecture now holds up to."""
    hall = hall_of_request()
    batch = parse_batch(_json_body())
    result = context().ingest.ingest(hall, batch)
    return jsonify(result.as_json())


@bp.get("/catalogue/latest")
def catalogue_latest() -> Any:
    hall_of_request()
    return jsonify({"version": context().catalogue.latest()})


@bp.get("/catalogue/<int:version>")
def catalogue_version(version: int) -> Any:
    if current_user() is None:
        hall_of_request()
    return jsonify(context().catalogue.version(version))


# ---- console --------------------------------------------------------------------------------

@bp.post("/login")
def login() -> Any:
    body = request.get_json(silent=True) or {}
    try:
        user, token = context().accounts.login(str(body.get("username", "")), str(body.get("password", "")))
    except Unauthorised:
        raise Unauthorised(_("Wrong username or password.")) from None
    response = jsonify({"username": user.username, "roles": sorted(user.roles), "token": token})
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=request.is_secure,
                        max_age=12 * 3600)
    return response


@bp.post("/logout")
def logout() -> Any:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        context().accounts.logout(token)
    response = jsonify({"ok": True})
    response.delete_cookie(SESSION_COOKIE)
    return response


@bp.get("/halls")
@needs()
def halls() -> Any:
    return jsonify({"halls": context().halls.overview()})


@bp.post("/halls")
@needs("admin")
def register_hall() -> Any:
    body = _json_body()
    if not isinstance(body, dict):
        raise InvalidInput(_("Send the hall as a JSON object."))
    hall, token = context().halls.register(
        str(body.get("code", "")), str(body.get("name", "")), agency_code=str(body.get("agency_code", "")),
        agency_name=str(body.get("agency_name", "")), region_code=str(body.get("region_code", "")),
        department_code=str(body.get("department_code", "")), name_en=str(body.get("name_en", "")),
        actor=current_user().username)  # type: ignore[union-attr]
    return jsonify({"code": hall["code"], "token": token}), 201


def _report_args() -> dict[str, Any]:
    day_from, day_to = parse_range(request.args.get("from"), request.args.get("to"), context().config.today())
    target = request.args.get("target")
    try:
        target_minutes = float(target) if target else None
    except ValueError:
        raise InvalidInput(_("The waiting target must be a number of minutes.")) from None
    return {"day_from": day_from, "day_to": day_to, "group_by": request.args.get("group_by", "hall"),
            "filters": {name: request.args.get(name, "") for name in FILTERS}, "target_minutes": target_minutes}


@bp.get("/reports")
@needs()
def reports() -> Any:
    from .console import TITLES

    args = _report_args()
    lang = request.args.get("lang") or request.cookies.get("region_lang") or "zh"
    data = context().reports.report(args["day_from"], args["day_to"], args["group_by"], filters=args["filters"],
                                    target_minutes=args["target_minutes"], lang=lang)
    fmt = request.args.get("format", "json")
    name = f"prefecture-{data['group_by']}-{data['from']}-{data['to']}"
    def title(name: str) -> str:
        return str(TITLES.get(name, name))

    if fmt == "csv":
        return Response(report_csv(data, title, FIGURES), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    if fmt == "xlsx":
        return Response(report_xlsx(data, title, _("Prefecture report"), FIGURES), mimetype=XLSX_MIME,
                        headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})
    if fmt != "json":
        raise InvalidInput(_("format must be json, csv or xlsx"))
    return jsonify(data)


@bp.post("/catalogue")
@needs("admin")
def publish_catalogue() -> Any:
    body = _json_body()
    if not isinstance(body, dict) or not isinstance(body.get("document"), dict):
        raise InvalidInput(_("Send {\"document\": {…catalogue…}, \"note\": \"…\"}."))
    version = context().catalogue.publish(body["document"], current_user().username,  # type: ignore[union-attr]
                                          str(body.get("note", "")))
    return jsonify({"version": version}), 201


@bp.get("/ratings/export")
@needs()
def export_ratings() -> Any:
    day_from, day_to = parse_range(request.args.get("from"), request.args.get("to"), context().config.today())
    found = ratings_of_days(context().db, day_from, day_to, hall=request.args.get("hall") or None)
    fmt = request.args.get("format", "jsonl")
    name = f"haocaiping-{day_from}-{day_to}"
    if fmt == "jsonl":
        return Response(as_jsonl(found["records"]), mimetype="application/x-ndjson",
                        headers={"Content-Disposition": f"attachment; filename={name}.jsonl"})
    if fmt == "csv":
        return Response(as_csv(found["records"]), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    if fmt == "json":
        return jsonify(found)
    raise InvalidInput(_("format must be jsonl, csv or json"))


@bp.post("/ratings/send")
@needs("admin", "manager")
def send_ratings() -> Any:
    body = request.get_json(silent=True) or {}
    url = str(body.get("url") or "")
    if not url:
        raise InvalidInput(_("Give the URL of the provincial endpoint."))
    result = send_pending(context().db, make_sender(url, str(body.get("token") or "")),
                          actor=current_user().username)  # type: ignore[union-attr]
    return jsonify(result), 200 if "error" not in result else 502


@bp.get("/healthz")
def healthz() -> Any:
    with context().db.transaction() as conn:
        conn.execute("SELECT 1")
    return jsonify({"ok": True})
