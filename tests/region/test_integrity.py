"""Tamper evidence and histories: the rating chain is verified on ingest; a restored hall is caught, not mixed."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from flask.testing import FlaskClient

from hall import rating_chain
from hall.config import HallSettings
from hall.domain.events import EventBus
from hall.domain.routing import make_policy
from hall.outbox import Outbox
from hall.service import HallService
from hall.storage import open_storage
from region.ratings_export import ratings_of_days
from region.web.context import RegionContext

from .conftest import DemoHall


def _problems(ctx: RegionContext) -> list[dict]:
    with ctx.db.transaction() as conn:
        return conn.execute("SELECT kind, ticket, detail FROM chain_problems ORDER BY id").fetchall()


def test_an_intact_chain_verifies_and_every_rating_is_exported(demo_hall: DemoHall, region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(9)
    demo_hall.ship_all()
    assert _problems(region_ctx) == []
    day = date.fromisoformat(demo_hall.service.today())
    found = ratings_of_days(region_ctx.db, day, day)
    assert len(found["records"]) == 9 and found["held"] == []
    with demo_hall.storage.read() as db:
        seq, head = db.execute("SELECT seq, hash FROM rating_chain ORDER BY seq DESC LIMIT 1").fetchone()
    assert region_ctx.halls.overview()[0]["chain_problems"] == 0
    with region_ctx.db.transaction() as conn:
        hall = conn.execute("SELECT chain_seq, chain_hash FROM halls").fetchone()
    assert (hall["chain_seq"], hall["chain_hash"]) == (seq, head)


def test_a_rating_edited_in_the_hall_database_is_flagged_and_held_back(demo_hall: DemoHall,
                                                                     region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(8)  # ticket 1 and 8 are rated 2 (every seventh), the others 5
    with demo_hall.storage.write() as db:
        db.execute("DROP TRIGGER ratings_no_update")
        db.execute("UPDATE ratings SET score = 5 WHERE score = 2")  # "re-pushed as 5"
    demo_hall.ship_all()
    problems = _problems(region_ctx)
    assert {p["kind"] for p in problems} == {"edited"}
    assert sorted({p["ticket"] for p in problems}) == [1, 8]
    day = date.fromisoformat(demo_hall.service.today())
    found = ratings_of_days(region_ctx.db, day, day)
    assert len(found["records"]) == 6
    assert [h["case_number"].endswith(("A001", "A008")) for h in found["held"]] == [True, True]
    assert all("edited" in h["problem"] for h in found["held"])
    assert region_ctx.halls.overview()[0]["chain_problems"] == len(problems)


def test_a_rating_dropped_before_upload_leaves_a_gap_in_the_chain(demo_hall: DemoHall, region_client: FlaskClient,
                                                                 region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(4)
    batch = demo_hall.outbox.build_batch(0)
    dropped = next(e for e in batch["events"] if e["type"] == "rated" and e["ticket"] == 2)
    batch["events"].remove(dropped)
    batch["ratings"] = [r for r in batch["ratings"] if r["ticket"] != 2]
    response = region_client.post("/api/v1/ingest", data=json.dumps(batch), content_type="application/json",
                                  headers={"Authorization": f"Bearer {demo_hall.settings.token}"})
    assert response.status_code == 200
    problems = _problems(region_ctx)
    assert [(p["kind"], p["ticket"]) for p in problems] == [("gap", 3)]
    assert "missing" in problems[0]["detail"]


def test_the_chain_links_every_rating_in_order() -> None:
    first = {"ticket": 1, "score": 5, "unrated": 0, "counter": 1, "staff": "clerk1", "at": 10.5, "reasons": "[]"}
    second = {"ticket": 2, "score": None, "unrated": 1, "counter": 2, "staff": None, "at": 11.0, "reasons": []}
    h1 = rating_chain.link_hash(rating_chain.GENESIS, first)
    h2 = rating_chain.link_hash(h1, second)
    links = [{**first, "seq": 1, "prev": rating_chain.GENESIS, "hash": h1},
             {**second, "seq": 2, "prev": h1, "hash": h2}]
    assert rating_chain.verify(links, 0, rating_chain.GENESIS) == ([], 2, h2)
    edited = [links[0], {**links[1], "staff": "clerk9"}]
    assert [p["kind"] for p in rating_chain.verify(edited, 0, rating_chain.GENESIS)[0]] == ["edited"]


def test_a_hall_restored_from_an_older_backup_is_refused_not_mixed(demo_hall: DemoHall, tmp_path: Path,
                                                                  region_ctx: RegionContext) -> None:
    demo_hall.serve_citizens(3)
    demo_hall.ship_all()
    backup = tmp_path / "backup.db"
    demo_hall.storage.backup(backup)
    demo_hall.serve_citizens(3)
    demo_hall.ship_all()
    shipped = demo_hall.event_count()

    # The hall's disk dies; its database comes back from the older backup.
    demo_hall.storage.close()
    shutil.copy(backup, tmp_path / "hall.db")
    demo_hall.storage = open_storage(tmp_path / "hall.db")
    demo_hall.service = HallService(demo_hall.storage, HallSettings(), make_policy("one-window", 1800),
                                    demo_hall.clock, EventBus())
    outbox = Outbox(demo_hall.storage, demo_hall.settings, demo_hall.service.hall, demo_hall.clock,
                    transport=demo_hall.outbox.transport)
    result = outbox.run_once()
    assert result.status == "diverged" and "older backup" in result.message
    demo_hall.serve_citizens(5)  # new events reuse ids the prefecture already holds
    result = outbox.run_once()
    assert result.status == "diverged"
    assert outbox.status()["diverged"]
    with region_ctx.db.transaction() as conn:
        assert conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"] == shipped
    overview = region_ctx.halls.overview()[0]
    assert overview["diverged"] and "older backup" in overview["diverged"]
