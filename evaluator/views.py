"""The on-screen evaluator (评价器) at each counter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("evaluator", __name__, template_folder="templates", static_folder="static",
               static_url_path="/evaluator/static")

LEVELS = (5, 4, 3, 2, 1)


@bp.get("/evaluator")
def pad() -> Any:
    """The page reads its device token from ?token= once, then keeps it in the browser's storage."""
    return render_template("evaluator/pad.html", levels=LEVELS)
