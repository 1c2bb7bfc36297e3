"""The clerk's counter panel."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from hall.accounts import COUNTER_ROLES
from hall.commands import PAUSE_REASON_LABELS, PAUSE_REASONS
from hall.domain.errors import N_, InvalidInput
from hall.storage import repo
from hall.web.auth import current_staff, page_requires_staff
from hall.web.context import hall
from hall.web.i18n import lang

bp = Blueprint("caller", __name__, template_folder="templates", static_folder="static",
               static_url_path="/caller/static")


@bp.get("/counter")
@page_requires_staff(COUNTER_ROLES)
def panel() -> Any:
    """The panel of one counter: ?counter=N, else the clerk's own counter from the staff record."""
    ctx = hall()
    member = current_staff()
    language = lang()
    with ctx.storage.read() as db:
        counters = [{"number": c.number, "name": c.name} for c in repo.counters(db)]
        categories = [{"code": c.code, "letter": c.letter, "name": c.name.get(language)} for c in repo.categories(db)]
        bundles = {b.code: b.name.get(language) for b in repo.bundles(db)}
    numbers = [c["number"] for c in counters]
    wanted = request.args.get("counter") or (member.counter if member else None) or (numbers[0] if numbers else None)
    try:
        number = int(wanted) if wanted is not None else None
    except ValueError:
        raise InvalidInput(N_("not a counter number: {wanted!r}"), wanted=wanted) from None
    if number not in numbers:
        raise InvalidInput(N_("there is no counter {number}"), number=number)
    return render_template("caller/panel.html", counter=number, counters=counters, categories=categories,
                           bundles=bundles, recall_limit=ctx.config.caller.recall_limit,
                           staff=member.display_name if member else "", pause_reasons=PAUSE_REASONS,
                           pause_labels=pause_labels())


def pause_labels() -> dict[str, str]:
    """The pause reasons a clerk chooses from (the translated list; free text only with "other")."""
    return {code: _(label) for code, label in PAUSE_REASON_LABELS.items()}
