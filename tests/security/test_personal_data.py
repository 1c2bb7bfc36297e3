"""Issue 13, personal data: kept only as long as configured (the retention job), never written to the server's
log, and every unmasked view by a manager recorded in the audit log."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from hall.personal_data import RetentionJob
from tests.cases.test_backoffice import finish, staff_client
from tests.evaluator.test_ratings_api import evaluator, finish_case, rate  # noqa: F401  (fixture and helpers)
from tests.faults.realserver import staff_session
from tests.live import LiveServer, free_port

DAY = 86400
PHONE = "13812345678"
ID_NUMBER = "110101199003074518"


def closed_followup(client, clerk, manager, evaluator) -> str:  # noqa: F811
    ticket = finish_case(client, clerk)
    assert rate(client, evaluator, ticket["id"], 1).status_code == 201
    followup = manager.get("/api/v1/followups").get_json()["followups"][0]
    url = f"/api/v1/followups/{followup['id']}"
    assert manager.post(f"{url}/callback", json={"date": "2026-11-26", "contact": f"王女士 {PHONE}",
                                                  "said": f"身份证 {ID_NUMBER}，等太久"}).status_code == 200
    assert manager.post(f"{url}/close", json={"rectification": f"增开窗口，回电 {PHONE}"}).status_code == 200
    return url


def retention(ctx) -> RetentionJob:
    return RetentionJob(ctx.storage, ctx.service.clock, ctx.config.privacy, ctx.accounts.sessions)


def test_a_closed_follow_ups_contact_is_erased_after_the_retention_time(client, clerk, manager, evaluator, ctx,  # noqa: F811
                                                                      clock):
    url = closed_followup(client, clerk, manager, evaluator)
    job = retention(ctx)
    assert job.run().followups == 0  # still within [privacy] followup_contact_days
    assert manager.get(url).get_json()["callback_contact"] == f"王女士 {PHONE}"
    clock.advance((ctx.config.privacy.followup_contact_days + 1) * DAY)
    assert job.run().followups == 1
    kept = manager.get(url).get_json()
    assert kept["callback_contact"] is None and kept["callback_said"] is None
    assert kept["rectification"] == "增开窗口，回电 138****5678"  # the hall's own note stays, masked
    assert kept["state"] == "closed" and kept["closed_in_time"] is not None  # the report's facts stay
    assert job.run().followups == 0  # done once: later runs do not look at it again


def test_an_open_follow_up_keeps_its_contact(client, clerk, manager, evaluator, ctx, clock):  # noqa: F811
    ticket = finish_case(client, clerk)
    rate(client, evaluator, ticket["id"], 2)
    followup = manager.get("/api/v1/followups").get_json()["followups"][0]
    manager.post(f"/api/v1/followups/{followup['id']}/callback",
                 json={"date": "2026-11-26", "contact": PHONE, "said": "未接通"})
    clock.advance((ctx.config.privacy.followup_contact_days + 10) * DAY)
    retention(ctx).run()
    assert manager.get(f"/api/v1/followups/{followup['id']}").get_json()["callback_contact"] == PHONE


def test_case_notes_are_masked_after_their_retention_time(app, ctx, client, clerk, clock):
    finish(client, clerk, 1, service="B02")
    reviewer = staff_client(app, ctx, "zhoumin", ["backoffice"])
    case = reviewer.get("/api/v1/cases").get_json()["cases"][0]
    reviewer.post(f"/api/v1/cases/{case['id']}/review", json={"passed": False, "note": f"缺材料，联系 {PHONE}"})
    clock.advance((ctx.config.privacy.case_note_days + 1) * DAY)
    assert retention(ctx).run().cases == 1
    with ctx.storage.read() as db:
        note = db.execute("SELECT review_note FROM cases WHERE id = ?", [case["id"]]).fetchone()[0]
    assert note == "缺材料，联系 138****5678"


def test_the_retention_queries_are_bounded_by_their_indexes(ctx):
    with ctx.storage.read() as db:
        for sql in ("SELECT id FROM followups INDEXED BY followups_retention WHERE personal_erased_at IS NULL "
                    "AND state IN ('closed', 'voided') AND coalesce(closed_at, decided_at) < 1 LIMIT 5",
                    "SELECT id FROM cases INDEXED BY cases_retention WHERE notes_erased_at IS NULL AND state IN "
                    "('delivered', 'rejected') AND coalesce(delivered_at, approved_at, reviewed_at) < 1 LIMIT 5"):
            plan = " ".join(str(tuple(r)) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
            assert "SEARCH" in plan and "USING INDEX" in plan, plan  # a range of the index, never the table


def test_a_managers_unmasked_view_is_in_the_audit_log_and_a_clerks_masked_one_is_not(
        client, clerk, manager, evaluator, ctx):  # noqa: F811
    url = closed_followup(client, clerk, manager, evaluator)
    manager.get(url)
    manager.get("/api/v1/followups?state=all")
    clerk.get(url)
    entries = manager.get("/api/v1/admin/audit?action=personal_data").get_json()["entries"]
    assert [e["actor"] for e in entries] == ["manager", "manager"]
    assert entries[0]["target"].startswith("followup:") and "callback_contact" in entries[0]["after"]["fields"]


@pytest.fixture
def verbose_server(tmp_path: Path) -> Iterator[tuple[LiveServer, Callable[[], str]]]:
    """The demo hall with gunicorn's access log on (`serve --verbose`), and a function that stops it and
    returns everything it wrote: its log file and the access log (gunicorn writes that to stdout)."""
    server = LiveServer(tmp_path, free_port(), ["--verbose"]).start()
    server.read_banner()
    process = server.process
    assert process is not None and process.stdout is not None
    lines: list[bytes] = []
    drain = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, b"")), daemon=True)
    drain.start()

    def stop_and_read() -> str:
        process.terminate()
        process.wait(timeout=20)
        drain.join(timeout=20)  # the pipe's end: everything is read
        written = (tmp_path / "server.log").read_text(encoding="utf-8")
        return written + b"".join(lines).decode("utf-8", errors="replace")

    yield server, stop_and_read
    if process.poll() is None:
        stop_and_read()
    server.stop()


def test_the_server_log_holds_no_personal_data_or_ticket_token(verbose_server):
    live_server, stop_and_read = verbose_server
    base = live_server.url
    ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "A01", "print": False}, timeout=30).json()
    token = ticket["token"]
    for path in (f"/t/{token}", f"/api/v1/status/{token}", f"/kiosk/default/ticket/{token}",
                 f"/api/v1/kiosk/search?q={PHONE}", f"/api/v1/kiosk/search?q={ID_NUMBER}"):
        requests.get(f"{base}{path}", timeout=30)
    requests.post(f"{base}/api/v1/appointments/check-in", json={"code": "123456789012"}, timeout=30)
    manager = staff_session(base, "manager")
    manager.get(f"{base}/api/v1/followups?state=all", timeout=30)
    log = stop_and_read()
    assert "GET /t/…" in log  # the requests are logged …
    for secret in (token, PHONE, ID_NUMBER, "123456789012", manager.headers["Authorization"].split()[1]):
        assert secret not in log, secret  # … without what they carried
