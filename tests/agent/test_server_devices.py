"""Devices attached to the server itself, run by the device owner: LED strips set in the console or in hall.toml,
an ID-card reader of a kiosk; and the sweep that gives up print jobs no printer took in time."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask

from drivers.led import Effect
from drivers.led_controller import LedTexts
from drivers.sim_idcard import SimulatedIdCardReader, sample_card
from drivers.sim_led import SimulatedLedBoards
from hall.config import Config, IdCardSettings, KioskSection, PrinterSection, PrintingSettings
from hall.domain.clock import FixedClock
from hall.storage import print_jobs
from hall.web.context import HallContext
from hall.web.extensions import socketio
from tests.conftest import login, received, running_hall

WAIT = 10.0


@pytest.fixture
def boards() -> Iterator[SimulatedLedBoards]:
    sim = SimulatedLedBoards([1, 2])
    yield sim
    sim.close()


def strips_idle(ctx: HallContext) -> None:
    assert ctx.owner is not None and ctx.owner.strips.wait_idle(WAIT)


def test_strips_set_in_the_console_and_in_hall_toml_follow_the_calls(config: Config, clock: FixedClock,
                                                                     boards: SimulatedLedBoards) -> None:
    configured = dataclasses.replace(config, led_displays=({"port": boards.port_path, "address": 2, "counter": 2},),
                                     led={"idle": "欢迎光临", "flash_seconds": 3})
    with running_hall(configured, clock) as app:
        ctx: HallContext = app.extensions["onewindow"]
        assert boards.wait_text(2, "欢迎光临", WAIT)  # counter 2's clerk is signed in: the hall's own idle text
        manager, clerk = app.test_client(), app.test_client()
        login(manager, "manager"), login(clerk, "clerk1")
        response = manager.put("/api/v1/admin/counters/1", json={"led": {"port": boards.port_path, "address": 1}})
        assert response.status_code == 200, response.get_json()
        assert boards.wait_text(1, "欢迎光临", WAIT)  # the console's strip, attached as soon as it was set
        kiosk = app.test_client()
        number = kiosk.post("/api/v1/tickets", json={"service": "A01"}).get_json()["number"]
        heard = len(boards.heard)
        assert clerk.post("/api/v1/counters/1/call-next", json={}).status_code == 200
        call = boards.wait_text(1, f"请{number}号到1号窗口", WAIT, after=heard)
        assert call is not None and call.content is not None and call.content.effect is Effect.FLASH
        clock.advance(5)
        assert clerk.post("/api/v1/counters/1/recall", json={}).status_code == 200
        strips_idle(ctx)
        controller = ctx.owner.strips.attached.strips.controller  # type: ignore[union-attr]
        assert controller.content("1") == call.content  # a recall within 5 s is merged: no new frame
        for action in ("start", "finish"):
            assert clerk.post(f"/api/v1/counters/1/{action}", json={}).status_code == 200
        assert boards.wait_text(1, "欢迎光临", WAIT, after=heard)
        assert clerk.post("/api/v1/counters/1/pause", json={"reason": "lunch"}).status_code == 200
        assert boards.wait_text(1, LedTexts().pause, WAIT, after=heard)
        statuses = {s["device"]: s["state"] for s in ctx.device_status.statuses()}
        assert statuses["led counter 1"] == statuses["led counter 2"] == "ok"


def test_a_reader_attached_to_the_server_swipes_at_its_kiosk(config: Config, clock: FixedClock) -> None:
    with SimulatedIdCardReader() as reader:
        configured = dataclasses.replace(config, id_card_readers=({"port": reader.port_path, "kiosk": "kiosk-1",
                                                                   "baudrate": 115200},),
                                         id_card=IdCardSettings(required_items=("A01",)))
        with running_hall(configured, clock) as app:
            ctx: HallContext = app.extensions["onewindow"]
            device, token = ctx.accounts.add_device("kiosk", kiosk="kiosk-1")
            page = socketio.test_client(app, namespace="/kiosk", auth={"kiosk": "kiosk-1", "device_token": token})
            public = socketio.test_client(app, namespace="/kiosk", auth={"kiosk": "kiosk-1"})
            other = socketio.test_client(app, namespace="/kiosk", auth={"kiosk": "kiosk-1", "device_token": "x"})
            [snapshot] = [m["args"][0] for m in received(other, "/kiosk", ctx, "snapshot")]
            assert snapshot["device_refused"] is True and snapshot["cards"] is False
            reader.place(sample_card())
            swipe = None
            for _ in range(50):  # the feed publishes the swipe; each turn waits for the live channel to go idle
                ctx.feed.wait_until(_last_event(ctx), WAIT)
                swipes = [m["args"][0] for m in received(page, "/kiosk", ctx, "card_swiped")]
                if swipes:
                    swipe = swipes[0]
                    break
                reader.wait_for(lambda command: True, WAIT, after=len(reader.heard))
            assert swipe is not None and swipe["name"] == "张*"
            assert not received(public, "/kiosk", ctx, "card_swiped")
            kiosk = app.test_client()
            refused = kiosk.post("/api/v1/tickets", json={"service": "A01", "kiosk": "kiosk-1"})
            assert refused.status_code == 409 and refused.get_json()["error"] == "id_card_required"
            taken = kiosk.post("/api/v1/tickets", json={"service": "A01", "kiosk": "kiosk-1", "swipe": swipe["swipe"]})
            assert taken.status_code == 201
            assert {s["device"]: s["state"] for s in ctx.device_status.statuses()}["idcard:kiosk-1"] == "ok"


def _last_event(ctx: HallContext) -> int:
    with ctx.storage.read() as db:
        return int(db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def test_jobs_no_printer_took_are_given_up_once_and_logged(config: Config, clock: FixedClock) -> None:
    configured = dataclasses.replace(config, kiosks=(KioskSection("kiosk-1", printer=PrinterSection("agent")),),
                                     printing=PrintingSettings(give_up_seconds=30))
    with running_hall(configured, clock) as app:
        ctx: HallContext = app.extensions["onewindow"]
        kiosk = app.test_client()
        ticket = kiosk.post("/api/v1/tickets", json={"service": "A01", "kiosk": "kiosk-1"}).get_json()
        assert ticket["print"]["state"] == "pending" and ticket["print"]["printer"] == "printer:kiosk-1"
        assert ctx.device_status.state_of("printer:kiosk-1")["state"] == "offline"  # no agent yet
        assert ctx.owner is not None
        assert ctx.owner.give_up.sweep() == 0
        clock.advance(31)
        assert ctx.owner.give_up.sweep() == 1
        assert ctx.owner.give_up.sweep() == 0
        with ctx.storage.read() as db:
            job = print_jobs.latest_of_ticket(db, ticket["id"])
            noted = [e["data"] for e in db.execute("SELECT data FROM events WHERE type = 'print_failed'")]
        assert job["state"] == "failed" and job["error"] == "not printed within 30 s"
        assert len(noted) == 1 and '"given_up": true' in noted[0]
        reprint = kiosk.post("/api/v1/kiosk/reprint", json={"token": ticket["token"]})
        assert reprint.status_code == 202 and reprint.get_json()["print"]["state"] == "pending"


def test_a_reprint_supersedes_the_job_still_waiting_for_its_printer(app: Flask, config: Config) -> None:
    ctx: HallContext = app.extensions["onewindow"]
    manager = app.test_client()
    login(manager, "manager")
    ticket = app.test_client().post("/api/v1/tickets", json={"service": "A01"}).get_json()
    with ctx.storage.write() as db:  # as if the printer had not taken it yet
        db.execute("UPDATE print_jobs SET state = 'queued', taken_by = NULL WHERE ticket = ?", [ticket["id"]])
        ctx.commands.reprint(ctx.service.ticket(ticket["id"]), "zh", by="manager")
        states = [r[0] for r in db.execute("SELECT state FROM print_jobs WHERE ticket = ? ORDER BY id", [ticket["id"]])]
    assert states in (["failed", "queued"], ["failed", "sent"], ["failed", "printed"])
