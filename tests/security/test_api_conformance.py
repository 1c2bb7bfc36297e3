"""Issue 13, point 16: the OpenAPI document and the server agree — schemathesis with every check against the
running demo hall, plus the holes of the issue one by one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import login

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("st")


@pytest.mark.e2e
def test_schemathesis_with_every_check_finds_nothing(live_server, tmp_path):
    base = live_server.url
    token = requests.post(f"{base}/api/v1/login", json={"username": "admin", "password": "admin-demo"},
                          timeout=30).json()["token"]
    seconds = os.environ.get("ONEWINDOW_SCHEMATHESIS_SECONDS", "120")
    done = subprocess.run(
        [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"{base}/api/v1/openapi.json", "--checks", "all",
         "-H", f"Authorization: Bearer {token}", "--exclude-path", "/logout", "--max-time", seconds,
         "--workers", "1", "--seed", "13", "--suppress-health-check", "all", "--no-color",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=int(seconds) + 300, cwd=tmp_path)
    summary = done.stdout[-6000:]
    (tmp_path / "schemathesis.txt").write_text(done.stdout)  # the whole report, beyond the summary shown
    assert done.returncode == 0, summary
    assert "0 failures" in done.stdout or "No issues found" in done.stdout or "passed" in done.stdout, summary


def test_an_empty_date_is_refused_not_read_as_today(manager):
    response = manager.get("/api/v1/reports/summary?date=", headers={"Accept-Language": "zh-CN"})
    refusal = response.get_json()
    assert response.status_code == 400 and "empty" in refusal["details"]["problems"][0]
    assert "接口说明" in refusal["message"] and "date" in refusal["message"]  # the reader's language, the field named
    assert manager.get("/api/v1/appointments?date=").status_code == 400
    assert manager.get("/api/v1/reports/summary?date=20261125").status_code == 400  # only YYYY-MM-DD


def test_a_search_without_q_is_refused(client):
    response = client.get("/api/v1/kiosk/search")
    assert response.status_code == 400 and "'q' is required" in response.get_json()["details"]["problems"][0]
    assert client.get("/api/v1/kiosk/search?q=ylbx").status_code == 200


def test_429_on_login_is_documented_with_retry_after(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/login", "/appointments/check-in"):
        throttled = doc["paths"][path]["post"]["responses"]["429"]
        assert "Retry-After" in throttled["headers"]


def test_the_csv_report_has_one_charset(manager):
    response = manager.get("/api/v1/reports/waiting?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_405_answers_name_the_allowed_methods(client, app):
    manager = app.test_client()
    login(manager, "manager")
    response = client.delete("/api/v1/tickets")
    assert response.status_code == 405 and response.headers["Allow"]
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST", "OPTIONS"}
    assert client.put("/api/v1/services", json={}).headers["Allow"]  # not 415: the method is wrong, not the body


def test_every_api_route_is_in_the_document(app, client):
    import re

    documented = client.get("/api/v1/openapi.json").get_json()["paths"]
    templates = [re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(p)) + "$") for p in documented]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        sample = re.sub(r"<int:[^>]+>", "1", rule.rule)
        for concrete in ({"action": a} for a in ("call-next", "call")) if "<action>" in sample else [{}]:
            path = sample.replace("<action>", concrete.get("action", "x"))
            path = re.sub(r"<step>", "review" if "cases" in path else "callback", path)
            path = re.sub(r"<[^>]+>", "x", path)[len("/api/v1"):]
            assert any(t.match(path) for t in templates), rule.rule
