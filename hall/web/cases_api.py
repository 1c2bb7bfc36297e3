"""Back-office cases (后台分类审批): the list, and review, approval and delivery, as pages and JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request

from ..accounts import StaffMember
from ..cases import BackOffice, CaseStep
from ..domain.errors import N_, InvalidInput
from .auth import current_staff, page_requires_staff, require_staff
from .context import hall
from .jsonio import body, field, refuse_unknown

bp = Blueprint("cases", __name__)

#: Back office reviews and approves, clerks deliver at any counter, managers watch.
CASE_ROLES = frozenset({"backoffice", "clerk", "manager", "admin"})
STEP_NAMES = {"review": CaseStep.REVIEW, "approve": CaseStep.APPROVE, "deliver": CaseStep.DELIVER}


def backoffice() -> BackOffice:
    office = hall().backoffice
    assert office is not None
    return office


def _member() -> StaffMember:
    member = current_staff()
    assert member is not None  # require_staff ran first
    return member


@bp.get("/console/cases")
@page_requires_staff(CASE_ROLES)
def page() -> Any:
    return render_template("console_cases.html")


@bp.get("/api/v1/cases")
@require_staff(CASE_ROLES)
def list_cases() -> Any:
    return jsonify(cases=backoffice().list(request.args.get("state", "all")))


@bp.post("/api/v1/cases/<int:case_id>/<step>")
@require_staff(CASE_ROLES)
def take_step(case_id: int, step: str) -> Any:
    """review / approve {"passed": bool, "note"}; deliver {"counter"}."""
    if step not in STEP_NAMES:
        raise InvalidInput(N_("step must be one of {choices}"), choices=', '.join(STEP_NAMES))
    data = body()
    refuse_unknown(data, {"passed", "note", "counter"})
    passed = field(data, "passed", bool)
    case = backoffice().take(case_id, STEP_NAMES[step], _member(), passed=passed is not False,
                             note=field(data, "note", str) or "", counter=field(data, "counter", int))
    return jsonify(case)
