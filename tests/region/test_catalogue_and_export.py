"""The catalogue standard reaches every hall in one transaction; the 好差评 export and its sender."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from hall.catalogue_sync import apply_version, set_item_enabled
from hall.demo import catalogue_document
from hall.domain.errors import InvalidInput
from region.errors import InvalidInput as RegionInvalidInput
from region.ratings_export import COLUMNS, as_csv, make_sender, send_pending
from region.web.context import RegionContext

from .conftest import DemoHall


def standard(extra_item: str | None = None, drop: str | None = None) -> dict:
    """The demo catalogue as a prefecture standard: item codes (事项编码) and versions on every item."""
    document = catalogue_document()
    items = [dict(i, item_code=f"11522300MB{n:05d}", item_version="1.0")
             for n, i in enumerate(document["items"]) if i["code"] != drop]
    if extra_item:
        items.append({**items[0], "code": extra_item, "item_code": "11522300MB99999",
                      "name": {"zh": "新增事项", "en": "New item"}})
    return {"categories": document["categories"], "items": items, "bundles": document["bundles"]}


def test_a_new_version_reaches_the_hall_and_is_applied_in_one_audited_transaction(demo_hall: DemoHall,
                                                                                region_ctx: RegionContext) -> None:
    version = region_ctx.catalogue.publish(standard(extra_item="G99", drop="F08"), "admin", "first standard")
    assert version == 1
    demo_hall.outbox.apply_catalogue = lambda doc: apply_version(demo_hall.storage, doc, demo_hall.clock)
    set_item_enabled(demo_hall.storage, demo_hall.clock, "manager", "A02", False)  # a local choice
    demo_hall.serve_citizens(1)
    demo_hall.ship_all()
    with demo_hall.storage.read() as db:
        rows = {r["code"]: dict(r) for r in db.execute("SELECT code, active, item_code FROM service_items")}
        audit = db.execute("SELECT action, target FROM audit_log ORDER BY id").fetchall()
    assert rows["A01"]["item_code"] == "11522300MB00000"
    assert rows["G99"]["active"] == 0  # new items arrive switched off until the hall enables them
    assert rows["F08"]["active"] == 0  # dropped from the standard
    assert rows["A02"]["active"] == 0  # the hall's own choice survives the new version
    assert ("catalogue.standard_applied", "version 1") in [tuple(a) for a in audit]
    demo_hall.ship_all()  # the next batch tells the prefecture which version the hall runs
    assert region_ctx.halls.overview()[0]["catalogue_version"] == 1
    with region_ctx.db.transaction() as conn:
        actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert "catalogue.published" in actions and "catalogue.applied_by_hall" in actions

    # Offline while two more versions are published: on reconnect the hall goes straight to the newest.
    demo_hall.outbox.transport.down = True
    region_ctx.catalogue.publish(standard(), "admin")
    region_ctx.catalogue.publish(standard(drop="A04"), "admin")
    assert demo_hall.outbox.run_once().status == "failed"
    demo_hall.outbox.transport.down = False
    demo_hall.ship_all()
    with demo_hall.storage.read() as db:
        assert db.execute("SELECT value FROM settings WHERE key = 'catalogue_version'").fetchone()[0] == "3"
        assert db.execute("SELECT active FROM service_items WHERE code = 'A04'").fetchone()[0] == 0


def test_a_malformed_standard_is_refused_and_changes_nothing(demo_hall: DemoHall, region_ctx: RegionContext) -> None:
    bad = standard()
    bad["items"][3]["category"] = "nowhere"
    with pytest.raises(RegionInvalidInput, match=r"items\[3\]"):
        region_ctx.catalogue.publish(bad, "admin")
    assert region_ctx.catalogue.latest() is None
    with pytest.raises(InvalidInput):
        apply_version(demo_hall.storage, {**bad, "version": 1}, demo_hall.clock)
    with demo_hall.storage.read() as db:
        assert db.execute("SELECT count(*) FROM service_items WHERE item_code IS NOT NULL").fetchone()[0] == 0


class _FakeProvince(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
        if type(self).fail:
            self.send_response(503)
            self.end_headers()
            return
        type(self).received += [json.loads(line) for line in body.splitlines()]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def province():
    server = HTTPServer(("127.0.0.1", 0), _FakeProvince)
    _FakeProvince.received, _FakeProvince.fail = [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/haocaiping"
    server.shutdown()
    server.server_close()


def test_ratings_go_to_the_provincial_endpoint_once_with_the_national_data_items(demo_hall: DemoHall,
                                                                                region_ctx: RegionContext,
                                                                                province: str) -> None:
    region_ctx.catalogue.publish(standard(), "admin")
    demo_hall.outbox.apply_catalogue = lambda doc: apply_version(demo_hall.storage, doc, demo_hall.clock)
    demo_hall.ship_all()  # the hall takes the standard (item codes) before it serves anyone
    demo_hall.serve_citizens(5)
    demo_hall.ship_all()
    _FakeProvince.fail = True
    failed = send_pending(region_ctx.db, make_sender(province))
    assert failed["sent"] == 0 and "503" in failed["error"]
    _FakeProvince.fail = False
    assert send_pending(region_ctx.db, make_sender(province))["sent"] == 5
    assert send_pending(region_ctx.db, make_sender(province))["sent"] == 0  # nothing twice
    record = _FakeProvince.received[0]
    day = demo_hall.service.today().replace("-", "")
    assert record["case_number"] == f"H001-{day}-A001"
    assert record["item_code"] == "11522300MB00000" and record["item_version"] == "1.0"
    assert record["level"] == 2 and record["level_name"] == "不满意"
    assert record["channel"] == "window_pad" and record["clerk"] == "clerk1" and record["clerk_name"] == "综合柜员 1"
    assert record["region_code"] == "522301" and record["department_code"] == "11522300"
    assert record["rated_at"].endswith("+08:00")
    assert {r["level_name"] for r in _FakeProvince.received[1:]} == {"非常满意"}
    rows = list(csv.reader(io.StringIO(as_csv(_FakeProvince.received).lstrip("\ufeff"))))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 6


def test_the_export_api_gives_json_lines_and_csv(demo_hall: DemoHall, region_ctx: RegionContext,
                                                 region_client) -> None:
    demo_hall.serve_citizens(3)
    demo_hall.ship_all()
    region_ctx.accounts.add_user("boss", "boss-password", ["manager"])
    region_client.post("/api/v1/login", json={"username": "boss", "password": "boss-password"})
    day = demo_hall.service.today()
    lines = region_client.get(f"/api/v1/ratings/export?from={day}&to={day}&format=jsonl").get_data(as_text=True)
    assert [json.loads(line)["case_number"][-4:] for line in lines.splitlines()] == ["A001", "A002", "A003"]
    text = region_client.get(f"/api/v1/ratings/export?from={day}&to={day}&format=csv").get_data(as_text=True)
    assert text.startswith("\ufeffcase_number,item_code") and len(text.splitlines()) == 4
    assert region_client.get(f"/api/v1/ratings/export?from={day}&to=x").status_code == 400
    assert date.fromisoformat(day)
