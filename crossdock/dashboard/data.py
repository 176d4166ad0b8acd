"""The data the dashboard embeds, read from the published snapshot.

Every data set is aggregated in DuckDB to the grain of the page's filters (a day or week, a
platform, a destination country) and no finer, so the page stays small at any order volume and
its JavaScript only sums. Percentiles cannot be summed, so transit and dwell come with histograms
(whole days, 12-hour bins); the page reads its p50/p90 off the filtered histogram, interpolated
within a bin. Each set is column-oriented: {"columns": [...], "rows": [[...], ...]}.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

DWELL_BIN_HOURS = 12

# Simulated (crossdock) shipments only: the SCMS history spans 2006-2015 and has no platform.
QUERIES: dict[str, str] = {
    # ship week x platform x destination x lane, with a transit-days histogram of delivered ones.
    "lanes": """
        with journeys as (
            select
                cast(date_trunc('week', j.handed_to_carrier_at) as date) as ship_week,
                coalesce(o.platform, 'unknown') as platform,
                j.origin_country,
                j.destination_country,
                j.carrier,
                j.service,
                j.is_delivered,
                j.is_on_time,
                j.is_lost,
                j.has_exception,
                case when j.is_delivered then cast(floor(j.transit_days) as integer) end
                    as transit_bin
            from marts.fct_shipment_journeys as j
            left join marts.fct_orders as o on j.order_id = o.order_id
            where j.source_system = 'crossdock' and j.handed_to_carrier_at is not null
        ),
        bins as (
            select ship_week, platform, origin_country, destination_country, carrier, service,
                transit_bin, count(*) as n
            from journeys where transit_bin is not null
            group by all
        ),
        histograms as (
            select ship_week, platform, origin_country, destination_country, carrier, service,
                list([transit_bin, n] order by transit_bin) as transit_hist
            from bins group by all
        ),
        counts as (
            select ship_week, platform, origin_country, destination_country, carrier, service,
                count(*) as shipments,
                count(*) filter (where is_delivered) as delivered,
                count(*) filter (where is_on_time) as on_time,
                count(*) filter (where is_lost) as lost,
                count(*) filter (where has_exception) as exceptions
            from journeys group by all
        )
        select c.*, coalesce(h.transit_hist, []) as transit_hist
        from counts as c
        left join histograms as h
            using (ship_week, platform, origin_country, destination_country, carrier, service)
        order by all
    """,
    # declaration week x platform x destination x HS chapter, with a dwell histogram.
    "customs": f"""
        with declarations as (
            select
                cast(date_trunc('week', d.declaration_date) as date) as declaration_week,
                coalesce(o.platform, 'unknown') as platform,
                d.destination_country,
                d.hs_chapter,
                d.was_held,
                d.was_inspected,
                d.is_de_minimis,
                cast(floor(d.dwell_hours / {DWELL_BIN_HOURS}) as integer) as dwell_bin
            from marts.fct_customs_declarations as d
            left join marts.fct_orders as o on d.order_id = o.order_id
        ),
        bins as (
            select declaration_week, platform, destination_country, hs_chapter, dwell_bin,
                count(*) as n
            from declarations where dwell_bin is not null group by all
        ),
        histograms as (
            select declaration_week, platform, destination_country, hs_chapter,
                list([dwell_bin, n] order by dwell_bin) as dwell_hist
            from bins group by all
        ),
        counts as (
            select declaration_week, platform, destination_country, hs_chapter,
                count(*) as declarations,
                count(*) filter (where was_held) as held,
                count(*) filter (where was_inspected) as inspected,
                count(*) filter (where is_de_minimis) as de_minimis
            from declarations group by all
        )
        select c.*, coalesce(h.dwell_hist, []) as dwell_hist
        from counts as c
        left join histograms as h
            using (declaration_week, platform, destination_country, hs_chapter)
        order by all
    """,
    # order day x platform x destination: landed cost components in EUR.
    "landed": """
        select
            order_date,
            platform,
            ship_to_country as destination_country,
            count(*) as order_lines,
            sum(goods_value_eur) as goods_eur,
            sum(freight_amount_eur + insurance_amount_eur) as freight_eur,
            sum(duty_amount_eur) as duty_eur,
            sum(vat_amount_eur) as vat_eur,
            sum(fee_amount_eur) as fee_eur
        from marts.fct_landed_costs
        where is_cross_border
        group by all
        order by all
    """,
    # as-of day x platform x seller: at risk on any window, and which breaches.
    "sellers": """
        select
            as_of_date,
            platform,
            seller_id,
            bool_or(is_at_risk) as is_at_risk,
            coalesce(
                string_agg(at_risk_reasons, ', ' order by window_days)
                    filter (where is_at_risk),
                ''
            ) as reasons
        from marts.fct_seller_scorecards
        group by all
        order by all
    """,
    # order day x platform x destination: units of placed orders.
    "demand": """
        select order_date, platform, ship_to_country as destination_country,
            sum(units) as units, count(*) as orders
        from marts.fct_orders
        where order_status <> 'cancelled'
        group by all
        order by all
    """,
    # The newest forecast refresh (forecasts.forecasts, crossdock/forecast_store.py), chosen
    # model per series, summed per target day x destination. Empty until a refresh has run.
    "forecast": """
        with latest as (
            select forecast_run_id from forecasts.forecast_runs
            order by created_at desc limit 1
        )
        select f.target_date, f.destination_country,
            sum(f.forecast_units) as forecast,
            sum(f.lo_80) as lo_80, sum(f.hi_80) as hi_80,
            sum(f.lo_95) as lo_95, sum(f.hi_95) as hi_95
        from forecasts.forecasts as f
        inner join latest using (forecast_run_id)
        where f.is_chosen
        group by all
        order by all
    """,
    # day x overseas warehouse: stock, inbound, SKUs out of stock or in excess.
    "inventory": """
        select snapshot_date, warehouse_id, warehouse_country,
            sum(on_hand) as on_hand,
            sum(inbound_in_transit) as inbound,
            sum(units_sold) as units_sold,
            count(*) filter (where is_stockout) as stockout_skus,
            count(*) filter (where is_excess) as excess_skus
        from marts.fct_inventory_daily
        group by all
        order by all
    """,
    # The newest advice per overseas warehouse (as of its latest stock report): position
    # against reorder point and safety stock, and what to send.
    "replenishment": """
        select warehouse_id, warehouse_country,
            count(*) as skus,
            count(*) filter (where is_reorder) as skus_to_reorder,
            sum(inventory_position) as inventory_position,
            sum(reorder_point_units) as reorder_point,
            sum(safety_stock_units) as safety_stock,
            sum(recommended_order_units) as recommended_order
        from marts.fct_replenishment_advice
        group by all
        order by all
    """,
}

# Short chapter labels for the customs chart.
LABEL_QUERIES: dict[str, str] = {
    "hs_chapters": """
        select distinct chapter, left(chapter_description, 40) as description
        from marts.dim_hs_codes order by chapter
    """,
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10] if isinstance(value, date) else value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _dataset(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return {"columns": columns, "rows": [[_plain(v) for v in row] for row in cursor.fetchall()]}


def _stamp(con: duckdb.DuckDBPyConnection, serving: Path) -> dict[str, str]:
    """The version publish stamped into the snapshot (crossdock.publish.SNAPSHOT_TABLE, read
    here by name to keep the pipeline's imports out of `crossdock dashboard`); a snapshot from
    before the stamp falls back to manifest.json."""
    try:
        version, published_at = con.execute(
            "select version, published_at from serving.snapshot"
        ).fetchone()
        return {"version": str(version), "published_at": str(published_at)[:19]}
    except duckdb.CatalogException:
        manifest = serving.with_name("manifest.json")
        info = json.loads(manifest.read_text()) if manifest.exists() else {}
        return {
            "version": info.get("version", "unknown"),
            "published_at": info.get("published_at", "unknown")[:19],
        }


def load(serving: Path) -> dict[str, Any]:
    """Every data set of the page, and the snapshot's version, from one read-only connection to
    the snapshot at `serving`."""
    with duckdb.connect(str(serving), read_only=True) as con:
        data = {name: _dataset(con, sql) for name, sql in QUERIES.items()}
        labels = {name: _dataset(con, sql) for name, sql in LABEL_QUERIES.items()}
        data["meta"] = {**_stamp(con, serving), "snapshot": str(serving)}
    data["labels"] = {name: dict(ds["rows"]) for name, ds in labels.items()}
    data["dwell_bin_hours"] = DWELL_BIN_HOURS
    return data
