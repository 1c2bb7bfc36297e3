"""Language choice: Chinese by default, English on switch (?lang=en), remembered in the session."""

from __future__ import annotations

from flask import current_app, request, session

LANGUAGES = ("zh", "en")


def select_locale() -> str:
    """The locale for this request."""
    wanted = request.args.get("lang") if request else None
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    stored = session.get("lang")
    if stored in LANGUAGES:
        return stored
    return current_app.extensions["onewindow"].config.hall.language


def lang() -> str:
    """The short language code ("zh" or "en") used to pick catalogue texts."""
    return select_locale()
