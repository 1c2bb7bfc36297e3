"""Prefecture reports at scale: 100 halls × one year (≈ 20 million tickets) in the rollups, every report timed.

    python -m bench.bench_region_reports                      # 100 halls × 365 days × 9 items
    python -m bench.bench_region_reports --halls 10 --days 60

The rollups are filled in SQL with the shape ingest gives them (one figures_day row per hall, day and
item, ~61 tickets each; figures_month and figures_hall_day summed from it), because pushing 100 million
events through ingest would take this machine hours; tests/region check that ingest keeps the rollups
equal to a recomputation from the events. Reports read only the rollups and the halls table, so the
size of the events and tickets tables does not enter their cost. Each report runs three times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta

from bench.region_common import Prefecture
from hall.domain.figures import BINS
from region.reports import GROUPINGS

ITEMS = [("A01", "enterprise"), ("A02", "enterprise"), ("B01", "pension"), ("B02", "pension"), ("C01", "injury"),
         ("D01", "unemployment"), ("E01", "card"), ("E02", "card"), ("F01", "employment")]

_FILL = f"""
WITH base AS (
    SELECT d::date AS day, h.id AS hall, i.category, i.item_key,
           ARRAY(SELECT CASE WHEN b BETWEEN 1 AND 30 THEN (random() * 4)::int ELSE 0 END
                 FROM generate_series(0, {BINS - 1}) b WHERE h.id > 0) AS wait_hist,
           ARRAY(SELECT CASE WHEN b BETWEEN 2 AND 20 THEN (random() * 4)::int ELSE 0 END
                 FROM generate_series(0, {BINS - 1}) b WHERE h.id > 0) AS service_hist,
           (random() * 3)::int AS no_shows, (random() * 2)::int AS cancelled,
           (random() * 10)::int AS s5, (random() * 8)::int AS s4, (random() * 4)::int AS s3,
           (random() * 2)::int AS s2, (random() * 1.2)::int AS s1
    FROM generate_series(%(first)s::date, %(last)s::date, '1 day') d
    CROSS JOIN halls h
    CROSS JOIN (SELECT * FROM json_to_recordset(%(items)s::json) AS x(item_key text, category text)) i
), counted AS (
    SELECT *, (SELECT sum(x) FROM unnest(wait_hist) x)::int AS called,
              (SELECT sum(x) FROM unnest(service_hist) x)::int AS service_count FROM base
)
INSERT INTO figures_day (day, hall, category, item_key, issued, called, served, no_shows, cancelled, wait_sum,
                         service_count, service_sum, rated, unrated, s1, s2, s3, s4, s5, fu_opened, fu_closed,
                         wait_hist, service_hist)
SELECT day, hall, category, item_key, called + no_shows + cancelled, called, service_count, no_shows, cancelled,
       called * 600.0, service_count, service_count * 420.0, s1 + s2 + s3 + s4 + s5,
       greatest(service_count - (s1 + s2 + s3 + s4 + s5), 0), s1, s2, s3, s4, s5, s1 + s2, s1,
       wait_hist, service_hist
FROM counted
"""

_ADD_ARRAYS = """
CREATE FUNCTION pg_temp.add_arrays(a integer[], b integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE AS
    'SELECT ARRAY(SELECT coalesce(x, 0) + coalesce(y, 0) FROM unnest(a, b) AS u(x, y))';
CREATE AGGREGATE pg_temp.sum_arrays(integer[]) (sfunc = pg_temp.add_arrays, stype = integer[], initcond = '{}');
"""
_SCALARS = ("issued, called, served, no_shows, cancelled, wait_sum, service_count, service_sum, rated, unrated, "
            "s1, s2, s3, s4, s5, fu_opened, fu_closed")
_SUMMED = ", ".join(f"sum({c.strip()})" for c in _SCALARS.split(","))


def fill(prefecture: Prefecture, halls: int, days: int, first: date) -> int:
    import json

    with prefecture.ctx.db.transaction() as conn:
        for n in range(halls):
            conn.execute("INSERT INTO halls (code, name, agency_code, agency_name, region_code, token_hash) "
                         "VALUES (%s, %s, %s, %s, %s, %s)",
                         [f"H{n:03d}", f"大厅 {n}", f"A{n % 11:02d}", f"经办机构 {n % 11}", f"5223{n % 11:02d}",
                          f"bench-{n}"])
    last = first + timedelta(days=days - 1)
    items = json.dumps([{"item_key": i, "category": c} for i, c in ITEMS])
    steps = [("figures_day", _FILL, {"first": first, "last": last, "items": items}),
             ("figures_month", f"INSERT INTO figures_month (month, hall, category, item_key, {_SCALARS}, wait_hist, "
                               f"service_hist) SELECT date_trunc('month', day)::date, hall, category, item_key, "
                               f"{_SUMMED}, pg_temp.sum_arrays(wait_hist), pg_temp.sum_arrays(service_hist) "
                               f"FROM figures_day GROUP BY 1, 2, 3, 4", {}),
             ("figures_hall_day", f"INSERT INTO figures_hall_day (day, hall, {_SCALARS}, wait_hist, service_hist) "
                                  f"SELECT day, hall, {_SUMMED}, pg_temp.sum_arrays(wait_hist), "
                                  f"pg_temp.sum_arrays(service_hist) FROM figures_day GROUP BY 1, 2", {})]
    with prefecture.ctx.db.transaction() as conn:
        conn.execute(_ADD_ARRAYS)
        for n, (table, sql, params) in enumerate(steps, 1):
            started = time.perf_counter()
            conn.execute(sql, params)
            print(f"[{n}/3] {table} filled in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        conn.execute("ANALYZE")
        tickets = conn.execute("SELECT sum(issued) AS n FROM figures_day").fetchone()["n"]
        rows = {t: conn.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"]
                for t in ("figures_day", "figures_month", "figures_hall_day")}
    print("rollup rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    return int(tickets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)
    first = date(2025, 12, 1)
    last = first + timedelta(days=args.days - 1)
    with Prefecture(durable=False) as prefecture:
        print(f"filling the rollups of {args.halls} halls × {args.days} days × {len(ITEMS)} items", file=sys.stderr,
              flush=True)
        tickets = fill(prefecture, args.halls, args.days, first)
        print(f"{args.halls} halls, {args.days} days ({first} – {last}), {tickets:,} tickets in the rollups")
        cases = [(g, {}) for g in GROUPINGS]
        cases += [("day", {"category": "pension"}), ("hall", {"item": "B01"}), ("day", {"hall": "H007"}),
                  ("agency", {"region": "522303"}), ("month", {"category": "card"})]
        worst = 0.0
        print(f"{'report (whole range)':34} {'rows':>6} {'min ms':>8} {'median ms':>10}")
        for group_by, filters in cases:
            times = []
            for _ in range(3):
                started = time.perf_counter()
                data = prefecture.ctx.reports.report(first, last, group_by, filters=filters)
                times.append(time.perf_counter() - started)
            worst = max(worst, statistics.median(times))
            name = group_by + (" " + ",".join(f"{k}={v}" for k, v in filters.items()) if filters else "")
            print(f"{name:34} {len(data['rows']):>6} {min(times) * 1000:>8.0f} "
                  f"{statistics.median(times) * 1000:>10.0f}")
        partial = prefecture.ctx.reports.report(first + timedelta(days=17), last - timedelta(days=9), "item")
        print(f"item report over a range that starts and ends mid-month: {partial['total']['issued']:,} tickets")
        print(f"slowest report (median): {worst * 1000:.0f} ms; target ≤ 1000 ms: {'met' if worst <= 1 else 'NOT met'}")
        return 0 if worst <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
