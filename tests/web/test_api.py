"""The JSON API: contracts, errors, roles and the rating rules."""

from __future__ import annotations

import pytest

from tests.conftest import login


def test_services_lists_items_and_bundles(client):
    data = client.get("/api/v1/services").get_json()
    assert len(data["items"]) >= 40 and len(data["bundles"]) >= 5
    item = data["items"][0]
    assert {"code", "name", "category", "letter", "kind"} <= set(item)
    names = {b["name"] for b in data["bundles"]}
    assert {"企业单位人员增减", "死亡人员待遇申领", "工伤保险待遇申领", "失业保险待遇申领", "就业失业登记",
            "社会保障卡业务"} <= names


def test_english_switch(client):
    data = client.get("/api/v1/services?lang=en").get_json()
    assert all(b["name"] == b["name_en"] for b in data["bundles"])


@pytest.mark.parametrize("body, status, text", [
    ({"service": "NOPE"}, 404, "未知的事项"),
    ({"bundle": "NOPE"}, 404, "未知的套餐"),
    ({}, 400, "give either service or bundle"),
    ({"service": "A01", "bundle": "P01"}, 400, "either"),
    ({"service": 12}, 400, "string"),
    ({"service": "A01", "colour": "red"}, 400, "unknown field(s): colour"),
    ({"service": "A" * 500}, 400, "longer than 200 characters"),
    ([1, 2], 400, "object"),
])
def test_bad_ticket_requests_are_refused_with_a_message(client, body, status, text):
    response = client.post("/api/v1/tickets", json=body)
    assert response.status_code == status
    answer = response.get_json()
    # the message names the fields; what is wrong with them is in the (English) problems beside it
    assert text in answer["message"] + " ".join(answer.get("details", {}).get("problems", []))


def test_non_json_and_invalid_bodies(client):
    form = client.post("/api/v1/tickets", data={"service": "A01"})
    assert form.status_code == 415 and "application/json" in form.get_json()["message"]
    garbage = client.post("/api/v1/tickets", data=b"\xff\xfe{", content_type="application/json")
    assert garbage.status_code == 400
    huge = client.post("/api/v1/tickets", data=b"{" + b" " * 100_000 + b"}", content_type="application/json")
    assert huge.status_code == 413


def test_ticket_lookup_and_unknown_ticket(client, clerk):
    t = client.post("/api/v1/tickets", json={"bundle": "P01"}).get_json()
    got = clerk.get(f"/api/v1/tickets/{t['id']}").get_json()
    assert got["number"] == t["number"] and got["state"] == "waiting" and got["bundle"] == "P01"
    assert clerk.get("/api/v1/tickets/99999").status_code == 404
    assert client.get(f"/api/v1/status/{t['token']}").get_json()["id"] == t["id"]
    assert "token" not in got  # only the issuing kiosk learns the token


def test_counter_actions_need_a_staff_login(client, app):
    assert client.post("/api/v1/counters/1/call-next", json={}).status_code == 401
    backoffice = app.test_client()
    login(backoffice, "review")
    assert backoffice.post("/api/v1/counters/1/call-next", json={}).status_code == 403


def test_bearer_token_from_login_works_for_scripts(app, client):
    token = login(app.test_client(), "clerk2")["token"]
    client.post("/api/v1/tickets", json={"service": "A01"})
    r = client.post("/api/v1/counters/2/call-next", json={}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.get_json()["ticket"]["counter"] == 2
    bad = client.post("/api/v1/counters/2/recall", json={}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_wrong_password_and_rate_limit(client):
    for _ in range(3):
        r = client.post("/api/v1/login", json={"username": "clerk1", "password": "wrong-password"})
        assert r.status_code == 401
    r = client.post("/api/v1/login", json={"username": "clerk1", "password": "clerk1-demo"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1  # tests/security/test_throttle.py: the rest


def test_counter_action_errors(clerk, client):
    assert clerk.post("/api/v1/counters/1/call-next", json={}).get_json() == {"ticket": None}
    assert clerk.post("/api/v1/counters/1/finish", json={}).status_code == 409
    assert clerk.post("/api/v1/counters/9/call-next", json={}).status_code == 404
    assert clerk.post("/api/v1/counters/1/dance", json={}).status_code == 400
    client.post("/api/v1/tickets", json={"service": "A01"})
    clerk.post("/api/v1/counters/1/call-next", json={})
    busy = clerk.post("/api/v1/counters/1/call-next", json={})
    assert busy.status_code == 409 and "A001" in busy.get_json()["message"]
    r = clerk.post("/api/v1/counters/1/transfer", json={"to_counter": 3, "note": "pension desk"})
    assert r.get_json()["ticket"]["target_counter"] == 3


def finished_ticket(client, clerk, counter: int = 1) -> dict:
    t = client.post("/api/v1/tickets", json={"service": "A01"}).get_json()
    for action in ("call-next", "start", "finish"):
        assert clerk.post(f"/api/v1/counters/{counter}/{action}", json={}).status_code == 200
    return t


def test_rating_rules(app, ctx, client, clerk, clock):
    t = finished_ticket(client, clerk)
    _, token = ctx.accounts.add_device("evaluator", counter=1)
    _, other = ctx.accounts.add_device("evaluator", counter=2)
    _, kiosk = ctx.accounts.add_device("kiosk")
    auth = {"Authorization": f"Bearer {token}"}
    # Never from the clerk's session, never from another counter's evaluator or a kiosk.
    assert clerk.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5}).status_code == 403
    assert client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5}).status_code == 401
    assert client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5},
                       headers={"Authorization": f"Bearer {other}"}).status_code == 403
    assert client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5},
                       headers={"Authorization": f"Bearer {kiosk}"}).status_code == 403
    for bad in (0, 6, "5", True):
        assert client.post("/api/v1/ratings", json={"ticket": t["id"], "score": bad}, headers=auth).status_code == 400
    assert client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 4}, headers=auth).status_code == 201
    again = client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 1}, headers=auth)
    assert again.status_code == 409 and "已经评价过" in again.get_json()["message"]  # zh-CN by default


def test_rating_window_closes_and_unrated_is_recorded(ctx, client, clerk, clock, manager):
    t = finished_ticket(client, clerk)
    _, token = ctx.accounts.add_device("evaluator", counter=1)
    clock.advance(ctx.config.hall.rating_window_seconds + 1)
    late = client.post("/api/v1/ratings", json={"ticket": t["id"], "score": 5},
                       headers={"Authorization": f"Bearer {token}"})
    assert late.status_code == 409 and "评价时间已过" in late.get_json()["message"]
    assert ctx.service.expire_ratings() == 1
    summary = manager.get("/api/v1/reports/summary").get_json()
    assert summary["rated"] == 0 and summary["unrated"] == 1 and summary["satisfaction_rate"] is None


def test_summary_needs_a_manager_and_a_valid_date(clerk, manager):
    assert clerk.get("/api/v1/reports/summary").status_code == 403
    assert manager.get("/api/v1/reports/summary?date=yesterday").status_code == 400
    assert manager.get("/api/v1/reports/summary?date=2026-11-25").get_json()["date"] == "2026-11-25"


def test_summary_figures_from_the_event_log(client, clerk, manager, clock):
    first = client.post("/api/v1/tickets", json={"service": "A01"}).get_json()
    client.post("/api/v1/tickets", json={"service": "A01"})
    clock.advance(600)  # first waits 10 minutes
    clerk.post("/api/v1/counters/1/call-next", json={})
    clerk.post("/api/v1/counters/1/start", json={})
    clock.advance(300)  # 5 minutes of service
    clerk.post("/api/v1/counters/1/finish", json={})
    clock.advance(600)  # second waits 25 minutes, then misses the call
    clerk.post("/api/v1/counters/1/call-next", json={})
    clerk.post("/api/v1/counters/1/no-show", json={})
    s = manager.get("/api/v1/reports/summary").get_json()
    assert (s["issued"], s["finished"], s["no_shows"]) == (2, 1, 1)
    assert s["waiting_minutes_mean"] == 17.5 and s["waiting_minutes_p90"] == 25.0
    assert s["service_minutes_mean"] == 5.0
    assert first["number"] == "A001"


def test_openapi_documents_every_api_route(app, client):
    import re

    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule[len("/api/v1"):]
        # A variable segment is documented either as a parameter or spelled out per value (/counters/{n}/recall).
        pattern = re.compile(
            "^" + re.sub(r"<[^>]+>", "[^/]+", re.escape(path).replace(r"\<", "<").replace(r"\>", ">")) + "$")
        assert any(pattern.match(p) for p in documented), f"{rule.rule} is not in openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(pattern.match(p) and method.lower() in doc["paths"][p] for p in documented), \
                f"{method} {rule.rule} is not in openapi.json"
    from hall.commands import COUNTER_ACTIONS

    for action in COUNTER_ACTIONS:
        assert f"/counters/{{number}}/{action}" in documented


def test_public_pages_render_in_chinese_and_english(client):
    assert "请选择您要办理的业务" in client.get("/kiosk").get_data(as_text=True)
    assert "Choose your business" in client.get("/kiosk?lang=en").get_data(as_text=True)
    assert "正在呼叫" in client.get("/lobby?lang=zh").get_data(as_text=True)


def test_staff_pages_redirect_to_login(client, clerk):
    r = client.get("/counter")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert clerk.get("/counter").status_code == 200
    assert clerk.get("/console").status_code == 403


def test_summary_counts_walk_service_segments_and_hold_separately(app, client, clerk, manager, clock):
    clerk4 = app.test_client()
    login(clerk4, "clerk4")
    t = client.post("/api/v1/tickets", json={"service": "A01"}).get_json()
    clerk.post("/api/v1/counters/1/call-next", json={})
    clock.advance(60)  # one minute to walk up
    clerk.post("/api/v1/counters/1/start", json={})
    clock.advance(120)  # two minutes of service, then the citizen fetches a document
    clerk.post("/api/v1/counters/1/hold", json={})
    clock.advance(300)  # five minutes away
    assert clerk4.post("/api/v1/counters/4/call", json={"number": t["number"]}).status_code == 200
    clock.advance(30)
    clerk4.post("/api/v1/counters/4/start", json={})
    clock.advance(180)
    clerk4.post("/api/v1/counters/4/finish", json={})
    s = manager.get("/api/v1/reports/summary").get_json()
    assert s["service_minutes_mean"] == 5.0  # both segments, the hold left out
    assert s["walk_minutes_mean"] == 0.75 and s["held"] == 1 and s["hold_minutes_mean"] == 5.0
    assert s["waiting_minutes_mean"] == 0.0  # waiting ends at the first call
