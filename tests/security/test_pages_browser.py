"""Issue 13, point 10: every page of the hall in headless Chromium against the real server, under the hall's
Content-Security-Policy: its script runs, with no error and no violation (the browser reports each one as a
`securitypolicyviolation` event, and as a console error)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests

from hall.web.headers import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.e2e

#: Runs before any page script, outside the page's CSP: records what the browser refused.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " "
                           + e.sourceFile + ":" + e.lineNumber);
});
"""


@dataclass
class Watched:
    """A page with every error and refusal it produced."""

    page: object
    problems: list[str] = field(default_factory=list)
    #: The Content-Security-Policy of every document the page loaded since the last check.
    policies: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations")


@pytest.fixture
def watched(browser) -> Iterator[callable]:
    contexts = []

    def make() -> Watched:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        contexts.append(context)
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        w = Watched(page)
        page.on("pageerror", lambda error: w.problems.append(f"page error: {error}"))
        page.on("response", lambda r: w.policies.append(r.headers.get("content-security-policy", "none"))
                if r.request.resource_type == "document" else None)
        page.on("console", lambda m: w.problems.append(f"console {m.type}: {m.text} at {m.location.get('url')}")
                if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico") else None)
        return w

    yield make
    for context in contexts:
        context.close()


def log_in(w: Watched, base: str, username: str, next_path: str) -> None:
    w.page.goto(f"{base}/login?next={next_path}")
    w.page.fill("#username", username)
    w.page.fill("#password", f"{username}-demo")
    w.page.click("#login-button")
    w.page.wait_for_url(f"{base}{next_path}")


def check(w: Watched, path: str) -> None:
    assert w.problems == [], path
    assert w.violations() == [], path
    assert w.policies and all(p == CONTENT_SECURITY_POLICY for p in w.policies), (path, w.policies)
    w.policies.clear()


def visit(w: Watched, base: str, path: str, ready: str | None = None, answer: str | None = None) -> None:
    """Open *path*; wait until the JS condition *ready* holds or the API *answer* came back; then check."""
    if answer:
        with w.page.expect_response(lambda r: answer in r.url):
            w.page.goto(f"{base}{path}")
    else:
        w.page.goto(f"{base}{path}")
    if ready:
        w.page.wait_for_function(f"() => {ready}")  # a function: CDP runs it, no eval under the page's CSP
    check(w, path)


def test_every_page_runs_its_script_without_errors_or_csp_violations(live_server, watched):
    base = live_server.url
    ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=10).json()
    token = ticket["status_url"].rsplit("/", 1)[1]

    # Public pages: the kiosk, the citizen's phone, the screens.
    public = watched()
    public.page.goto(f"{base}/kiosk")
    public.page.fill("#search-input", "ylbx")
    public.page.wait_for_selector("#search-results li a.result")
    check(public, "/kiosk")
    for path, ready, answer in (
        ("/kiosk/default/item/A01", None, None),
        ("/kiosk/default/bundle/P01", None, None),
        ("/kiosk/default/category/enterprise", None, None),
        ("/kiosk/default/appointment", None, None),
        ("/guide/A01", None, None),
        (f"/kiosk/default/ticket/{token}", None, "/api/v1/status/"),
        (f"/t/{token}", "document.getElementById('ahead').textContent !== '…'", None),
        ("/lobby", "document.querySelector('#counters li') !== null", None),
        ("/screen/counter/1", "document.body.dataset.state !== undefined", None),
        ("/screen/citizen/1", "document.body.dataset.stage !== undefined", None),
        (f"/evaluator?token={live_server.evaluator_token(1)}", "document.body.dataset.state === 'idle'", None),
    ):
        visit(public, base, path, ready, answer)

    # A clerk at counter 1.
    clerk = watched()
    log_in(clerk, base, "clerk1", "/counter")
    clerk.page.wait_for_selector("#call-next:not([disabled])")
    check(clerk, "/counter")
    visit(clerk, base, "/console/followups", answer="/api/v1/followups")
    visit(clerk, base, "/console/cases", answer="/api/v1/cases")

    # The manager's console.
    manager = watched()
    log_in(manager, base, "manager", "/console")
    manager.page.wait_for_selector("#counters tbody tr")
    check(manager, "/console")
    visit(manager, base, "/console/config", "document.querySelector('#bundles tbody tr') !== null")
    visit(manager, base, "/console/reports", "document.getElementById('chart').dataset.ready === '1'")
    visit(manager, base, "/console/satisfaction", "document.getElementById('t-finished').textContent !== '–'")
    visit(manager, base, "/console/audit", answer="/api/v1/admin/audit")
    visit(manager, base, "/console/appointments")
    manager.page.select_option("#book select[name=target]", "service:A01")
    manager.page.fill("#book input[name=slot_start]", "2030-01-07T10:00")
    with manager.page.expect_navigation():  # booked: the page shows the code, then reloads the list
        manager.page.click("#book button[type=submit]")
    check(manager, "/console/appointments")

    # The administrator's staff page.
    admin = watched()
    log_in(admin, base, "admin", "/console/staff")
    admin.page.wait_for_selector("#staff tbody tr")
    check(admin, "/console/staff")


def test_the_policy_is_enforced_and_a_violation_would_be_seen(live_server, watched):
    w = watched()
    w.page.goto(f"{live_server.url}/login")
    check(w, "/login")
    # What an injected inline script would meet: refused, and reported.
    w.page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
                    " document.body.appendChild(s); }")
    w.page.wait_for_function("() => window.__violations.length > 0")
    assert w.page.evaluate("() => window.pwned") is None
    assert w.violations()[0].startswith("script-src-elem inline")
