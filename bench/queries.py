"""Ten typical analyst and dashboard queries on the published marts, timed read-only.

    python -m bench.queries SERVING.duckdb [--repeat 10]

Each query runs once to warm up, then `repeat` times on one read-only connection (as a BI tool
holds one); prints one JSON line with p50 / p95 per query and over all timed runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import duckdb

QUERIES: dict[str, str] = {
    # dashboard tiles
    "on_time_rate_by_carrier_30d": """
        select carrier, count(*) as shipments, avg(is_on_time::int) as on_time_rate,
               quantile_cont(transit_days, 0.9) as transit_days_p90
        from marts.fct_shipment_journeys
        where source_system = 'crossdock'
          and delivered_date >= (select max(delivered_date) from marts.fct_shipment_journeys) - 30
        group by carrier order by shipments desc""",
    "shipment_status_funnel": """
        select shipment_status, count(*) as shipments
        from marts.fct_shipment_journeys group by 1 order by 2 desc""",
    "lane_scorecard_latest_week": """
        select origin_country, destination_country, carrier, service, shipments, on_time_rate,
               transit_days_p50, transit_days_p95, lost_rate
        from marts.fct_carrier_lane_performance
        where ship_week = (select max(ship_week) from marts.fct_carrier_lane_performance)
        order by shipments desc limit 50""",
    "landed_cost_by_destination_month": """
        select ship_to_country, date_trunc('month', order_date) as month,
               sum(landed_cost_eur) as landed_cost_eur, sum(goods_value_eur) as goods_value_eur,
               sum(duty_amount_eur + vat_amount_eur) / nullif(sum(goods_value_eur), 0)
                   as tax_share
        from marts.fct_landed_costs group by 1, 2 order by 1, 2""",
    "customs_dwell_weekly": """
        select destination_country, declaration_week, sum(declarations) as declarations,
               max(dwell_hours_p90) as dwell_hours_p90, avg(hold_rate) as hold_rate
        from marts.fct_customs_clearance_weekly group by 1, 2 order by 1, 2""",
    "sellers_at_risk_today": """
        select seller_id, platform, window_days, at_risk_reasons
        from marts.fct_seller_scorecards
        where is_at_risk
          and as_of_date = (select max(as_of_date) from marts.fct_seller_scorecards)
        order by seller_id, window_days""",
    "stockouts_and_excess_by_warehouse": """
        select warehouse_id, count(*) filter (where is_stockout) as stockouts,
               count(*) filter (where is_excess) as excess_skus,
               median(days_of_cover) as days_of_cover_p50
        from marts.fct_inventory_daily
        where snapshot_date = (select max(snapshot_date) from marts.fct_inventory_daily)
        group by 1 order by 1""",
    # analyst look-ups and explorations
    "one_shipment_timeline": """
        select event_sequence, tag, subtag, message, location, event_at, is_out_of_order
        from marts.fct_shipment_events
        where tracking_number = (
            select min(tracking_number) from marts.fct_shipment_journeys
            where source_system = 'crossdock' and event_count > 5
        )
        order by event_sequence""",
    "late_arrivals_by_carrier_day": """
        select carrier, delivery_date, count(*) as events,
               avg(is_late_arrival::int) as late_share, avg(is_out_of_order::int) as ooo_share
        from marts.fct_shipment_events group by 1, 2 order by 1, 2""",
    "orders_gmv_by_platform_day": """
        select platform, order_date, count(*) as orders, sum(order_value) as order_value,
               avg(is_cross_border::int) as cross_border_share
        from marts.fct_orders where order_status != 'cancelled'
        group by 1, 2 order by 1, 2""",
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(path: Path, repeat: int) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    per_query, every = {}, []
    for name, sql in QUERIES.items():
        rows = len(con.execute(sql).fetchall())  # warm-up
        if rows == 0:
            raise SystemExit(f"{path}: query {name} returned no rows; the marts look empty")
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            con.execute(sql).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        every += times
        per_query[name] = {
            "rows": rows,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 0.95), 1),
        }
    con.close()
    return {
        "repeat": repeat,
        "p50_ms": round(statistics.median(every), 1),
        "p95_ms": round(_percentile(every, 0.95), 1),
        "queries": per_query,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("serving", type=Path)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(run(args.serving, args.repeat)))


if __name__ == "__main__":
    main()
