"""The advisor's exceptions; HallError subclasses, so the web layer maps them to 4xx answers."""

from __future__ import annotations

from ..domain.errors import HallError


class AdvisorError(HallError):
    """Base class of the advisor's errors: the request cannot be answered as asked."""

    status = 400
    code = "advisor_error"


class NoHistory(AdvisorError):
    """The hall's record holds too few tickets in the range to learn a workload from."""

    status = 404
    code = "no_history"


class BadPlan(AdvisorError):
    """A staffing plan or a target is malformed (no counters, a share outside 0–1 …)."""

    status = 400
    code = "bad_plan"
