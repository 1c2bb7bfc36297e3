"""An agent's session on the server, with a recording link in place of the socket: delivery, answers, drops."""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hall.config import Config, KioskSection, PrinterSection
from hall.devices.agent_session import AgentHall, AgentIdentity, AgentSession
from hall.devices.idcards import CardDesk
from hall.devices.wire import DeviceDeclaration, layout_from_wire
from hall.domain.clock import FixedClock
from hall.storage import print_jobs
from hall.web.context import HallContext
from tests.conftest import running_hall

WAIT = 10.0


class FakeLink:
    """Records what the session sends; the test answers print jobs by hand."""

    name = "kiosk-pc-1"

    def __init__(self) -> None:
        self.sent: queue.Queue[tuple[str, dict[str, Any], Callable[..., None] | None]] = queue.Queue()
        self.open = True

    def send(self, event: str, payload: dict[str, Any], callback: Callable[..., None] | None = None) -> bool:
        if not self.open:
            return False
        self.sent.put((event, payload, callback))
        return True

    def next(self, event: str) -> tuple[dict[str, Any], Callable[..., None] | None]:
        while True:
            name, payload, callback = self.sent.get(timeout=WAIT)
            if name == event:
                return payload, callback


@pytest.fixture
def ctx(config: Config, clock: FixedClock) -> Iterator[HallContext]:
    configured = dataclasses.replace(config, kiosks=(KioskSection("kiosk-1", printer=PrinterSection("agent")),))
    with running_hall(configured, clock) as app:
        yield app.extensions["onewindow"]


def session(ctx: HallContext, link: FakeLink) -> AgentSession:
    device, _ = ctx.accounts.add_device("agent", kiosk="kiosk-1", name="kiosk-pc-1")
    hall = AgentHall(ctx.config, ctx.commands, ctx.catalogue, ctx.device_status, CardDesk(ctx.service, b"k" * 32, 60))
    agent_session = AgentSession(AgentIdentity(device.id, "kiosk-pc-1", kiosk="kiosk-1"), link, hall)
    assert agent_session.accept([DeviceDeclaration("printer", kiosk="kiosk-1")]) == []
    return agent_session


def job_of(ctx: HallContext, ticket: int) -> dict[str, Any]:
    with ctx.storage.read() as db:
        job = print_jobs.latest_of_ticket(db, ticket)
    assert job is not None
    return job


def wait_state(ctx: HallContext, ticket: int, state: str) -> dict[str, Any]:
    """The ticket's job once the station recorded *state* (the station's done-condition, not a sleep)."""
    assert ctx.owner is not None
    done = threading.Event()
    unsubscribe = ctx.bus.subscribe(lambda event: done.set())
    try:
        while job_of(ctx, ticket)["state"] != state:
            assert done.wait(WAIT), f"ticket {ticket}'s job never became {state}"
            done.clear()
    finally:
        unsubscribe()
    return job_of(ctx, ticket)


def test_a_job_goes_to_the_agent_with_its_layout_and_is_printed_when_the_agent_answers(ctx: HallContext) -> None:
    link = FakeLink()
    agent_session = session(ctx, link)
    agent_session.start()
    try:
        ticket = ctx.commands.issue_ticket(dataclasses.replace(_request(), kiosk="kiosk-1"))
        agent_session.on_event(_issued())
        payload, answer = link.next("print")
        layout = layout_from_wire(payload["layout"])
        assert payload["printer"] == "printer:kiosk-1" and layout.number == ticket.number
        assert job_of(ctx, ticket.id)["state"] == "sent"
        assert answer is not None
        answer({"ok": True, "error": None})
        wait_state(ctx, ticket.id, "printed")
        assert agent_session.status("printer", port=None, address=None, kiosk="kiosk-1", state="paper_out",
                                    message="printer is out of paper")
        row = ctx.device_status.state_of("printer:kiosk-1")
        assert row is not None and (row["state"], row["agent"]) == ("paper_out", "kiosk-pc-1")
        assert not agent_session.status("printer", port=None, address=None, kiosk="kiosk-9", state="ok", message="")
    finally:
        agent_session.close(offline="agent kiosk-pc-1: disconnected")
    assert ctx.device_status.state_of("printer:kiosk-1")["state"] == "offline"


def test_a_job_in_flight_when_the_agent_goes_is_queued_again_and_delivered_to_the_next_session_once(
        ctx: HallContext) -> None:
    link = FakeLink()
    first = session(ctx, link)
    first.start()
    ticket = ctx.commands.issue_ticket(dataclasses.replace(_request(), kiosk="kiosk-1"))
    first.on_event(_issued())
    _, late_answer = link.next("print")
    link.open = False
    first.close(offline=None)
    job = job_of(ctx, ticket.id)
    assert (job["state"], job["attempts"], job["taken_by"]) == ("queued", 1, None)
    assert late_answer is not None
    late_answer({"ok": True, "error": None})  # an answer after the drop changes nothing: the job waits for a printer
    assert job_of(ctx, ticket.id)["state"] == "queued"

    again = FakeLink()
    second = AgentSession(first.agent, again, first.hall)
    second.accept([DeviceDeclaration("printer", kiosk="kiosk-1")])
    second.start()
    try:
        payload, answer = again.next("print")
        assert payload["job"] == job["id"] and answer is not None
        answer({"ok": False, "error": "printer is out of paper"})
        failed = wait_state(ctx, ticket.id, "failed")
        assert failed["attempts"] == 2 and failed["error"] == "printer is out of paper"
    finally:
        second.close(offline=None)


def _request():
    from hall.commands import TicketRequest

    return TicketRequest(service="A01")


def _issued():
    from hall.domain.events import TicketIssued

    return TicketIssued(event_id=0, at=0.0)
