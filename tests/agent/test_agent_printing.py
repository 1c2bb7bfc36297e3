"""Tickets printed on a kiosk PC's printer through a real agent process and a real server: once, whatever dies."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from agent.host import INTERRUPTED
from drivers.sim_printer import SimulatedSerialPrinter
from tests.agent.harness import (
    WAIT,
    AgentProcess,
    Console,
    KioskPage,
    agent_toml,
    hall_server,
    printer_toml,
    register,
)
from tests.faults.realserver import staff_session
from tests.live import LiveServer


def print_state(server: LiveServer, ticket_id: int) -> str:
    """The print state of a ticket as the console reads it (tickets by id are for staff only)."""
    manager = staff_session(server.url, "manager")
    return manager.get(f"{server.url}/api/v1/tickets/{ticket_id}", timeout=30).json()["print"]["state"]


@pytest.fixture
def printer() -> Iterator[SimulatedSerialPrinter]:
    sim = SimulatedSerialPrinter()
    yield sim
    sim.close()


def kiosk_agent(server: LiveServer, port: str) -> AgentProcess:
    token = register(server, "agent", "--kiosk", "kiosk-1", "--name", "kiosk-pc-1")
    return AgentProcess(server.workdir, server.url, token, agent_toml("kiosk-pc-1", printer_toml(port)))


def take(server: LiveServer, service: str = "A01") -> dict:
    response = requests.post(f"{server.url}/api/v1/tickets", json={"service": service, "kiosk": "kiosk-1"}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def job_rows(server: LiveServer, ticket: int) -> list[dict]:
    with sqlite3.connect(server.db) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM print_jobs WHERE ticket = ? ORDER BY id", [ticket])]


def journal(agent: AgentProcess) -> dict[int, str]:
    """What the agent's journal says of each job."""
    with sqlite3.connect(agent.workdir / f"state-{agent.name}" / "agent-journal.db") as db:
        return dict(db.execute("SELECT job, state FROM jobs ORDER BY job").fetchall())


@pytest.fixture
def agent(server: LiveServer, printer: SimulatedSerialPrinter) -> Iterator[AgentProcess]:
    process = kiosk_agent(server, printer.port_path)
    yield process
    process.stop()
    if os.environ.get("CI"):
        print(process.log_text()[-3000:])


def test_a_ticket_prints_on_the_kiosk_pc_and_the_console_shows_the_printer_its_agent_and_when_seen(
        server: LiveServer, printer: SimulatedSerialPrinter, agent: AgentProcess) -> None:
    console = Console(server.url)
    page = KioskPage(server.url)
    agent.start()
    assert page.wait_printer("ok")["device"] == "printer:kiosk-1"
    row = console.wait_device("printer:kiosk-1", "ok")
    assert row["agent"] == "kiosk-pc-1" and row["seen_at"] > 0
    console.wait_device("agent kiosk-pc-1", "ok")

    ticket = take(server)
    page.wait_print(ticket["id"], "printed")
    assert printer.wait_tickets(1, WAIT) and printer.ticket_numbers() == [ticket["number"]]
    [job] = job_rows(server, ticket["id"])
    assert job["state"] == "printed" and job["attempts"] == 1 and job["taken_by"]
    assert print_state(server, ticket["id"]) == "printed"
    assert journal(agent) == {job["id"]: "printed"}

    agent.stop()  # a clean stop: the console says the agent and its printer went away
    console.wait_device("printer:kiosk-1", "offline")
    console.wait_device("agent kiosk-pc-1", "offline")
    console.close(), page.close()


def test_kill_9_of_the_agent_in_the_middle_of_a_print_prints_the_ticket_once_after_the_restart(
        server: LiveServer, printer: SimulatedSerialPrinter, agent: AgentProcess) -> None:
    page = KioskPage(server.url)
    agent.start()
    page.wait_printer("ok")
    asked = printer.queries
    printer.hold_answers()  # the printer is slow to answer: the agent is inside the job
    ticket = take(server)
    assert printer.wait_queries(asked + 1, WAIT)
    agent.kill()
    assert job_rows(server, ticket["id"])[0]["state"] in ("sent", "queued")  # queued again once the server noticed
    printer.release()
    agent.start()
    page.wait_print(ticket["id"], "printed")
    assert printer.wait_tickets(1, WAIT)
    [job] = job_rows(server, ticket["id"])
    assert job["state"] == "printed" and job["attempts"] == 2  # delivered again, once
    assert printer.ticket_numbers() == [ticket["number"]]
    assert journal(agent) == {job["id"]: "printed"}
    page.close()


def test_kill_9_of_the_agent_just_after_the_printer_took_the_bytes_never_prints_a_second_paper(
        server: LiveServer, printer: SimulatedSerialPrinter, agent: AgentProcess) -> None:
    page = KioskPage(server.url)
    agent.start()
    page.wait_printer("ok")
    ticket = take(server)
    assert printer.wait_tickets(1, WAIT)
    agent.kill()  # the answer may or may not have reached the server, the journal may say "sending": one paper
    agent.start()
    update, _ = page.wait_for("print_update", lambda d: d["ticket"] == ticket["id"] and d["result"] != "print_queued",
                              timeout=WAIT)
    second = take(server)  # the restarted agent prints on: the next ticket proves the first was not printed again
    page.wait_print(second["id"], "printed")
    assert printer.wait_tickets(2, WAIT)
    assert printer.ticket_numbers() == [ticket["number"], second["number"]]
    [job] = job_rows(server, ticket["id"])
    if update["result"] == "print_failed":  # killed between the bytes and the journal: a reprint is offered
        assert job["state"] == "failed" and update["error"] == INTERRUPTED
    else:
        assert job["state"] == "printed"
    page.close()


def test_the_server_killed_while_the_printer_works_the_job_is_delivered_again_and_not_printed_twice(
        server: LiveServer, printer: SimulatedSerialPrinter, agent: AgentProcess) -> None:
    page = KioskPage(server.url)
    agent.start()
    page.wait_printer("ok")
    asked = printer.queries
    printer.hold_answers()
    ticket = take(server)
    assert printer.wait_queries(asked + 1, WAIT)
    server.kill()  # kill -9 of master and worker: the agent's answer will find nobody
    printer.release()
    assert printer.wait_tickets(1, WAIT)  # the agent printed the job it had, and remembers it
    server.start()  # the same database: the job is still "sent" to a dead process
    page.close()
    page = KioskPage(server.url)
    page.wait_print(ticket["id"], "printed")
    [job] = job_rows(server, ticket["id"])
    assert job["state"] == "printed" and job["attempts"] == 2
    assert printer.ticket_numbers() == [ticket["number"]]  # delivered twice, printed once
    assert "was printed before; not again" in agent.log_text()
    page.close()


def test_tickets_taken_while_the_agent_is_away_print_when_it_connects(
        server: LiveServer, printer: SimulatedSerialPrinter, agent: AgentProcess) -> None:
    page = KioskPage(server.url)
    assert page.wait_printer("offline")["device"] == "printer:kiosk-1"  # nobody has connected yet
    first, second = take(server), take(server)
    assert [r["state"] for r in job_rows(server, first["id"]) + job_rows(server, second["id"])] == ["queued"] * 2
    agent.start()
    page.wait_print(first["id"], "printed")
    page.wait_print(second["id"], "printed")
    assert printer.wait_tickets(2, WAIT)
    assert printer.ticket_numbers() == [first["number"], second["number"]]
    page.close()


def test_a_printer_fault_reaches_the_kiosk_page_and_the_ticket_is_reprinted_when_it_is_fixed(
        server: LiveServer, printer: SimulatedSerialPrinter, agent: AgentProcess) -> None:
    page = KioskPage(server.url)
    console = Console(server.url)
    agent.start()
    page.wait_printer("ok")
    printer.fault = "paper_out"
    assert page.wait_printer("paper_out")["message"] == "printer is out of paper"  # found by the idle check
    console.wait_device("printer:kiosk-1", "paper_out")
    ticket = take(server)
    update = page.wait_print(ticket["id"], "print_failed")
    assert update["error"] == "printer is out of paper"
    assert print_state(server, ticket["id"]) == "failed"
    printer.fault = None
    page.wait_printer("ok")
    again = requests.post(f"{server.url}/api/v1/kiosk/reprint", json={"token": ticket["token"]}, timeout=30)
    assert again.status_code == 202, again.text
    page.wait_print(ticket["id"], "printed")
    assert printer.wait_tickets(1, WAIT) and printer.ticket_numbers() == [ticket["number"]]
    page.close(), console.close()


def test_the_printer_unplugged_is_offline_and_replugged_prints_again(
        server: LiveServer, agent: AgentProcess, tmp_path: Path) -> None:
    link = str(tmp_path / "ttyPRINTER")
    first = SimulatedSerialPrinter()
    os.symlink(first.port_path, link)
    agent.toml = agent_toml("kiosk-pc-1", printer_toml(link))
    page = KioskPage(server.url)
    agent.start()
    page.wait_printer("ok")
    first.close()  # the USB cable pulled out
    assert page.wait_printer("offline")["message"]  # "not reachable", or no answer if it went in mid-check
    with SimulatedSerialPrinter() as second:
        os.symlink(second.port_path, link + ".new")
        os.replace(link + ".new", link)  # plugged in again: udev points the name at the new tty
        page.wait_printer("ok")
        ticket = take(server)
        page.wait_print(ticket["id"], "printed")
        assert second.wait_tickets(1, WAIT) and second.ticket_numbers() == [ticket["number"]]
    page.close()


def test_a_job_no_printer_took_in_time_is_given_up_and_its_reprint_prints_once(
        tmp_path: Path, printer: SimulatedSerialPrinter) -> None:
    server = hall_server(tmp_path, give_up=5)
    agent = kiosk_agent(server, printer.port_path)
    try:
        page = KioskPage(server.url)
        ticket = take(server)
        update = page.wait_print(ticket["id"], "print_failed")
        assert update["error"] == "not printed within 5 s"
        [job] = job_rows(server, ticket["id"])
        assert job["state"] == "failed" and job["given_up_at"] is not None
        console = Console(server.url)  # the managers' live hall marks it, beside its Reprint button
        snapshot, _ = console.wait_for("snapshot", timeout=WAIT)
        assert [(t["number"], t["print_failed"]) for t in snapshot["live"]["tickets"]] == [(ticket["number"], True)]
        console.close()
        manager = staff_session(server.url, "manager")
        reprint = manager.post(f"{server.url}/api/v1/tickets/{ticket['id']}/reprint", json={}, timeout=30)
        assert reprint.status_code == 202
        agent.start()
        page.wait_print(ticket["id"], "printed")
        assert printer.wait_tickets(1, WAIT) and printer.ticket_numbers() == [ticket["number"]]
        assert [r["state"] for r in job_rows(server, ticket["id"])] == ["failed", "printed"]
        page.close()
    finally:
        agent.stop()
        server.stop()
