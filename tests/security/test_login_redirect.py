"""Issue 13, point 4: the page a login goes on to is always on the hall itself (no open redirect)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from hall.web.console import _safe_next

#: What the issue's attacker tried, and the other spellings browsers read as another host.
OFF_SITE = ["/\\localhost:9/pwned", "/\t/localhost:9/pwned", "//evil.example/", "///evil.example",
            "/\\/evil.example", "/\n/evil.example", "/\r/evil.example", "https://evil.example/",
            "javascript:alert(1)", "evil.example", " /console", "/\x00/evil", "", "/\u3000/evil", "\\\\evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_fall_back_to_the_console(target):
    assert _safe_next(target) == "/console"


@pytest.mark.parametrize("target", ["/console", "/counter?counter=2", "/console/reports?from=2026-11-01&to=2026-11-30",
                                    "/%2F%2Fevil.example", "/kiosk/east"])
def test_paths_on_the_hall_are_kept(target):
    assert _safe_next(target) == target


def test_the_login_page_hands_only_a_local_path_to_its_script(client):
    html = client.get("/login?next=" + quote("/\\localhost:9/pwned")).get_data(as_text=True)
    assert 'data-next="/console"' in html
    html = client.get("/login?next=/%09/localhost:9/pwned").get_data(as_text=True)
    assert 'data-next="/console"' in html


@pytest.mark.e2e
@pytest.mark.parametrize("target", ["/\\localhost:9/pwned", "/%09/localhost:9/pwned"])
def test_after_logging_in_the_browser_stays_on_the_hall(live_server, page, target):
    base = live_server.url
    page.goto(f"{base}/login?next={target if '%' in target else quote(target)}")
    page.fill("#username", "manager")
    page.fill("#password", "manager-demo")
    with page.expect_navigation():
        page.click("#login-button")
    landed = urlsplit(page.url)
    assert (landed.hostname, landed.port) == ("127.0.0.1", live_server.port) and landed.path == "/console"
