"""The prefecture console in headless Chromium against the real server: log in, every hall, a report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from region.web.context import RegionContext

from .conftest import DemoHall, RegionServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(region_url: str, tmp_path: Path) -> Iterator[RegionServer]:
    process = RegionServer(region_url, tmp_path).start()
    yield process
    process.stop()


def test_a_manager_logs_in_sees_the_halls_and_reads_a_report(server: RegionServer, region_ctx: RegionContext,
                                                             register, tmp_path: Path, page) -> None:
    hall = DemoHall(tmp_path / "hall.db", "H001", register("H001", name="凯里市社保大厅"), transport=None,
                    url=server.url)
    hall.serve_citizens(6)
    hall.service.issue_ticket(service="B01")
    hall.ship_all()
    region_ctx.accounts.add_user("boss", "boss-password", ["manager"], "州社保局")

    page.goto(f"{server.url}/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error:has-text('用户名或密码错误')")
    page.fill("input[name=password]", "boss-password")
    page.click("button[type=submit]")
    row = page.wait_for_selector("tr[data-hall=H001]")
    assert "凯里市社保大厅" in row.inner_text()
    assert page.inner_text("tr[data-hall=H001] [data-field=waiting]") == "1"
    assert "实时" in page.inner_text("tr[data-hall=H001] [data-field=state]")

    page.goto(f"{server.url}/reports?lang=en")
    day = hall.service.today()
    page.fill("input[name=from]", day)
    page.fill("input[name=to]", day)
    page.select_option("select[name=group_by]", "item")
    page.click("button[type=submit]")
    page.wait_for_selector("#report tbody tr:has-text('Employer social insurance registration')")
    assert page.inner_text("#report tbody tr:last-child").startswith("Total")
    assert "Mean wait" in page.inner_text("#report thead")
    assert page.evaluate("() => !!window.Chart && !!Chart.getChart(document.querySelector('#report-chart'))")
    assert "csv" in page.get_attribute("#csv", "href")
    hall.close()
