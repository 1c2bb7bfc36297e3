"""A report as CSV or XLSX (openpyxl), with its definitions, for download."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from .reports import FIGURES

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header(group_by: str, translate: Callable[[str], str], figures: Sequence[str]) -> list[str]:
    return [translate(group_by), translate("label"), *(translate(f) for f in figures)]


def _lines(data: dict[str, Any], figures: Sequence[str], translate: Callable[[str], str]) -> list[list[Any]]:
    rows = [[row["key"], row["label"], *(row[f] for f in figures)] for row in data["rows"]]
    total = data["total"]
    rows.append([translate("total"), translate(total["label"]), *(total[f] for f in figures)])
    return rows


def report_csv(data: dict[str, Any], translate: Callable[[str], str] = str, figures: Sequence[str] = FIGURES) -> str:
    """The report as CSV text: one header line, one line per group, a total line (UTF-8 with BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_header(data["group_by"], translate, figures))
    for line in _lines(data, figures, translate):
        writer.writerow(["" if value is None else value for value in line])
    return "\ufeff" + out.getvalue()


def report_xlsx(data: dict[str, Any], translate: Callable[[str], str] = str, title: str = "Waiting time",
                figures: Sequence[str] = FIGURES) -> bytes:
    """The report as an XLSX workbook: a sheet of figures with a chart, and a sheet of definitions.

    *translate* names everything a reader sees: columns, the total line, the sheets ("report", "definitions")
    and the definitions' names and texts.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = translate("report")[:31]
    sheet.append([title, f"{data['from']} – {data['to']}", translate(data["group_by"])])
    sheet["A1"].font = Font(bold=True)
    sheet.append(_header(data["group_by"], translate, figures))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    lines = _lines(data, figures, translate)
    for line in lines:
        sheet.append(line)
    sheet.freeze_panes = "C3"
    if data["rows"]:
        chart = BarChart()
        chart.title = translate("waiting_minutes_mean")
        chart.y_axis.title = translate("minutes")
        mean_column = 3 + list(figures).index("waiting_minutes_mean")
        last = 2 + len(data["rows"])
        chart.add_data(Reference(sheet, min_col=mean_column, min_row=2, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=2, min_row=3, max_row=last))
        sheet.add_chart(chart, f"B{last + 3}")
    notes = book.create_sheet(translate("definitions")[:31])
    for name, text in data["definitions"].items():
        notes.append([translate(name), translate(text)])
    notes.append([translate("target_minutes"), data["target_minutes"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
