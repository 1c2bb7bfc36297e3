"""The on-screen evaluator (评价器) at each counter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from hall.ratings import LEVELS, REASONS

bp = Blueprint("evaluator", __name__, template_folder="templates", static_folder="static",
               static_url_path="/evaluator/static")

REASON_LABELS = {
    "attitude": _l("Attitude"),
    "waiting_too_long": _l("Waited too long"),
    "process_unclear": _l("Process unclear"),
    "extra_materials": _l("Asked for extra materials"),
    "not_handled": _l("Not handled"),
    "other": _l("Other"),
}
assert set(REASON_LABELS) == set(REASONS)


@bp.get("/evaluator")
def pad() -> Any:
    """The page reads its device token from ?token= once, then keeps it in the browser's storage."""
    return render_template("evaluator/pad.html", levels=LEVELS,
                           reasons=[(code, REASON_LABELS[code]) for code in REASONS])
