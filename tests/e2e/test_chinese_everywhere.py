"""The Chinese interface is Chinese everywhere (issue 12, point 16): Chromium walks every page a citizen, a clerk,
a manager, the back office and an administrator opens, in zh-CN, after a day with tickets, a bad rating, a pause
and a settings change, and fails on any run of Latin words it reads, error pages and refusals included.

What a person reads is the page's visible text, its placeholders, tooltips and labels. Left out on purpose:
elements marked ``translate="no"`` (data: usernames, codes, addresses, device ports) and ``lang="en"``
(English on purpose: the English half of a bilingual name, a device's technical detail), plus a short list of
product names and units.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.live import LiveServer

pytestmark = pytest.mark.e2e

#: Names that stay Latin in a Chinese interface: products, formats, abbreviations people read as they are.
ALLOWED = {"OneWindow", "Chromium", "CSV", "XLSX", "QR", "LED", "ID", "WAV", "PDF", "SMS", "USB", "IC", "PIN",
           "Excel", "PostgreSQL", "SQLite", "API", "IP", "PC", "App", "Wi-Fi", "WiFi"}
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ \t]+[A-Za-z][A-Za-z'’-]+)*")

#: The text a person reads on the page, without data and deliberate English (see the module's docstring).
READABLE_TEXT = """() => {
  const skipped = el => el.closest('[lang="en"], [translate="no"], script, style, noscript, template');
  const hidden = el => el.closest('[hidden]') || getComputedStyle(el).display === 'none'
                       || getComputedStyle(el).visibility === 'hidden';
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (parent && !skipped(parent) && !hidden(parent) && node.textContent.trim()) out.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], input[type=submit], option')) {
    if (skipped(el)) continue;
    for (const name of ['placeholder', 'title', 'aria-label'])
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    if (el.type === 'submit') out.push(el.value);
    if (el.tagName === 'OPTION') out.push(el.textContent);
  }
  return out.join('\\n');
}"""


def latin_runs(page) -> list[str]:
    text = page.evaluate(READABLE_TEXT)
    return sorted({run for run in LATIN_RUN.findall(text) if run not in ALLOWED})


class Walk:
    """Pages visited and the Latin words found on each."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.found: dict[str, list[str]] = {}
        self.visited: list[str] = []

    def read(self, page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        self.visited.append(name)
        runs = latin_runs(page)
        if runs:
            self.found[name] = runs

    def open(self, page, path: str, wait_for: str | None = None) -> None:
        page.goto(self.base + path)
        if wait_for:
            page.wait_for_selector(wait_for)
        self.read(page, path)

    def crawl_console(self, page, who: str, start: str = "/console/reports") -> None:
        """Every page the console's navigation offers *who* (as seen from *start*)."""
        page.goto(self.base + start)
        links = page.eval_on_selector_all("nav.console a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert links, f"{who} sees no console navigation"
        for href in dict.fromkeys(links):
            self.open(page, href)
            self.visited[-1] = f"{href} ({who})"
            if self.found.get(href):
                self.found[f"{href} ({who})"] = self.found.pop(href)


def sign_in(context, base: str, username: str, password: str):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


@pytest.fixture
def contexts(browser) -> Iterator[callable]:
    opened = []

    def new():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


def test_every_page_and_every_refusal_reads_in_chinese(live_server: LiveServer, contexts) -> None:
    base = live_server.url
    walk = Walk(base)

    # The citizen: kiosk, a category, an item's guide, a ticket, the phone's status page, the lobby, the pad.
    kiosk = contexts().new_page()
    walk.open(kiosk, "/kiosk", "a.tile")
    kiosk.click("a.tile.category >> nth=0")
    walk.read(kiosk, "kiosk category")
    kiosk.goto(f"{base}/kiosk")
    kiosk.click("a.tile.bundle >> nth=0")
    walk.read(kiosk, "kiosk bundle")
    kiosk.click("#take")
    kiosk.wait_for_selector(".print-state.printed")
    walk.read(kiosk, "kiosk ticket")
    token = kiosk.url.rstrip("/").rsplit("/", 1)[-1]
    phone = contexts().new_page()
    phone.goto(f"{base}/t/{token}")
    phone.wait_for_function("() => document.getElementById('ahead').textContent !== '…'")
    walk.read(phone, "phone status")
    for path in ("/guide/A01", "/lobby", "/screen/counter/1", "/screen/citizen/1", "/login",
                 "/phone", "/phone/take", "/phone/book", "/phone/here", "/no-such-page", "/kiosk/hall/item/Z99",
                 "/t/no-such-ticket", "/screen/counter/99"):
        walk.open(phone, path)
    pad = contexts().new_page()
    walk.open(pad, f"/evaluator?token={live_server.evaluator_token(1)}", "#idle:not([hidden])")

    # A wrong password on the login page.
    login = contexts().new_page()
    login.goto(f"{base}/login")
    login.fill("#username", "clerk1")
    login.fill("#password", "wrong-password")
    login.click("#login-button")
    login.wait_for_function("() => document.querySelector('.error, [role=alert]') && "
                            "document.querySelector('.error, [role=alert]').textContent.trim() !== ''")
    walk.read(login, "login refused")

    # The clerk: call, serve, finish; the pad asks, the citizen rates badly and gives reasons.
    clerk = sign_in(contexts(), base, "clerk1", "clerk1-demo")
    clerk.goto(f"{base}/counter?counter=1")
    clerk.wait_for_selector("#call-next:not([disabled])")
    clerk.click("#call-next")
    clerk.wait_for_selector("#start:not([disabled])")
    walk.read(clerk, "panel, ticket called")
    clerk.click("#start")
    clerk.wait_for_selector("#finish:not([disabled])")
    walk.read(clerk, "panel, serving")
    clerk.click("#finish")
    pad.wait_for_selector("#ask:not([hidden])")
    walk.read(pad, "pad asking")
    pad.click("[data-score='1']")
    pad.wait_for_selector("#reasons:not([hidden])")
    walk.read(pad, "pad reasons")
    pad.click("#reasons .reason >> nth=0")
    pad.click("#reasons-done")
    pad.wait_for_selector("#phone:not([hidden]), #thanks:not([hidden])")
    walk.read(pad, "pad after reasons")
    # Nobody waits now: the refusal of call-next is shown on the panel.
    clerk.wait_for_selector("#call-next:not([disabled])")
    clerk.click("#call-next")
    clerk.wait_for_function("() => document.getElementById('action-error').textContent.trim() !== ''")
    walk.read(clerk, "panel, nobody waiting")
    clerk.select_option("#pause-reason", index=1)
    clerk.click("#pause")
    clerk.wait_for_selector("#resume:not([disabled])")
    walk.read(clerk, "panel, paused")
    walk.open(clerk, "/counter?counter=2")  # another clerk's counter: refused with a reason
    walk.open(clerk, "/console/config")  # a clerk may not configure the hall
    walk.crawl_console(clerk, "clerk")

    # An administrator changes a setting (an audited change), then managers and the back office read everything.
    admin = sign_in(contexts(), base, "admin", "admin-demo")
    session = requests.Session()
    assert session.post(f"{base}/api/v1/login", json={"username": "admin", "password": "admin-demo"}).ok
    assert session.put(f"{base}/api/v1/admin/settings", json={"pause_alert_minutes": 25}).ok
    walk.crawl_console(admin, "admin")
    manager = sign_in(contexts(), base, "manager", "manager-demo")
    walk.crawl_console(manager, "manager")
    backoffice = sign_in(contexts(), base, "review", "review-demo")
    walk.crawl_console(backoffice, "back office", "/console/cases")

    assert len(walk.visited) >= 30, walk.visited
    assert not walk.found, "Latin words in the Chinese interface:\n" + "\n".join(
        f"  {page}: {runs}" for page, runs in walk.found.items())
