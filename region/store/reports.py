"""Report queries over the rollups: one GROUP BY, its size bounded by halls × days (or months) × items."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from hall.domain.figures import BINS, HISTOGRAMS, SCALARS

#: SQL of each grouping's key over a rollup row f joined to its hall h.
KEYS = {
    "hall": "h.code", "agency": "h.agency_code", "region": "h.region_code", "item": "f.item_key",
    "category": "f.category", "day": "f.day", "week": "date_trunc('week', f.day)::date",
    "month": "date_trunc('month', f.day)::date",
}
_SUMS = ", ".join([f"sum(f.{c}) AS {c}" for c in SCALARS]
                  + [f"sum(f.{h}[{i + 1}]) AS {h}_{i}" for h in HISTOGRAMS for i in range(BINS)])
_COLUMNS = ", ".join([*SCALARS, *HISTOGRAMS])


def _source(item_level: bool, day_from: date, day_to: date, months: tuple[date, date] | None) -> tuple[str, list[Any]]:
    """The rollup rows of the range: whole months from figures_month, the days around them (or every day, when
    the report groups by day or week) from figures_day, or figures_hall_day when no item is asked for."""
    days = "figures_day" if item_level else "figures_hall_day"
    item_columns = "category, item_key" if item_level else "'' AS category, '' AS item_key"
    if months is None:
        return (f"(SELECT day, hall, {item_columns}, {_COLUMNS} FROM {days} WHERE day BETWEEN %s AND %s)",
                [day_from, day_to])
    first, last = months
    return (f"(SELECT day, hall, {item_columns}, {_COLUMNS} FROM {days} "
            "WHERE (day >= %s AND day < %s) OR (day > %s AND day <= %s) "
            f"UNION ALL SELECT month AS day, hall, category, item_key, {_COLUMNS} FROM figures_month "
            "WHERE month >= %s AND month <= %s)", [day_from, first, _month_end(last), day_to, first, last])


def _month_end(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def grouped(conn: psycopg.Connection, group_by: str, day_from: date, day_to: date, *, item_level: bool,
            months: tuple[date, date] | None, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per group key with the summed tally columns (histograms as <name>_<bin>)."""
    source, params = _source(item_level, day_from, day_to, months)
    where, extra = [], []
    for name, column in (("hall", "h.code"), ("agency", "h.agency_code"), ("item", "f.item_key"),
                         ("category", "f.category")):
        if filters.get(name):
            where.append(f"{column} = %s")
            extra.append(filters[name])
    if filters.get("region"):
        where.append("h.region_code LIKE %s")
        extra.append(filters["region"].replace("%", "").replace("_", "") + "%")
    sql = (f"SELECT {KEYS[group_by]} AS key, {_SUMS} FROM {source} f JOIN halls h ON h.id = f.hall"
           + (" WHERE " + " AND ".join(where) if where else "") + " GROUP BY 1")
    with conn.cursor() as cur:
        cur.execute(sql, params + extra)
        return cur.fetchall()


def labels(conn: psycopg.Connection) -> dict[str, dict[str, tuple[str, str]]]:
    """Names (zh, en) of halls, agencies, items and categories."""
    halls = conn.execute("SELECT code, name, name_en, agency_code, agency_name FROM halls").fetchall()
    items = conn.execute("SELECT DISTINCT ON (item_key) item_key, name_zh, name_en FROM hall_items "
                         "ORDER BY item_key, as_of DESC").fetchall()
    categories = conn.execute("SELECT DISTINCT ON (code) code, name_zh, name_en FROM hall_categories "
                              "ORDER BY code, as_of DESC").fetchall()
    return {
        "hall": {h["code"]: (h["name"], h["name_en"] or h["name"]) for h in halls},
        "agency": {h["agency_code"]: (h["agency_name"] or h["agency_code"],) * 2 for h in halls},
        "item": {i["item_key"]: (i["name_zh"], i["name_en"]) for i in items},
        "category": {c["code"]: (c["name_zh"], c["name_en"]) for c in categories},
    }
