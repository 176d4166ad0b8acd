"""Overseas-warehouse stock: daily snapshots driven by the simulated orders and stock transfers.

Orders shipped from an overseas warehouse are the domestic ones (ship_from_country equals
ship_to_country, the seller's stock already sits in the buyer's country). Each (warehouse, SKU)
follows an (s, S) replenishment policy on its own demand: when stock on hand plus inbound falls to
s (cover for the transfer lead time plus a week), a transfer tops the position up to S (lead time
plus five weeks); the transfer arrives after a lognormal lead time (sea freight from the seller's
origin, median 28 days). A day's demand beyond what is on hand is a stockout (the units are
shipped from the seller's origin instead; the order lines stay as they are), so stockout days
show as on_hand = 0.

Deterministic for a seed. One snapshot per (day, warehouse, SKU that the warehouse stocks).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

LEAD_MEDIAN_DAYS, LEAD_SIGMA = 28.0, 0.25
REVIEW_DAYS, TOP_UP_DAYS = 7, 35
RESERVED_SHARE = 0.3  # of a day's demand still allocated, not yet picked, at snapshot time
UNSELLABLE_P = 0.004


def warehouse_id(country: str) -> str:
    return f"WH-{country}-01"


def inventory_snapshots(lines: pl.DataFrame, start: date, end: date, seed: int) -> pl.DataFrame:
    """Daily snapshots for [start, end] from canonical `marketplace_order_lines`."""
    days = (end - start).days + 1
    demand_rows = (
        lines.filter(
            (pl.col("ship_from_country") == pl.col("ship_to_country"))
            & (pl.col("order_status") == "placed")
        )
        .with_columns(((pl.col("ordered_at").dt.date() - pl.lit(start)).dt.total_days()).alias("t"))
        .filter(pl.col("t").is_between(0, days - 1))
        .group_by("ship_from_country", "sku", "t")
        .agg(pl.col("quantity").sum().alias("units"))
    )
    pairs = demand_rows.select("ship_from_country", "sku").unique().sort("ship_from_country", "sku")
    schema = {
        "snapshot_date": pl.Date,
        "warehouse_id": pl.String,
        "warehouse_country": pl.String,
        "sku": pl.String,
        "on_hand": pl.Int32,
        "reserved": pl.Int32,
        "inbound": pl.Int32,
        "unsellable": pl.Int32,
    }
    if pairs.is_empty():
        return pl.DataFrame(schema=schema)
    n = pairs.height
    index = pairs.with_row_index("p")
    demand = np.zeros((days, n), dtype=np.int64)
    d = demand_rows.join(index, on=["ship_from_country", "sku"])
    demand[d["t"].to_numpy(), d["p"].to_numpy()] = d["units"].to_numpy()

    rng = np.random.default_rng([seed, 0x570C])
    mean = np.maximum(demand.mean(axis=0), 1.0 / days)
    lead = np.exp(rng.normal(np.log(LEAD_MEDIAN_DAYS), LEAD_SIGMA, (days, n)))
    lead = np.maximum(np.rint(lead).astype(np.int64), 1)
    s_level = np.ceil(mean * (LEAD_MEDIAN_DAYS + REVIEW_DAYS)).astype(np.int64)
    s_top = np.ceil(mean * (LEAD_MEDIAN_DAYS + TOP_UP_DAYS)).astype(np.int64)
    # Stock builds up before the window: start at the top-up level, nothing in transit.
    on_hand = s_top.copy()
    in_transit = np.zeros(n, dtype=np.int64)
    arrivals = np.zeros((days + int(lead.max()) + 1, n), dtype=np.int64)
    cols = np.arange(n)
    out = {k: np.zeros((days, n), dtype=np.int64) for k in ("on_hand", "reserved", "inbound")}
    for t in range(days):
        on_hand += arrivals[t]
        in_transit -= arrivals[t]
        on_hand = np.maximum(on_hand - demand[t], 0)
        position = on_hand + in_transit
        order = np.where(position <= s_level, s_top - position, 0)
        np.add.at(arrivals, (t + lead[t], cols), order)
        in_transit += order
        out["on_hand"][t] = on_hand
        out["reserved"][t] = np.minimum(np.rint(demand[t] * RESERVED_SHARE), on_hand)
        out["inbound"][t] = in_transit
    unsellable = rng.binomial(out["on_hand"], UNSELLABLE_P)

    snapshot_days = [start + timedelta(days=t) for t in range(days)]
    country = np.tile(pairs["ship_from_country"].to_numpy(), days)
    return pl.DataFrame(
        {
            "snapshot_date": np.repeat(np.array(snapshot_days, dtype="datetime64[D]"), n),
            "warehouse_id": [warehouse_id(c) for c in country],
            "warehouse_country": country,
            "sku": np.tile(pairs["sku"].to_numpy(), days),
            "on_hand": out["on_hand"].ravel(),
            "reserved": out["reserved"].ravel(),
            "inbound": out["inbound"].ravel(),
            "unsellable": unsellable.ravel(),
        },
        schema=schema,
    )
