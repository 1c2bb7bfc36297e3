"""Issue 13, points 3, 10, 12 and 15 (cookie): hosts, security headers, cross-site writes, the Secure cookie.

Each test sends the attacker's exact request of the issue and checks that it is refused now.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace

import pytest

from hall.config import PrinterSection
from hall.web.headers import CONTENT_SECURITY_POLICY
from hall.web.hosts import OriginCheck, allowed_hosts, public_origin
from tests.conftest import login, running_hall, wait_print


@pytest.fixture
def hall_app(config, clock):
    """Build an app with a changed configuration (public URL, proxy hops …); closed at teardown."""
    with ExitStack() as stack:
        yield lambda **changes: stack.enter_context(running_hall(replace(config, **changes), clock))


# ---- point 3: Host header injection ------------------------------------------------------------------

def test_a_ticket_asked_for_with_a_forged_host_is_refused(client):
    response = client.post("/api/v1/tickets", json={"service": "A01"}, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "unknown_host" and "evil.example" in response.get_json()["message"]
    page = client.get("/kiosk", headers={"Host": "evil.example"})
    assert page.status_code == 400 and b"evil.example" not in page.data.split(b"message")[0]


def test_the_printed_qr_and_status_url_come_from_the_public_url(hall_app, config, tmp_path):
    paper = tmp_path / "kiosk.escpos"
    app = hall_app(hall=replace(config.hall, public_url="https://hall.example.gov.cn"),
                   printer=PrinterSection("file", {"path": str(paper)}))
    client = app.test_client()
    # A LAN address the hall answers to, with a forged forwarded host the hall does not believe.
    ticket = client.post("/api/v1/tickets", json={"service": "A01"},
                         headers={"Host": "127.0.0.1:5000", "X-Forwarded-Host": "evil.example"}).get_json()
    assert ticket["status_url"].startswith("https://hall.example.gov.cn/t/")
    assert wait_print(app.extensions["onewindow"], ticket["id"])["state"] == "printed"
    printed = paper.read_bytes()
    assert ticket["status_url"].encode() in printed and b"evil" not in printed and b"127.0.0.1" not in printed
    # The public host itself is one the hall answers to.
    assert client.get("/kiosk", headers={"Host": "hall.example.gov.cn"}).status_code == 200


def test_the_hall_answers_for_localhost_its_addresses_and_configured_names(config):
    hosts = allowed_hosts(replace(config, server=replace(config.server, trusted_hosts=("hall.local",))),
                          interfaces=["192.168.1.10", "fe80::1"])
    assert {"localhost", "127.0.0.1", "192.168.1.10", "hall.local"} <= set(hosts)
    assert "[fe80::1]" in hosts and "evil.example" not in hosts
    assert public_origin("https://hall.example.gov.cn/") == ("hall.example.gov.cn", "")
    assert public_origin("http://hall.example.gov.cn:8080") == ("hall.example.gov.cn", "8080")
    assert public_origin("") is None


# ---- the proxy in front: X-Forwarded-* believed only for the configured hops ------------------------

def test_forwarded_headers_are_ignored_without_proxy_hops(client):
    response = client.get("/api/v1/me", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 401  # answered at all: the forged forwarded host was not believed
    assert "Strict-Transport-Security" not in response.headers


def test_behind_the_https_proxy_the_cookie_is_secure_and_the_public_origin_counts(hall_app, config):
    app = hall_app(server=replace(config.server, proxy_hops=1), hall=replace(config.hall, public_url="https://hall.example.gov.cn"))
    client = app.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hall.example.gov.cn", "X-Forwarded-For": "10.1.2.3",
               "Origin": "https://hall.example.gov.cn"}
    response = client.post("/api/v1/login", json={"username": "clerk1", "password": "clerk1-demo"}, headers=proxied)
    assert response.status_code == 200, response.get_json()
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    # The same hall over plain http on the LAN: no Secure flag (the browser would drop the cookie).
    plain = app.test_client().post("/api/v1/login", json={"username": "clerk1", "password": "clerk1-demo"})
    assert "Secure" not in next(h for h in plain.headers.getlist("Set-Cookie") if h.startswith("session="))


# ---- point 10: security headers ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/login", "/kiosk", "/lobby", "/counter", "/console", "/api/v1/services",
                                  "/t/nope", "/static/live.js"])
def test_every_answer_has_the_security_headers(client, path):
    response = client.get(path)
    response.close()
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if not path.startswith("/static/"):
        assert headers["Cache-Control"] == "no-store, max-age=0"


# ---- point 12: cross-site requests -----------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Referer": "http://evil.example/attack.html"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "http://localhost:9999"},  # same machine, another port: another origin
])
def test_a_cross_site_write_with_the_staff_cookie_is_refused(clerk, client, headers):
    client.post("/api/v1/tickets", json={"service": "A01"})
    response = clerk.post("/api/v1/counters/1/call-next", json={}, headers=headers)
    assert response.status_code == 403 and response.get_json()["message"] == "已拒绝跨站请求"
    assert clerk.post("/api/v1/counters/1/call-next", json={},
                      headers={"Origin": "http://localhost"}).status_code == 200


def test_a_cross_site_form_is_refused_everywhere_not_only_under_the_api(clerk):
    for path in ("/api/v1/logout", "/login", "/console"):
        response = clerk.post(path, data={"x": "1"}, headers={"Origin": "http://evil.example"})
        assert response.status_code == 403, path
    # From the hall itself a form post to the API is still refused: the API takes JSON only.
    assert clerk.post("/api/v1/logout", data={"x": "1"}, headers={"Origin": "http://localhost"}).status_code == 415


def test_socket_handshakes_check_the_origin(hall_app, config):
    check = OriginCheck(["localhost", "127.0.0.1", "192.168.1.10", "hall.example.gov.cn"], "http://hall.example.gov.cn")
    lan = {"HTTP_HOST": "192.168.1.10:5000"}
    assert check("http://192.168.1.10:5000", lan)
    assert check("https://hall.example.gov.cn", lan)  # the public URL over the HTTPS proxy
    assert check("http://hall.example.gov.cn", lan)
    assert check(None, lan)  # no browser: devices and scripts authenticate with tokens
    for foreign in ("http://evil.example", "http://192.168.1.10:8080", "https://hall.example.gov.cn.evil.example",
                    "null", "file://", "http://hall.example.gov.cn:abc"):
        assert not check(foreign, lan), foreign


def test_a_foreign_page_cannot_open_the_counter_socket_with_the_clerks_cookie(app, socket_client):
    from hall.web.extensions import socketio

    clerk = app.test_client()
    login(clerk, "clerk1")
    eio = socketio.server.eio
    assert isinstance(eio.cors_allowed_origins, OriginCheck)
    environ = {"HTTP_HOST": "localhost", "HTTP_ORIGIN": "http://evil.example", "wsgi.url_scheme": "http"}
    assert eio._cors_allowed_origins(environ) == []
    environ["HTTP_ORIGIN"] = "http://localhost"
    assert eio._cors_allowed_origins(environ) == ["http://localhost"]


# ---- configuration of the above --------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "error"), [
    ({"server": {"proxy_hops": -1}}, "proxy_hops"),
    ({"server": {"proxy_hops": True}}, "proxy_hops"),
    ({"server": {"trusted_hosts": "hall.local"}}, "trusted_hosts"),
    ({"security": {"login_per_account": "often"}}, "login_per_account"),
    ({"security": {"idle_minutes": -5}}, "idle_minutes"),
    ({"privacy": {"followup_contact_days": 0}}, "followup_contact_days"),
    ({"security": {"unknown": 1}}, "unknown"),
])
def test_bad_security_settings_stop_the_start_with_a_clear_message(raw, error):
    from hall.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=error):
        parse_config(raw)


def test_security_settings_are_read(tmp_path):
    from hall.config import parse_config

    config = parse_config({"server": {"proxy_hops": 1, "trusted_hosts": ["hall.local"]},
                           "security": {"idle_minutes": 15, "login_per_account": "5 per minute"},
                           "privacy": {"followup_contact_days": 90}})
    assert (config.server.proxy_hops, config.server.trusted_hosts) == (1, ("hall.local",))
    assert config.security.idle_minutes == 15 and config.privacy.followup_contact_days == 90


@pytest.mark.e2e
def test_a_real_socket_handshake_from_a_foreign_origin_is_refused(live_server):
    import requests
    import socketio

    handshake = f"{live_server.url}/socket.io/?EIO=4&transport=polling"
    for foreign in ("http://evil.example", "http://127.0.0.1:1", "null"):
        refused = requests.get(handshake, headers={"Origin": foreign}, timeout=10)
        assert refused.status_code == 400 and "origin" in refused.text.lower(), foreign
    assert requests.get(handshake, headers={"Origin": live_server.url}, timeout=10).status_code == 200
    own = socketio.Client(reconnection=False)  # its Origin is the hall's own
    own.connect(live_server.url, namespaces=["/lobby"], transports=["websocket"], wait_timeout=10)
    try:
        assert own.connected
    finally:
        own.disconnect()
