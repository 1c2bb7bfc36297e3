"""Shipping a hall's log: stored once, acknowledged, resumed after an outage; bad input refused whole."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from hall.storage import outbox as outbox_store
from region.reports import check_rollups
from region.web.context import RegionContext

from .conftest import DemoHall


def _prefecture_counts(ctx: RegionContext, code: str) -> tuple[int, int, int]:
    """(events, distinct ids, acknowledged) of one hall at the prefecture."""
    with ctx.db.transaction() as conn:
        row = conn.execute("SELECT count(e.id) AS n, count(DISTINCT e.id) AS d, max(h.acknowledged) AS ack "
                           "FROM halls h LEFT JOIN events e ON e.hall = h.id WHERE h.code = %s", [code]).fetchone()
    return row["n"], row["d"], row["ack"]


def test_a_hall_ships_its_log_once_and_redelivery_stores_nothing_twice(demo_hall: DemoHall,
                                                                       region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(12)
    results = demo_hall.ship_all()
    assert results[-1].backlog == 0
    total = demo_hall.event_count()
    assert _prefecture_counts(region_ctx, "H001") == (total, total, total)

    # The acknowledgement got lost: the hall sends everything again from the start.
    with demo_hall.storage.write() as db:
        outbox_store.update_state(db, acknowledged=0)
    again = demo_hall.ship_all()
    assert again[-1].acknowledged == total
    assert _prefecture_counts(region_ctx, "H001") == (total, total, total)
    hall = region_ctx.halls.overview()[0]
    assert hall["acknowledged"] == total and hall["backlog"] == 0 and not hall["stale"]
    assert check_rollups(region_ctx.db, 1) == []


def test_a_wrong_hall_token_is_refused_with_401(region_client: FlaskClient, register) -> None:
    register("H009")
    response = region_client.post("/api/v1/ingest", json={"hall": "H009", "after": 0, "head": 0, "events": []},
                                  headers={"Authorization": "Bearer hall-not-the-token"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorised"
    assert region_client.post("/api/v1/ingest", json={}).status_code == 401


def test_a_malformed_batch_names_the_first_bad_record_and_stores_nothing(demo_hall: DemoHall,
                                                                         region_client: FlaskClient,
                                                                         region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(3)
    batch = demo_hall.outbox.build_batch(0)
    batch["events"][5]["at"] = "yesterday"
    response = region_client.post("/api/v1/ingest", data=json.dumps(batch), content_type="application/json",
                                  headers={"Authorization": f"Bearer {demo_hall.settings.token}"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["index"] == 5 and body["id"] == batch["events"][5]["id"]
    assert "events[5]" in body["message"] and "'at'" in body["message"]
    assert _prefecture_counts(region_ctx, "H001") == (0, 0, 0)

    # A record that only the database would catch (an unknown ticket) rolls the whole batch back too.
    batch = demo_hall.outbox.build_batch(0)
    batch["events"][3]["ticket"] = 999
    response = region_client.post("/api/v1/ingest", data=json.dumps(batch), content_type="application/json",
                                  headers={"Authorization": f"Bearer {demo_hall.settings.token}"})
    assert response.status_code == 422 and response.get_json()["index"] == 3
    assert _prefecture_counts(region_ctx, "H001") == (0, 0, 0)
    response = region_client.post("/api/v1/ingest", data=b"{not json", content_type="application/json",
                                  headers={"Authorization": f"Bearer {demo_hall.settings.token}"})
    assert response.status_code == 422


def test_the_hall_keeps_working_while_the_prefecture_is_down_and_catches_up(demo_hall: DemoHall,
                                                                            region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(2)
    demo_hall.ship_all()
    demo_hall.outbox.transport.down = True
    demo_hall.serve_citizens(20)
    failed = demo_hall.outbox.run_once()
    assert failed.status == "failed" and "unreachable" in failed.message
    status = demo_hall.outbox.status()
    assert status["failures"] == 1 and status["backlog"] > 0
    assert demo_hall.outbox.delay(3) > demo_hall.outbox.delay(0)  # backing off
    demo_hall.outbox.transport.down = False
    demo_hall.ship_all()
    total = demo_hall.event_count()
    assert _prefecture_counts(region_ctx, "H001") == (total, total, total)
    assert demo_hall.outbox.status()["failures"] == 0


def test_names_travel_with_the_events_that_mention_them(demo_hall: DemoHall, region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(1)
    demo_hall.ship_all()
    with demo_hall.storage.write() as db:
        db.execute("UPDATE staff SET display_name = '王芳' WHERE username = 'clerk1'")
    demo_hall.serve_citizens(1)
    demo_hall.ship_all()
    with region_ctx.db.transaction() as conn:
        staff = conn.execute("SELECT display_name, as_of FROM hall_staff WHERE username = 'clerk1'").fetchone()
        item = conn.execute("SELECT name_zh, item_key FROM hall_items").fetchall()
        counter = conn.execute("SELECT name FROM hall_counters WHERE number = 1").fetchone()
    assert staff["display_name"] == "王芳" and staff["as_of"] > 6
    assert [(i["item_key"], i["name_zh"]) for i in item] == [("A01", "单位参保登记")]
    assert counter["name"] == "1号窗口"
