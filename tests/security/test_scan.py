"""The security scan of the running demo hall (CI runs it with the suite): DrHEADer (drheaderplus, the maintained
fork of Santander's header auditor) against every kind of page and API answer, with its default rules plus the
OWASP ASVS 4.0 V14 preset, must report nothing. The hall runs as in production: behind one HTTPS proxy
([server] proxy_hops = 1, [hall] public_url https://…), which the scan plays by sending X-Forwarded-Proto.
Static assets (scripts, styles, fonts: public, no personal data) are cached by browsers on purpose and are
not scanned. schemathesis (tests/security/test_api_conformance.py) is the scan's other half."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from drheader import Drheader
from drheader.utils import preset_rules

from tests.live import LiveServer, free_port

pytestmark = pytest.mark.e2e
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hall.example.gov.cn", "X-Forwarded-For": "10.0.0.9"}


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[LiveServer]:
    config = tmp_path / "hall.toml"
    config.write_text('[hall]\npublic_url = "https://hall.example.gov.cn"\n\n[server]\nproxy_hops = 1\n',
                      encoding="utf-8")
    server = LiveServer(tmp_path, free_port(), ["--config", str(config)]).start()
    server.read_banner()
    yield server
    server.stop()


def findings(headers: dict | None = None, *, url: str | None = None) -> list[dict]:
    found = []
    for rules in (None, preset_rules("owasp-asvs-v14")):
        scanner = Drheader(url=url, headers=headers) if url else Drheader(headers=headers)
        found += [{"rule": f.rule, "severity": f.severity, "message": f.message, "value": f.value}
                  for f in scanner.analyze(rules=rules)]
    return found


def test_no_header_findings_on_any_page_or_api_answer(behind_proxy):
    base = behind_proxy.url
    ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "A01", "print": False}, headers=PROXY,
                           timeout=30).json()
    token = ticket["status_url"].rsplit("/", 1)[1]
    assert ticket["status_url"].startswith("https://hall.example.gov.cn/t/")
    paths = ["/", "/login", "/console", "/kiosk", "/kiosk/default/item/A01", "/kiosk/default/appointment",
             f"/t/{token}", "/guide/A01", "/lobby", "/screen/counter/1", "/screen/citizen/1", "/evaluator",
             "/counter", "/api/v1/services", "/api/v1/openapi.json", f"/api/v1/status/{token}", "/api/v1/me",
             "/no-such-page"]
    report = {path: findings(PROXY, url=f"{base}{path}") for path in paths}
    assert {path: found for path, found in report.items() if found} == {}


def test_no_findings_on_the_login_answer_and_its_cookie(behind_proxy):
    response = requests.post(f"{behind_proxy.url}/api/v1/login", json={"username": "manager",
                                                                       "password": "manager-demo"},
                             headers={**PROXY, "Origin": "https://hall.example.gov.cn"}, timeout=30)
    assert response.status_code == 200
    headers = {name: value for name, value in response.headers.items() if name.lower() != "set-cookie"}
    cookies = response.raw.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    headers["Set-Cookie"] = cookies
    assert findings(headers) == []
    assert "Server" not in response.headers  # the server's software is not named
