"""The console pages render for their roles, with the navigation each role may use."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path, marker", [
    ("/console", 'id="alerts"'), ("/console/config", 'id="bundle-item-form"'), ("/console/reports", 'id="chart"'),
    ("/console/audit", 'id="audit-form"'),
])
def test_manager_pages(manager, path, marker):
    page = manager.get(path).get_data(as_text=True)
    assert marker in page
    assert 'href="/console/staff"' not in page  # staff pages are for admins


def test_admin_sees_the_staff_page(app):
    from tests.conftest import login

    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/console/staff?lang=en").get_data(as_text=True)
    assert 'id="staff-form"' in page and 'href="/console/staff"' in page


def test_clerk_reports_page_says_it_shows_own_figures(clerk):
    page = clerk.get("/console/reports").get_data(as_text=True)
    assert 'id="own-figures"' in page and 'href="/console/config"' not in page
    assert clerk.get("/console/config").status_code == 403


def test_session_cookie_is_httponly_and_samesite(client):
    from tests.conftest import login

    login(client, "manager")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
