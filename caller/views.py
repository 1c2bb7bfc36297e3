"""The clerk's counter panel."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from hall.accounts import COUNTER_ROLES
from hall.domain.errors import InvalidInput
from hall.storage import repo
from hall.web.auth import current_staff, page_requires_staff
from hall.web.context import hall

bp = Blueprint("caller", __name__, template_folder="templates", static_folder="static",
               static_url_path="/caller/static")


@bp.get("/counter")
@page_requires_staff(COUNTER_ROLES)
def panel() -> Any:
    member = current_staff()
    with hall().storage.read() as db:
        counters = [c.number for c in repo.counters(db)]
    wanted = request.args.get("counter") or (member.counter if member else None) or (counters[0] if counters else None)
    try:
        number = int(wanted) if wanted is not None else None
    except ValueError:
        raise InvalidInput(f"not a counter number: {wanted!r}") from None
    if number not in counters:
        raise InvalidInput(f"there is no counter {number}")
    return render_template("caller/panel.html", counter=number, counters=counters,
                           staff=member.display_name if member else "")
