"""The prefecture app factory: one Flask app per process, nothing but the database shared between them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import Babel
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..config import RegionConfig
from ..errors import RegionError
from .context import RegionContext

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent.parent
#: The hall's vendored Chart.js is served from here too: one copy in the repository.
VENDOR_DIR = ROOT_DIR / "hall" / "web" / "static" / "vendor"
LANGUAGES = ("zh", "en")
LANG_COOKIE = "region_lang"


def select_locale() -> str:
    """?lang=en or zh switches (and a cookie remembers it); Chinese by default."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        return wanted
    stored = request.cookies.get(LANG_COOKIE)
    return stored if stored in LANGUAGES else "zh"


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def create_app(config: RegionConfig, context: RegionContext | None = None) -> Flask:
    """Build the prefecture app over *config*'s database; starts no thread and opens no port."""
    config.validate()
    app = Flask(__name__, template_folder=str(PACKAGE_DIR / "templates"), static_folder=str(PACKAGE_DIR / "static"),
                static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=config.max_body_bytes, TESTING=config.testing,
                      BABEL_TRANSLATION_DIRECTORIES=str(ROOT_DIR / "region" / "translations"),
                      BABEL_DEFAULT_LOCALE="zh", JSON_AS_ASCII=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    Babel(app, locale_selector=select_locale)
    ctx = context or RegionContext.open(config)
    app.extensions["onewindow_region"] = ctx

    from . import api, console

    app.register_blueprint(api.bp)
    app.register_blueprint(console.bp)

    @app.after_request
    def remember_language(response: Any) -> Any:
        wanted = request.args.get("lang")
        if wanted in LANGUAGES:
            response.set_cookie(LANG_COOKIE, wanted, max_age=365 * 86400, samesite="Lax")
        return response

    @app.errorhandler(RegionError)
    def region_error(exc: RegionError) -> Any:
        message = _(exc.message)  # fixed messages are in the catalogue; the others stay as they are
        if _wants_json():
            return jsonify({"error": exc.code, "message": message, **exc.details}), exc.status
        return render_template("region_error.html", status=exc.status, message=message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if _wants_json():
            return jsonify({"error": exc.name.lower().replace(" ", "_"), "message": exc.description}), exc.code
        return render_template("region_error.html", status=exc.code, message=exc.description), exc.code

    return app
