"""The lobby screen, and the announcement WAVs it plays."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, send_file

from hall.web.context import hall

bp = Blueprint("lobby_display", __name__, template_folder="templates", static_folder="static",
               static_url_path="/lobby_display/static")


@bp.get("/lobby")
def lobby() -> Any:
    return render_template("lobby_display/lobby.html")


@bp.get("/speech/<key>.wav")
def speech(key: str) -> Any:
    """The announcement for *key*; waits briefly while the speech worker is still rendering it."""
    path = hall().devices.speech_file(key, timeout=10.0)
    if path is None:
        abort(404, description="no announcement with that key (speech disabled, failed or unknown)")
    return send_file(path, mimetype="audio/wav", max_age=3600)
