"""The lobby screen, the counter screens, the citizen-facing screens and the announcement WAVs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, send_file

from hall.config import LOBBY_LAYOUTS
from hall.domain.errors import N_, UnknownCounter
from hall.storage import repo
from hall.web.context import hall

bp = Blueprint("lobby_display", __name__, template_folder="templates", static_folder="static",
               static_url_path="/lobby_display/static")


@bp.get("/lobby")
def lobby() -> Any:
    """The hall's lobby screen; ?layout=portrait|landscape overrides [lobby] layout."""
    config = hall().config
    layout = request.args.get("layout")
    if layout not in LOBBY_LAYOUTS:
        layout = config.lobby.layout
    return render_template("lobby_display/lobby.html", layout=layout, timezone=config.hall.timezone,
                           recent_calls=config.lobby.recent_calls)


def _counter_or_404(number: int) -> Any:
    with hall().storage.read() as db:
        counter = repo.counter(db, number)
    if counter is None:
        raise UnknownCounter(N_("there is no counter {number}"), number=number)
    return counter


@bp.get("/screen/counter/<int:number>")
def counter_screen(number: int) -> Any:
    """The LED/LCD screen above counter *number*: public, one URL per counter."""
    counter = _counter_or_404(number)
    return render_template("lobby_display/counter_screen.html", counter=counter)


@bp.get("/screen/citizen/<int:number>")
def citizen_screen(number: int) -> Any:
    """The second screen facing the citizen at counter *number* (双屏, transparent service)."""
    counter = _counter_or_404(number)
    return render_template("lobby_display/citizen_screen.html", counter=counter,
                           rating_window=hall().service.hall.rating_window_seconds)


@bp.get("/speech/<key>.wav")
def speech(key: str) -> Any:
    """The announcement for *key* (?number=A001&counter=3): rendered here if no process has rendered it yet."""
    counter = request.args.get("counter", "")
    number = request.args.get("number")
    path = hall().voice.file_for(key, number, int(counter) if counter.isdigit() else None, timeout=10.0)
    if path is None:
        abort(404, description="no announcement with that key (speech disabled, failed or unknown)")
    return send_file(path, mimetype="audio/wav", max_age=3600)
