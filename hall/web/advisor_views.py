"""The staffing advisor's and the clerks' assessment pages, and their JSON API (under /api/v1).

Managers see the workload learned from the record, the advised counters per quarter-hour, one-window
against dedicated windows and the recorded estimate errors; every clerk sees their own assessment,
managers everybody's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _

from ..accounts import MANAGER_ROLES
from ..advisor.advisor import Target, compare_policies, recommend
from ..advisor.assessment import assess
from ..advisor.errors import BadPlan, NoHistory
from ..advisor.timeline import WEEKDAYS
from ..advisor.workload import Workload, describe, fit_workload
from ..domain.errors import InvalidInput, NotAuthorised
from ..storage import advisor as advisor_store
from ..storage import assessment as assessment_store
from .auth import current_staff, page_requires_staff, require_staff
from .context import hall
from .i18n import lang

bp = Blueprint("advisor", __name__)

ASSESSMENT_ROLES = frozenset({"clerk", "manager", "admin"})
#: The longest record the advisor learns from in one request, and the longest assessment period.
MAX_RECORD_DAYS = 92
MAX_PERIOD_DAYS = 400
#: Simulated days behind a plan asked for on the console (the command line takes more).
PLAN_DAYS = 20
COMPARE_DAYS = 10


# ---- pages -------------------------------------------------------------------------------------

@bp.get("/console/advisor")
@page_requires_staff(MANAGER_ROLES)
def advisor_page() -> Any:
    ctx = hall()
    return render_template("advisor/advisor.html", today=ctx.service.today(),
                           target=ctx.service.hall.wait_target_minutes,
                           weekdays=list(zip(WEEKDAYS, _weekday_names(), strict=True)), texts=_advisor_texts())


@bp.get("/console/assessment")
@page_requires_staff(ASSESSMENT_ROLES)
def assessment_page() -> Any:
    member = current_staff()
    assert member is not None
    return render_template("advisor/assessment.html", today=hall().service.today(),
                           sees_all=member.has_any(MANAGER_ROLES), clerk=member.username)


def _advisor_texts() -> dict[str, Any]:
    """The page script's texts; {name} marks where it puts a figure."""
    return {
        "weekdays": dict(zip(WEEKDAYS, _weekday_names(), strict=True)),
        "tickets": _("Tickets per quarter-hour"), "counters": _("Counters"), "erlang": _("Erlang C"),
        "advised": _("Advised"), "load": _("Offered load"), "mean_error": _("Mean error (min)"),
        "p90_error": _("90% within (min)"), "coverage": _("Inside the shown range (%)"),
        "working": _("Simulating days through the hall's routing…"), "none": _("No day recorded yet."),
        "workload_summary": _(
            "%(tickets)s tickets from %(first)s to %(last)s. Handling %(handling)s min on average, walk to the counter "
            "%(walk)s s, no-shows %(no_show)s, recalls %(recall)s, priority lane %(priority)s, appointments "
            "%(appointments)s; month-start surge ×%(surge)s.", tickets="{tickets}", first="{first}", last="{last}",
            handling="{handling}", walk="{walk}", no_show="{no_show}", recall="{recall}", priority="{priority}",
            appointments="{appointments}", surge="{surge}"),
        "surge_unmeasured": _("(not measured: the record holds no start of a month)"),
        "plan_summary": _(
            "%(hours)s counter-hours (Erlang C alone: %(erlang)s; safety margin β = %(beta)s). On %(days)s fresh "
            "simulated days %(met)s met the target; mean wait %(mean)s min, p90 %(p90)s min, service level %(level)s.",
            hours="{hours}", erlang="{erlang}", beta="{beta}", days="{days}", met="{met}", mean="{mean}",
            p90="{p90}", level="{level}"),
        "results": {"dedicated": _("Dedicated windows (one queue per category)"),
                    "one_window": _("One-window counters"),
                    "one_window_same_staff": _("One-window, as many counters as windows")},
        "wins": _("The one-window counters beat the dedicated windows on mean and p90 wait."),
        "loses": _("The one-window counters do not beat the dedicated windows on this workload."),
        "handling_to_match": _("They would if one-window handling took %(share)s of its present time.",
                               share="{share}"),
        "volume_to_match": _("They would on a day with %(share)s of the tickets.", share="{share}"),
        "no_volume": _("No lighter day (fewer tickets, the same handling) makes them win."),
        "reform_volume_to_match": _(
            "With handling at %(handling)s of today's (as the reference reform reports), they would on a day with "
            "%(share)s of the tickets.", handling="{handling}", share="{share}"),
        "counters_to_match": _("%(n)s one-window counters beat the dedicated windows.", n="{n}"),
    }


def _weekday_names() -> list[str]:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


# ---- request parameters ----------------------------------------------------------------------------

def _range(longest: int) -> tuple[str, str]:
    """The from/to service days of the request (default: the four weeks up to yesterday)."""
    today = date.fromisoformat(hall().service.today())
    try:
        last = date.fromisoformat(request.args["to"]) if request.args.get("to") else today - timedelta(days=1)
        first = date.fromisoformat(request.args["from"]) if request.args.get("from") else last - timedelta(days=27)
    except ValueError:
        raise InvalidInput(_("'from' and 'to' must be dates written YYYY-MM-DD")) from None
    if first > last:
        raise InvalidInput(_("'from' must not be after 'to'"))
    if (last - first).days >= longest:
        raise InvalidInput(_("at most %(days)s days at a time", days=longest))
    return first.isoformat(), last.isoformat()


def _number(name: str, default: float, low: float, high: float) -> float:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(_("'%(name)s' must be a number", name=name)) from None
    if not low <= value <= high:
        raise InvalidInput(_("'%(name)s' must lie between %(low)s and %(high)s", name=name, low=low, high=high))
    return value


def _weekday() -> int:
    raw = (request.args.get("weekday") or "wed").lower()
    if raw in WEEKDAYS:
        return WEEKDAYS.index(raw)
    if raw.isdigit() and int(raw) < 7:
        return int(raw)
    raise InvalidInput(_("'weekday' must be one of %(days)s", days=", ".join(WEEKDAYS)))


def _target() -> Target:
    try:
        return Target(minutes=_number("target_minutes", float(hall().service.hall.wait_target_minutes), 1, 240),
                      share=_number("target_share", 0.8, 0.05, 0.99), days_share=_number("days_share", 0.95, 0.5, 1.0))
    except BadPlan as exc:
        raise InvalidInput(exc.message) from None


def _workload(first: str, last: str) -> tuple[Workload, int]:
    ctx = hall()
    with ctx.storage.read() as db:
        record = advisor_store.visits(db, first, last, ctx.config.hall.tz)
        minutes = advisor_store.catalogue_minutes(db)
    if not record:
        raise NoHistory(_("No tickets between %(first)s and %(last)s: the workload cannot be learned.",
                          first=first, last=last))
    return fit_workload(record, minutes), len(record)


def _advisor_errors(view: Any) -> Any:
    """An advisor error raised deep in the model carries an English message: say it in the user's language."""
    from functools import wraps

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except BadPlan as exc:
            raise InvalidInput(_("The plan cannot be simulated: %(reason)s", reason=exc.message)) from None

    return wrapper


# ---- the advisor's API --------------------------------------------------------------------------------

@bp.get("/api/v1/advisor/workload")
@require_staff(MANAGER_ROLES)
def workload_api() -> Any:
    first, last = _range(MAX_RECORD_DAYS)
    workload, tickets = _workload(first, last)
    return jsonify({"from": first, "to": last, "tickets": tickets, "workload": describe(workload)})


@bp.get("/api/v1/advisor/plan")
@require_staff(MANAGER_ROLES)
@_advisor_errors
def plan_api() -> Any:
    first, last = _range(MAX_RECORD_DAYS)
    target, weekday = _target(), _weekday()
    month_start = request.args.get("month_start") in ("1", "true", "yes")
    most = int(_number("max_counters", 60, 1, 200))
    workload, tickets = _workload(first, last)
    plan = recommend(workload, weekday, target, days=PLAN_DAYS, confirm_days=2 * PLAN_DAYS, month_start=month_start,
                     most=most)
    return jsonify({"from": first, "to": last, "tickets": tickets, **plan.as_dict()})


@bp.get("/api/v1/advisor/compare")
@require_staff(MANAGER_ROLES)
@_advisor_errors
def compare_api() -> Any:
    first, last = _range(MAX_RECORD_DAYS)
    target, weekday = _target(), _weekday()
    one_window = int(_number("one_window", 5, 1, 60))
    dedicated = int(_number("dedicated", 10, 1, 60))
    workload, tickets = _workload(first, last)
    categories = {s.category for s in workload.services.values()}
    if dedicated < len(categories):
        raise InvalidInput(_("%(windows)s dedicated windows cannot cover the %(categories)s categories of the record",
                             windows=dedicated, categories=len(categories)))
    result = compare_policies(workload, weekday, one_window=one_window, dedicated=dedicated, days=COMPARE_DAYS,
                              target=target)
    return jsonify({"from": first, "to": last, "tickets": tickets, **result.as_dict()})


@bp.get("/api/v1/advisor/estimate-errors")
@require_staff(MANAGER_ROLES)
def estimate_errors_api() -> Any:
    first, last = _range(MAX_PERIOD_DAYS)
    with hall().storage.read() as db:
        days = advisor_store.estimate_errors(db, first, last)
    return jsonify({"from": first, "to": last, "days": days})


# ---- the clerks' assessment ------------------------------------------------------------------------------

@bp.get("/api/v1/assessment")
@require_staff(ASSESSMENT_ROLES)
def assessment_api() -> Any:
    """Each clerk's figures over the period; a clerk gets only their own."""
    member = current_staff()
    assert member is not None
    first, last = _range(MAX_PERIOD_DAYS)
    wanted = request.args.get("clerk") or None
    if not member.has_any(MANAGER_ROLES):
        if wanted not in (None, member.username):
            raise NotAuthorised(_("A clerk sees only their own assessment."))
        wanted = member.username
    ctx = hall()
    with ctx.storage.read() as db:
        staff = assessment_store.clerks(db, wanted)
        cases = assessment_store.handled_cases(db, first, last, wanted)
        authorised = assessment_store.authorised_counts(db)
        active = assessment_store.active_items(db)
        names = assessment_store.service_names(db, lang())
    return jsonify({"from": first, "to": last, "clerks": assess(cases, staff, authorised, active,
                                                               ctx.service.clock.now(), names)})


def openapi_paths() -> dict[str, Any]:
    """The blueprint's API, for hall.web.openapi (the limits are those the views keep)."""
    from .openapi import DATE, _op, query, text

    def number(low: float, high: float, kind: str = "number") -> dict[str, Any]:
        return {"type": kind, "minimum": low, "maximum": high}

    period = [query("from", DATE), query("to", DATE)]
    planning = [*period, query("weekday", {"type": "string", "enum": list(WEEKDAYS)}),
                query("target_minutes", number(1, 240)), query("target_share", number(0.05, 0.99)),
                query("days_share", number(0.5, 1.0))]
    return {
        "/advisor/workload": {"get": _op(
            "The workload learned from the record of the range: arrivals per weekday and quarter-hour, month-start "
            "surge, handling per service, walk, no-show, recall, priority and appointment shares (manager); 400 "
            "when the range is the wrong way round, too long or holds no tickets", auth="staff", params=period)},
        "/advisor/plan": {"get": _op(
            "The fewest counters per quarter-hour meeting the target, from Erlang C confirmed by simulation "
            "(manager); 400 when the range is the wrong way round, too long or holds no tickets", auth="staff",
            params=[*planning, query("month_start", {"type": "string", "enum": ["0", "1", "true", "false"]}),
                    query("max_counters", number(1, 200, "integer"))])},
        "/advisor/compare": {"get": _op(
            "One-window counters against dedicated windows on the same simulated citizens (manager); 400 when "
            "the range is wrong or the dedicated windows cannot cover the record's categories", auth="staff",
            params=[*planning, query("one_window", number(1, 60, "integer")),
                    query("dedicated", number(1, 60, "integer"))])},
        "/advisor/estimate-errors": {"get": _op(
            "Each finished day's wait-estimate error (manager); 400 when the range is the wrong way round or too long",
            auth="staff", params=period)},
        "/assessment": {"get": _op(
            "The clerks' assessment (日常考核) over a period: cases, handling per item, authorised share, ratings and "
            "follow-ups (a clerk gets only their own); 400 when the range is the wrong way round or too long",
            auth="staff", params=[*period, query("clerk", text(64))])},
    }
