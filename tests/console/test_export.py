"""The waiting-time report through the API: JSON, CSV and XLSX content, clerks' own figures."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.conftest import login

URL = "/api/v1/reports/waiting?from=2026-11-25&to=2026-11-25&group_by=hour"


def test_json_by_hour(manager, crafted):
    data = manager.get(URL + "&format=json").get_json()
    assert [r["key"] for r in data["rows"]] == [9, 10]
    assert data["total"]["waiting_minutes_p90"] == 30.0 and data["target_minutes"] == 15
    assert "first call" in data["definitions"]["waiting"]


def test_csv_content(manager, crafted):
    response = manager.get(URL + "&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=waiting-hour-2026-11-25-2026-11-25.csv" == response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert len(rows) == 4  # header, 09 h, 10 h, total
    header = rows[0]
    nine = dict(zip(header, rows[1], strict=False))
    assert nine[header[0]] == "9" and nine[header[1]] == "09:00–09:59"
    assert rows[1][2:7] == ["3", "3", "2", "1", "0"]  # issued, called, served, no-shows, cancelled
    assert rows[3][0] == "合计" and rows[3][2] == "5"
    # the 10 o'clock satisfaction rate is undefined (no ratings): an empty cell, not "None"
    assert "None" not in text


def test_xlsx_content(manager, crafted):
    response = manager.get(URL + "&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["报表", "指标口径"]  # the sheets are named in the reader's language
    sheet = book["报表"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] and rows[2][:7] == (9, "09:00–09:59", 3, 3, 2, 1, 0)
    total = rows[4]
    assert total[:2] == ("合计", "合计") and total[2] == 5
    header = list(rows[1])
    assert total[header.index(header[7])] == 14.25  # mean wait of the day
    assert len(sheet._charts) == 1
    definitions = [r for r in book["指标口径"].iter_rows(values_only=True)]
    assert ("等候目标（分钟）", 15) in definitions and definitions[0][0] == "等候时间"


def test_a_clerk_gets_only_their_own_figures(app, crafted):
    clerk = app.test_client()
    login(clerk, "clerk2")
    data = clerk.get(URL.replace("hour", "clerk")).get_json()
    assert [r["key"] for r in data["rows"]] == ["clerk2"]
    assert data["total"]["issued"] == 2 and data["clerk"] == "clerk2"


def test_bad_parameters_are_clear_400s(manager, crafted):
    for query in ("group_by=weekday", "format=pdf", "from=2026-13-01", "from=2026-11-30&to=2026-11-01"):
        response = manager.get("/api/v1/reports/waiting?" + query)
        assert response.status_code == 400, query
        assert set(response.get_json()) >= {"error", "message"}


def test_reports_page_has_the_chart_library_served_locally(manager, client):
    page = manager.get("/console/reports").get_data(as_text=True)
    assert "/static/vendor/chart.umd.min.js" in page and "http" not in page.split("chart.umd.min.js")[0][-80:]
    script = client.get("/static/vendor/chart.umd.min.js")
    assert script.status_code == 200 and b"Chart.js v4" in script.data[:200]
    script.close()
    licence = client.get("/static/vendor/chart.js.LICENSE.md")
    assert licence.status_code == 200 and b"MIT" in licence.data
    licence.close()
