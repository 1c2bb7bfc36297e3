"""Every route of the URL map refuses callers without the right role (table-driven)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login

MANAGERS = frozenset({"manager", "admin"})
ADMINS = frozenset({"admin"})
AT_COUNTERS = frozenset({"clerk", "manager", "admin"})
ANY_STAFF = frozenset({"clerk", "backoffice", "manager", "admin"})
NOBODY = frozenset()  # device tokens only

#: Open to anyone: the citizen's side (kiosk, lobby, status pages, the catalogue) and logging in.
PUBLIC_ENDPOINTS = {
    "console.index", "console.login", "console.favicon", "api.openapi", "api.services", "api.service_item",
    "api.bundle", "api.login", "api.logout", "evaluator.pad",
}
PUBLIC_BLUEPRINTS = {"kiosk", "lobby_display", "phone", "phone_api"}  # the citizen's phone: tokens, verified numbers
PUBLIC_DEVICE_ENDPOINTS = {"kiosk_api.kiosk_search", "kiosk_api.kiosk_reprint", "kiosk_api.check_in",
                           "kiosk_api.issue_ticket", "kiosk_api.ticket", "kiosk_api.ticket_status"}

#: Who may use each staff route. Routes of other packages not listed here are still checked for anonymous callers.
ROLES: dict[str, frozenset[str]] = {
    "console.console": MANAGERS, "console.config_page": MANAGERS, "console.audit_page": MANAGERS,
    "console.staff_page": ADMINS, "console.reports_page": AT_COUNTERS, "console.screens_page": MANAGERS,
    "console_api.console_live": MANAGERS, "console_api.catalogue": MANAGERS,
    "console_api.create_category": MANAGERS, "console_api.update_category": MANAGERS,
    "console_api.create_item": MANAGERS, "console_api.update_item": MANAGERS,
    "console_api.create_bundle": MANAGERS, "console_api.update_bundle": MANAGERS,
    "console_api.add_bundle_item": MANAGERS, "console_api.set_counter_items": MANAGERS,
    "console_api.authorise_counter": MANAGERS, "console_api.settings": MANAGERS,
    "console_api.update_settings": MANAGERS, "console_api.audit_log": MANAGERS,
    "console_api.staff_list": ADMINS, "console_api.create_staff": ADMINS, "console_api.update_staff": ADMINS,
    "console_api.waiting_report": AT_COUNTERS,
    "advisor.advisor_page": MANAGERS, "advisor.workload_api": MANAGERS, "advisor.plan_api": MANAGERS,
    "advisor.compare_api": MANAGERS, "advisor.estimate_errors_api": MANAGERS,
    "advisor.assessment_page": AT_COUNTERS, "advisor.assessment_api": AT_COUNTERS,
    "api.me": ANY_STAFF, "caller_api.counter_state": AT_COUNTERS, "caller_api.counter_action": AT_COUNTERS,
    "caller_api.sign_in": AT_COUNTERS, "caller_api.sign_out": AT_COUNTERS,
    "console_api.counters": MANAGERS, "console_api.create_counter": MANAGERS, "console_api.update_counter": MANAGERS,
    "console_api.add_counter_device": MANAGERS, "console_api.revoke_counter_device": MANAGERS,
    "api.cancel_ticket": MANAGERS, "api.reprint_ticket": MANAGERS, "api.report_summary": MANAGERS,
    "evaluator_api.rate": NOBODY,
}
USERS = {"clerk": "clerk1", "backoffice": "review", "manager": "manager", "admin": "admin"}


def is_public(endpoint: str) -> bool:
    blueprint = endpoint.split(".")[0]
    return (endpoint in PUBLIC_ENDPOINTS or endpoint in PUBLIC_DEVICE_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS
            or endpoint == "static" or endpoint.endswith(".static"))


def sample_url(rule) -> str:
    url = re.sub(r"<int:[^>]+>", "1", rule.rule)
    return re.sub(r"<[^>]+>", "x", url)


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if is_public(rule.endpoint):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def call(app, rule, method, token=None):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.open(sample_url(rule), method=method, json=None if method == "GET" else {}, headers=headers)
    response.close()
    return response


def refused(response, page: bool) -> bool:
    if page and response.status_code == 302:
        return "/login" in response.headers["Location"]
    return response.status_code in (401, 403)


@pytest.fixture
def tokens(app):
    return {role: login(app.test_client(), username)["token"] for role, username in USERS.items()}


def test_every_console_route_is_in_the_table(app):
    mine = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("console", "console_api")}
    missing = sorted(e for e in mine if e not in ROLES and not is_public(e))
    assert not missing, f"add these routes to ROLES: {missing}"


def test_anonymous_callers_are_refused_everywhere_but_public_routes(app):
    accepted = []
    for rule, method in routes(app):
        page = not rule.rule.startswith("/api/")
        if not refused(call(app, rule, method), page):
            accepted.append(f"{method} {rule.rule}")
    assert not accepted, f"these routes serve anonymous callers: {accepted}"


def test_wrong_roles_are_refused_and_right_roles_let_in(app, tokens):
    wrong = []
    for rule, method in routes(app):
        allowed = ROLES.get(rule.endpoint)
        if allowed is None:
            continue
        page = not rule.rule.startswith("/api/")
        for role, token in tokens.items():
            response = call(app, rule, method, token)
            if refused(response, page) == (role in allowed):
                wrong.append(f"{role} {method} {rule.rule} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)
