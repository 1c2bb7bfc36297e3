"""Follow-up of bad ratings (回访整改), satisfaction figures and the clerk's "request rating": pages and JSON API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request

from hall.accounts import COUNTER_ROLES, MANAGER_ROLES
from hall.domain import events as ev
from hall.domain.errors import N_, InvalidInput, NotAuthenticated, NotAuthorised
from hall.personal_data import record_unmasked_view
from hall.privacy import mask_text
from hall.ratings import (
    GROUPS,
    FollowupAction,
    Followups,
    monthly_counter_ranking,
    satisfaction_report,
)
from hall.storage import ratings as rating_store
from hall.web.auth import current_device, current_staff, page_requires_staff, require_staff
from hall.web.context import HallContext, hall, off_the_loop
from hall.web.jsonio import body, date_param, refuse_unknown
from hall.web.live import CONSOLE

from .views import REASON_LABELS

logger = logging.getLogger(__name__)

bp = Blueprint("followups", __name__, template_folder="templates")

EXTENSION = "onewindow.followups"
FOLLOWUP_ROLES = COUNTER_ROLES | MANAGER_ROLES


# ---- wiring ------------------------------------------------------------------------------

def install_followups(app: Flask, ctx: HallContext) -> Followups:
    """The follow-up book; every process tells its managers' consoles of follow-up steps, from the event log."""
    book = Followups(ctx.storage, ctx.service.clock)
    app.extensions[EXTENSION] = book

    def listen(ctx: HallContext) -> Callable[[], None]:
        live = ctx.live
        assert live is not None

        def on_event(event: ev.HallEvent) -> None:
            if not isinstance(event, ev.TicketNoted) or not event.kind.startswith("followup_"):
                return
            followup_id = event.data.get("followup")
            if not isinstance(followup_id, int):
                return
            with ctx.storage.read() as db:
                row = rating_store.followup(db, followup_id)
            if row is not None:
                kind = {"followup_opened": "opened", "followup_overdue": "overdue"}.get(event.kind, "changed")
                live.push(f"followup_{kind}", {"followup": book.decorate(row)}, CONSOLE, "hall")

        return ctx.bus.subscribe(on_event)

    app.extensions.setdefault("onewindow_listeners", []).append(listen)
    return book


def followup_book() -> Followups:
    return current_app.extensions[EXTENSION]


def _is_manager() -> bool:
    member = current_staff()
    return member is not None and member.has_any(MANAGER_ROLES)


# ---- pages -----------------------------------------------------------------------------------

@bp.get("/console/followups")
@page_requires_staff(FOLLOWUP_ROLES)
def followups_page() -> Any:
    """Open and overdue follow-ups (managers see all, a clerk their own, to appeal)."""
    member = current_staff()
    return render_template("evaluator/followups.html", is_manager=_is_manager(), me=member.username if member else "",
                           hall_timezone=hall().config.hall.timezone,
                           reason_labels={code: str(label) for code, label in REASON_LABELS.items()})


@bp.get("/console/satisfaction")
@page_requires_staff(MANAGER_ROLES)
def satisfaction_page() -> Any:
    """Satisfaction figures by day, counter, clerk, item or category, and the monthly ranking."""
    return render_template("evaluator/satisfaction.html", groups=GROUPS)


# ---- follow-up API ---------------------------------------------------------------------------

#: Free-text fields of a follow-up that may hold the citizen's phone or ID number.
PERSONAL_FIELDS = ("callback_contact", "callback_said", "rectification", "appeal_reason")


def for_viewer(followup: dict[str, Any]) -> dict[str, Any]:
    """Managers call the citizen back and see the contact and the phone number left; a clerk sees them masked."""
    if _is_manager():
        return followup
    return {**followup, **{name: mask_text(followup.get(name)) for name in PERSONAL_FIELDS if name in followup},
            "contact_phone": followup.get("contact_phone_masked")}


@bp.get("/api/v1/followups")
@require_staff(FOLLOWUP_ROLES)
def list_followups() -> Any:
    member = current_staff()
    assert member is not None
    staff = None if _is_manager() else member.username
    rows = followup_book().list(request.args.get("state", "open"), staff=staff)
    _note_unmasked(rows)
    return jsonify(followups=[for_viewer(f) for f in rows])


@bp.get("/api/v1/followups/<int:followup_id>")
@require_staff(FOLLOWUP_ROLES)
def get_followup(followup_id: int) -> Any:
    followup = followup_book().get(followup_id)
    member = current_staff()
    if not _is_manager() and member is not None and followup["staff"] != member.username:
        raise NotAuthorised(N_("a clerk sees only the follow-ups of their own ratings"))
    _note_unmasked([followup])
    return jsonify(for_viewer(followup))


def _note_unmasked(rows: list[dict[str, Any]]) -> None:
    """A manager is shown contacts and notes unmasked: the audit log records who saw which (GB/T 35273)."""
    member = current_staff()
    shown = [r for r in rows if any(r.get(name) for name in PERSONAL_FIELDS)]
    if member is not None and _is_manager() and shown:
        ctx = hall()
        record_unmasked_view(ctx.storage, ctx.service.clock, member.username, "followup", [r["id"] for r in shown],
                             [n for r in shown for n in PERSONAL_FIELDS if r.get(n)])


_ACTIONS = {"callback": FollowupAction.CALLBACK, "rectification": FollowupAction.RECTIFY,
            "close": FollowupAction.CLOSE, "appeal": FollowupAction.APPEAL}


@bp.post("/api/v1/followups/<int:followup_id>/<step>")
@require_staff(FOLLOWUP_ROLES)
def followup_step(followup_id: int, step: str) -> Any:
    """callback {date, contact, said}, rectification {rectification}, close {rectification?, note?},
    appeal {reason} (the rated clerk), decision {uphold, note?} (manager)."""
    data = body()
    member = current_staff()
    assert member is not None
    if step == "decision":
        uphold = data.get("uphold")
        if not isinstance(uphold, bool):
            raise InvalidInput(N_("'uphold' must be true (the rating does not count) or false (follow up as usual)"))
        action = FollowupAction.UPHOLD if uphold else FollowupAction.REJECT
    elif step in _ACTIONS:
        action = _ACTIONS[step]
    else:
        raise InvalidInput(N_("unknown step {step!r}; one of {choices}"),
                           step=step, choices=', '.join([*_ACTIONS, 'decision']))
    return jsonify(followup_book().act(followup_id, action, member.username, data, is_manager=_is_manager()))


@bp.post("/api/v1/ratings/<int:ticket>/phone")
def leave_phone(ticket: int) -> Any:
    """{"phone": …}: the citizen's number for the call-back of a bad rating, from the evaluator that took it."""
    device = current_device()
    if device is None:
        if current_staff() is not None:
            raise NotAuthorised(N_("the phone number comes from the counter's evaluator, never from a staff session"))
        raise NotAuthenticated(N_("an evaluator device token is required (Authorization: Bearer …)"))
    if device.kind != "evaluator":
        raise NotAuthorised(N_("only evaluator devices may add a phone number to a rating"))
    data = body()
    refuse_unknown(data, {"phone"})
    return jsonify(followup_book().leave_phone(ticket, data.get("phone"), device_counter=device.counter)), 201


# ---- figures -----------------------------------------------------------------------------------

@bp.get("/api/v1/reports/satisfaction")
@require_staff(MANAGER_ROLES)
def satisfaction() -> Any:
    ctx = hall()
    today = date_param(ctx.service.today())
    last = date_param(request.args["to"]) if request.args.get("to") else today
    first = date_param(request.args["from"]) if request.args.get("from") else last
    if (last - first) > timedelta(days=400):
        raise InvalidInput(N_("ask for at most 400 days at once"))
    return jsonify(off_the_loop(satisfaction_report, first.isoformat(), last.isoformat(),
                                       request.args.get("group_by") or None, ctx.service.clock.now()))


@bp.get("/api/v1/reports/satisfaction/ranking")
@require_staff(MANAGER_ROLES)
def satisfaction_ranking() -> Any:
    ctx = hall()
    month = request.args.get("month") or ctx.service.today()[:7]
    return jsonify(off_the_loop(monthly_counter_ranking, month))
