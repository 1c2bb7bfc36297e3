"""ID cards swiped on a kiosk PC's reader through its agent: the kiosk page hears it, one open ticket per person
and item, and nothing of the card but a keyed hash and masked forms is kept, logged or shown in public."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date

import pytest
import requests

from drivers.idcard import FIND_CARD
from drivers.sim_idcard import SimulatedIdCardReader, sample_card
from tests.agent.harness import WAIT, AgentProcess, Console, KioskPage, agent_toml, register
from tests.faults.realserver import staff_session
from tests.live import LiveServer

CARD = sample_card()  # 张三, 53230119900307123X-like number with a valid check character


@pytest.fixture
def reader() -> Iterator[SimulatedIdCardReader]:
    sim = SimulatedIdCardReader()
    yield sim
    sim.close()


@pytest.fixture
def agent(server: LiveServer, reader: SimulatedIdCardReader) -> Iterator[AgentProcess]:
    token = register(server, "agent", "--kiosk", "kiosk-1", "--name", "kiosk-pc-1")
    process = AgentProcess(server.workdir, server.url, token, agent_toml("kiosk-pc-1", f"""
[[id_card_readers]]
kiosk = "kiosk-1"
port = "{reader.port_path}"
"""))
    yield process
    process.stop()


def swipe(page: KioskPage, reader: SimulatedIdCardReader, card=CARD) -> dict:
    """Lay the card on the reader, take it away once the kiosk page heard of it; what the page heard."""
    reader.place(card)
    data, _ = page.wait_for("card_swiped", timeout=WAIT)
    reader.remove()
    # The reader counts the card as gone after two polls that find none: wait for three.
    for _ in range(3):
        polled = len(reader.heard)
        assert reader.wait_for(lambda command: command.code == FIND_CARD, WAIT, after=polled) is not None
    return data


def take(server: LiveServer, **body: object) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/tickets", json={"kiosk": "kiosk-1", **body}, timeout=30)


def test_a_swipe_reaches_the_kiosk_page_and_takes_one_ticket_per_person_and_item(
        server: LiveServer, reader: SimulatedIdCardReader, agent: AgentProcess) -> None:
    kiosk_token = register(server, "kiosk", "--kiosk", "kiosk-1")
    page = KioskPage(server.url, device_token=kiosk_token)
    public = KioskPage(server.url)
    console = Console(server.url)
    agent.start()
    console.wait_device("idcard:kiosk-1", "ok")

    needed = take(server, service="A02")  # this hall takes A02 only with an ID card
    assert needed.status_code == 409 and needed.json()["error"] == "id_card_required"

    first = swipe(page, reader)
    assert first["name"] == "张*" and first["swipe"] and 0 < first["expires_in"] <= 60
    ticket = take(server, service="A02", swipe=first["swipe"])
    assert ticket.status_code == 201, ticket.text
    ticket = ticket.json()
    used = take(server, service="A01", swipe=first["swipe"])  # one ticket per swipe: the next citizen starts afresh
    assert used.status_code == 409 and used.json()["error"] == "swipe_expired"

    second = swipe(page, reader)
    assert second["swipe"] != first["swipe"]
    again = take(server, service="A02", swipe=second["swipe"])
    assert again.status_code == 409 and again.json()["error"] == "already_has_ticket"
    assert again.json()["details"]["number"] == ticket["number"]
    reprint = requests.post(f"{server.url}/api/v1/kiosk/reprint", timeout=30,
                            json={"swipe": second["swipe"], "kiosk": "kiosk-1", "service": "A02"})
    assert reprint.status_code == 202, reprint.text
    assert reprint.json()["number"] == ticket["number"] and reprint.json()["token"] == ticket["token"]
    # The public page hears the reprint queued on its printer, and heard none of the swipes before it.
    _, heard = public.wait_for("print_update", lambda d: d["ticket"] == ticket["id"], timeout=WAIT)
    assert "card_swiped" not in [name for name, _ in heard]
    another = swipe(page, reader)
    other_kiosk = take(server, service="A01", swipe=another["swipe"], kiosk="kiosk-2")
    assert other_kiosk.status_code == 409 and other_kiosk.json()["error"] == "swipe_expired"
    assert take(server, service="A01", swipe=another["swipe"]).status_code == 201  # another item: another ticket

    # Once the ticket is served, the person may take a new one for the same item.
    clerk = staff_session(server.url, "clerk1")
    called = clerk.post(f"{server.url}/api/v1/counters/1/call-next", json={}, timeout=30).json()["ticket"]
    assert called["number"] == ticket["number"]
    for action in ("start", "finish"):
        assert clerk.post(f"{server.url}/api/v1/counters/1/{action}", json={}, timeout=30).status_code == 200
    third = swipe(page, reader)
    assert take(server, service="A02", swipe=third["swipe"]).status_code == 201

    expired = swipe(page, reader, sample_card(valid_until=date(2020, 1, 1)))
    assert expired == {**expired, "swipe": None, "refused": "expired"}

    with sqlite3.connect(server.db) as db:
        row = db.execute("SELECT person_hash, person_id_masked, person_name_masked FROM tickets WHERE id = ?",
                         [ticket["id"]]).fetchone()
    assert len(row[0]) == 64 and row[1] == CARD.id_number[:4] + "*" * 10 + CARD.id_number[-4:] and row[2] == "张*"
    public_view = requests.get(f"{server.url}/api/v1/tickets/{ticket['id']}", timeout=30).text
    assert "张" not in public_view and CARD.id_number[-4:] not in public_view
    page.close(), public.close(), console.close()

    # Nothing of the card in full anywhere: database, server and agent logs, the agent's journal.
    agent.stop()
    for path in server.workdir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CARD.id_number.encode() not in data, path
            assert "张三".encode() not in data and "张三".encode("utf-16-le") not in data, path
