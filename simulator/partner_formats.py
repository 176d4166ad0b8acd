"""Deliver part of a simulated landing in the partners' own formats.

The simulator writes every feed in crossdock's canonical delivery formats (docs/feeds.md). Real
partners send their own: this pass re-delivers, deterministically, the same records as

- Amazon orders as Seller Central "All Orders" reports, Shopify orders as Admin API JSON pages
  (eBay and Walmart stay in the order-lines CSV);
- DHL's tracking as UN/EDIFACT IFTSTA interchanges (the other carriers stay on webhooks);
- declarations into the EU (DE, FR, NL, ES, IT) as H7 low-value-consignment XML;
- daily stock reports of the overseas warehouses (simulator/inventory.py).

Records are read back with the canonical connectors and re-written with the format writers, so a
converted file holds exactly the canonical file's rows; the canonical file is then removed. Counts
in the manifest do not change. Idempotent: converting an already converted landing changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from ingestion import carrier_tracking_webhook, customs_declarations_csv, marketplace_orders_csv
from ingestion.feed import Feed
from simulator.formats.carrier_customs import write_h7, write_iftsta
from simulator.formats.marketplace import write_amazon, write_inventory, write_shopify
from simulator.inventory import inventory_snapshots

EU_DESTINATIONS = ("DE", "FR", "NL", "ES", "IT")
Writer = Callable[[pl.DataFrame, Path, date], list[str]]


def _read(feed: Feed, path: Path, landing: Path) -> pl.DataFrame:
    typed, errors = feed.parse(path, path.relative_to(landing).as_posix())
    if errors:  # the simulator's own canonical output must be clean
        raise ValueError(f"simulated file has invalid rows: {errors[:3]}")
    return feed.finalize(typed).drop("_source_line")


def _convert(
    landing: Path,
    feed: Feed,
    day: date,
    keep: Callable[[pl.DataFrame], pl.Expr],
    writer: Writer,
    selector: str,
) -> tuple[list[str], pl.DataFrame | None]:
    """Move the rows for which `keep` is false into `writer`'s format; returns (files, frame)."""
    day_dir = feed.day_dir(landing, day.isoformat())
    paths = sorted(day_dir.glob(selector))
    if not paths:
        return [], None
    frames = [_read(feed, p, landing) for p in paths]
    frame = pl.concat(frames)
    moved = frame.filter(~keep(frame))
    for path, part in zip(paths, frames, strict=True):
        stay = part.filter(keep(part))
        if stay.height == part.height:
            continue
        if stay.is_empty():
            path.unlink()
        else:  # rewrite the canonical file without the moved rows
            stay.select(feed.contract.names).write_csv(
                path, datetime_format="%Y-%m-%dT%H:%M:%S+00:00", date_format="%Y-%m-%d"
            )
    files = writer(moved, landing, day) if moved.height else []
    return files, frame


def convert(landing: Path, start: date, end: date, seed: int) -> list[str]:
    """Re-deliver [start, end] in partner formats; returns the files written."""
    written: list[str] = []
    order_lines = []
    for i in range((end - start).days + 1):
        day = start + timedelta(days=i)
        orders = marketplace_orders_csv.FEED
        for platform, writer in (("amazon", write_amazon), ("shopify", write_shopify)):
            files, frame = _convert(
                landing,
                orders,
                day,
                lambda f, p=platform: pl.col("platform") != p,
                writer,
                f"orders_{platform}_*.csv",
            )
            written += files
            if frame is not None:
                order_lines.append(frame)
        order_lines += [
            _read(orders, p, landing)
            for p in sorted(orders.day_dir(landing, day.isoformat()).glob("orders_*.csv"))
            if not p.name.startswith(("orders_amazon_", "orders_shopify_"))
        ]
        files, _ = _convert(
            landing,
            carrier_tracking_webhook.FEED,
            day,
            lambda f: pl.col("carrier") != "dhl",
            write_iftsta,
            "tracking_dhl_*.jsonl",
        )
        written += files
        files, _ = _convert(
            landing,
            customs_declarations_csv.FEED,
            day,
            lambda f: ~pl.col("destination_country").is_in(EU_DESTINATIONS),
            write_h7,
            "*.csv",
        )
        written += files
    if order_lines:
        stock = inventory_snapshots(
            pl.concat(order_lines, how="diagonal_relaxed"), start, end, seed
        )
        for (day,), part in stock.partition_by("snapshot_date", as_dict=True).items():
            written += write_inventory(part, landing, day)
    return sorted(written)
