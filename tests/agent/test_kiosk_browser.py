"""The kiosk page in Chromium, with its PC's printer and ID-card reader on the agent: a swipe greets the citizen
by masked name and takes the ticket, a second swipe offers the reprint, a printer fault shows on the screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.idcard import FIND_CARD
from drivers.sim_idcard import SimulatedIdCardReader, sample_card
from drivers.sim_printer import SimulatedSerialPrinter
from tests.agent.harness import WAIT, AgentProcess, KioskPage, agent_toml, printer_toml, register
from tests.live import LiveServer, screenshot_dir

MS = int(WAIT * 1000)


@pytest.fixture
def devices() -> Iterator[tuple[SimulatedSerialPrinter, SimulatedIdCardReader]]:
    printer, reader = SimulatedSerialPrinter(), SimulatedIdCardReader()
    yield printer, reader
    printer.close()
    reader.close()


def lay_card(reader: SimulatedIdCardReader, page) -> None:
    """Place the card, wait for the kiosk page to greet it, take the card away (and let the reader see that)."""
    page.locator("html[data-kiosk-live=cards]").wait_for(state="attached", timeout=MS)
    reader.place(sample_card())
    page.locator("#card-banner").get_by_text("张*").wait_for(timeout=MS)
    reader.remove()
    for _ in range(3):
        polled = len(reader.heard)
        assert reader.wait_for(lambda command: command.code == FIND_CARD, WAIT, after=polled) is not None


@pytest.mark.e2e
def test_the_kiosk_page_takes_a_ticket_with_a_swipe_offers_the_reprint_and_shows_a_printer_fault(
        server: LiveServer, devices, browser) -> None:
    printer, reader = devices
    token = register(server, "agent", "--kiosk", "kiosk-1", "--name", "kiosk-pc-1")
    reader_toml = f'[[id_card_readers]]\nkiosk = "kiosk-1"\nport = "{reader.port_path}"\n'
    devices_toml = printer_toml(printer.port_path) + reader_toml
    agent = AgentProcess(server.workdir, server.url, token, agent_toml("kiosk-pc-1", devices_toml))
    kiosk_token = register(server, "kiosk", "--kiosk", "kiosk-1")
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    watcher = KioskPage(server.url)
    try:
        agent.start()
        watcher.wait_printer("ok")
        page.goto(f"{server.url}/kiosk/kiosk-1?device_token={kiosk_token}")
        page.get_by_text("请选择您要办理的业务").wait_for(timeout=MS)
        assert "device_token" not in page.url  # kept by the browser, out of the address bar
        assert page.locator("#printer-fault").is_hidden()

        page.goto(f"{server.url}/kiosk/kiosk-1/item/A02")
        assert page.locator("#card-needed").is_visible()
        page.locator("#take").click()
        page.locator("#take-error").get_by_text("身份证").wait_for(timeout=MS)  # A02 needs the card

        lay_card(reader, page)
        page.screenshot(path=str(screenshot_dir() / "kiosk-card-swiped.png"))
        page.locator("#take").click()
        page.locator("#ticket-number").wait_for(timeout=MS)
        number = page.locator("#ticket-number").inner_text()
        page.locator("#print-state.printed").wait_for(timeout=MS)
        assert printer.wait_tickets(1, WAIT) and printer.ticket_numbers() == [number]
        assert page.locator("#card-banner").is_hidden()  # the swipe was used: the next citizen starts afresh

        page.goto(f"{server.url}/kiosk/kiosk-1/item/A02")
        lay_card(reader, page)
        page.locator("#take").click()
        page.locator("#take-error").get_by_text(number).wait_for(timeout=MS)  # one open ticket per person and item
        page.locator("#print-again").click()
        page.locator("#ticket-number").get_by_text(number).wait_for(timeout=MS)
        assert printer.wait_tickets(2, WAIT) and printer.ticket_numbers() == [number, number]  # asked for: reprinted

        printer.fault = "paper_out"
        page.locator("#printer-fault").get_by_text("缺纸").wait_for(timeout=MS)
        page.screenshot(path=str(screenshot_dir() / "kiosk-printer-fault.png"))
        printer.fault = None
        page.locator("#printer-fault").wait_for(state="hidden", timeout=MS)
    finally:
        watcher.close()
        context.close()
        agent.stop()
