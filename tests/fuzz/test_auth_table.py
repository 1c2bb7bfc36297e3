"""Every staff route and socket namespace refuses callers without the right role (table-driven over the URL map)."""

from __future__ import annotations

import re

import pytest

from hall.web.extensions import socketio
from tests.conftest import login

#: Endpoints anyone may use: citizens at the kiosk, phones, lobby screens, the login itself.
PUBLIC_ENDPOINTS = {
    "console.index", "console.login", "console.favicon", "api.login", "api.logout", "api.openapi", "api.services",
    "api.service_item", "api.bundle", "kiosk_api.issue_ticket", "kiosk_api.ticket_status", "api.me",
    "kiosk_api.kiosk_search", "kiosk_api.kiosk_reprint", "kiosk_api.check_in",
    "kiosk.home", "kiosk.appointment", "kiosk.bundle_guide", "kiosk.category", "kiosk.item_guide", "kiosk.ticket_page",
    "kiosk.phone_guide", "kiosk.status_page", "kiosk.ticket_png",
    "lobby_display.lobby", "lobby_display.citizen_screen", "lobby_display.counter_screen", "lobby_display.speech",
    "evaluator.pad",
    # refused inside the view unless an evaluator device token comes with it (tested below)
    "evaluator_api.rate",
    # the citizen's phone: public, by ticket or booking token, or a number verified by a one-time code
    "phone.home", "phone.take", "phone.ticket_page", "phone.book", "phone.booking_page", "phone.here",
    "phone.kiosk_arrival", "phone_api.status", "phone_api.request_code", "phone_api.verify", "phone_api.me",
    "phone_api.logout", "phone_api.take_ticket", "phone_api.ticket", "phone_api.arrived", "phone_api.more_time",
    "phone_api.cancel_ticket", "phone_api.follow", "phone_api.here", "phone_api.kiosk_arrival", "phone_api.slots",
    "phone_api.book", "phone_api.booking", "phone_api.cancel_booking", "phone_api.check_in",
    # refused inside the view unless a kiosk device (check-in by ID card) or a lobby device or manager (the
    # arrival screen) calls (tests/phone/test_phone_api.py)
    "phone_api.check_in_by_id_card", "phone.arrival_board",
}
#: Endpoints a clerk (counter role only) may use; everything else that is not public needs more.
CLERK_ENDPOINTS = {"caller_api.counter_action", "caller_api.counter_state", "caller_api.sign_in",
                   "caller_api.sign_out", "lobby_api.checklist", "lobby_api.tick_material", "caller.panel",
                   # a ticket by its (sequential) id is for staff only; the public look it up by its token
                   "kiosk_api.ticket",
                   # follow-ups of bad ratings are open to counter roles (FOLLOWUP_ROLES in evaluator/followups.py)
                   "followups.list_followups", "followups.get_followup", "followups.followup_step",
                   "followups.followups_page",
                   # waiting-time reports are open to clerks (REPORT_ROLES in hall/web/console_api.py)
                   "console_api.waiting_report", "console.reports_page",
                   # clerks see back-office cases and deliver results (综合窗口出件); the steps check roles
                   # and the separation of duties themselves (tests/cases)
                   "cases.list_cases", "cases.take_step", "cases.page",
                   # a clerk sees their own assessment (hall/web/advisor_views.py; tests/advisor)
                   "advisor.assessment_api", "advisor.assessment_page"}
#: Socket.IO namespaces anyone may join, and those that need staff or a device.
PUBLIC_NAMESPACES = {"/lobby", "/screen", "/status", "/phone"}


def routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        url = re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", "1", rule.rule))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def call(client, method: str, url: str, headers: dict | None = None):
    return client.open(url, method=method, json=None if method == "GET" else {}, headers=headers or {})


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_the_public_list_names_real_endpoints(app):
    endpoints = {endpoint for endpoint, _, _ in routes(app)}
    assert PUBLIC_ENDPOINTS <= endpoints
    assert CLERK_ENDPOINTS <= endpoints


def test_every_staff_route_refuses_anonymous_callers_and_device_tokens(app, ctx):
    _, kiosk_token = ctx.accounts.add_device("kiosk", name="kiosk-1")
    _, lobby_token = ctx.accounts.add_device("lobby", name="lobby-1")
    client = app.test_client()
    checked = []
    for endpoint, method, url in routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        for headers in ({}, {"Authorization": f"Bearer {kiosk_token}"}, {"Authorization": f"Bearer {lobby_token}"},
                        {"Authorization": "Bearer forged"}):
            response = call(client, method, url, headers)
            assert refused(response), f"{method} {url} ({endpoint}) answered {response.status_code} to {headers}"
            if url.startswith("/api/"):
                assert response.get_json()["message"], f"{method} {url} refused without a message"
        checked.append(endpoint)
    assert len(checked) > 30


def test_a_clerk_cannot_use_manager_routes(app):
    clerk = app.test_client()
    login(clerk, "clerk1")
    allowed = []
    for endpoint, method, url in routes(app):
        if endpoint in PUBLIC_ENDPOINTS or endpoint in CLERK_ENDPOINTS:
            continue
        response = call(clerk, method, url)
        if response.status_code != 403:
            allowed.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert not allowed, "a clerk got through: " + "; ".join(allowed)


@pytest.mark.parametrize("who", ["kiosk", "lobby", "evaluator-of-another-counter", "manager", "anonymous"])
def test_only_the_counters_evaluator_may_rate(app, ctx, client, clerk, who):
    client.post("/api/v1/tickets", json={"service": "A01"})
    for step in ("call-next", "start", "finish"):
        assert clerk.post(f"/api/v1/counters/1/{step}", json={}).status_code == 200
    headers = {}
    if who in ("kiosk", "lobby"):
        headers = {"Authorization": f"Bearer {ctx.accounts.add_device(who, name=who)[1]}"}
    elif who == "evaluator-of-another-counter":
        headers = {"Authorization": f"Bearer {ctx.accounts.add_device('evaluator', counter=2, name='ev2')[1]}"}
    rater = app.test_client()
    if who == "manager":
        login(rater, "manager")
    response = rater.post("/api/v1/ratings", json={"ticket": 1, "score": 5}, headers=headers)
    assert response.status_code in (401, 403), response.get_json()
    assert response.get_json()["message"]
    own = {"Authorization": f"Bearer {ctx.accounts.add_device('evaluator', counter=1, name='ev1')[1]}"}
    assert app.test_client().post("/api/v1/ratings", json={"ticket": 1, "score": 5}, headers=own).status_code == 201


def test_a_kiosk_cannot_call_over_the_counter_socket(app, ctx, socket_client):
    _, kiosk_token = ctx.accounts.add_device("kiosk", name="kiosk-1")
    for auth in ({"counter": 1}, {"counter": 1, "device_token": kiosk_token}, {"counter": 1, "token": kiosk_token}):
        sio = socket_client("/counter", auth=auth)
        assert not sio.is_connected("/counter")


def test_every_protected_namespace_refuses_anonymous_and_wrong_roles(app, ctx, socket_client):
    namespaces = {handler.namespace: handler for handler in socketio.namespace_handlers}
    assert PUBLIC_NAMESPACES <= set(namespaces)
    _, kiosk_token = ctx.accounts.add_device("kiosk", name="kiosk-1")
    clerk = app.test_client()
    login(clerk, "clerk1")
    review = app.test_client()
    login(review, "review")
    for namespace, handler in namespaces.items():
        if namespace in PUBLIC_NAMESPACES:
            continue
        events = [name[3:] for name in dir(handler) if name.startswith("on_") and name != "on_connect"]
        assert events or namespace, namespace
        for flask_client, auth in ((None, {"counter": 1}), (None, {"counter": 1, "device_token": kiosk_token}),
                                   (review, {"counter": 1})):
            sio = socket_client(namespace, flask_client=flask_client, auth=auth)
            assert not sio.is_connected(namespace), f"{namespace} accepted {auth} ({events})"
    console = socket_client("/console", flask_client=clerk, auth={})
    assert not console.is_connected("/console"), "a clerk joined the managers' console"


def test_every_staff_route_refuses_an_ended_login(app):
    """Issue 13, point 5, over the whole URL map: after logout neither the cookie nor the token opens anything."""
    manager = app.test_client()
    token = login(manager, "manager")["token"]
    cookie = manager.get_cookie("session").value
    assert manager.post("/api/v1/logout", json={}).status_code == 200
    stale = app.test_client()
    stale.set_cookie("session", cookie)
    let_in = []
    for endpoint, method, url in routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        for client, headers in ((stale, {}), (app.test_client(), {"Authorization": f"Bearer {token}"})):
            response = call(client, method, url, headers)
            if not refused(response) or response.status_code == 403:
                let_in.append(f"{method} {url} ({endpoint}): {response.status_code}")
    assert not let_in, "an ended login got through: " + "; ".join(let_in)


def test_every_protected_namespace_refuses_an_ended_login(app, socket_client):
    manager = app.test_client()
    token = login(manager, "manager")["token"]
    manager.post("/api/v1/logout", json={})
    for namespace in {handler.namespace for handler in socketio.namespace_handlers} - PUBLIC_NAMESPACES:
        sio = socket_client(namespace, auth={"counter": 1, "token": token})
        assert not sio.is_connected(namespace), namespace
