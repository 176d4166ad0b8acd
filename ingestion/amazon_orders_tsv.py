"""Amazon Seller Central "All Orders" flat-file report, one file per seller account and day.

`landing/marketplace/amazon/<day>/orders_<seller_id>_<YYYYMMDD>.txt`: tab-separated, header row, no
quoting (a `"` is an ordinary character), one row per order item. Read as UTF-8, falling back to
Windows-1252 (what Seller Central uses for the US/EU marketplaces).

Mapping to `marketplace_order_lines`:

| canonical | Amazon |
|---|---|
| order_id | `amazon-order-id` |
| line_number | 1-based position of the row among the rows of its order, in file order |
| seller_id | the file name: the report has no merchant column, it is the merchant's own report |
| sku, quantity, currency | `sku`, `quantity`, `currency` |
| unit_price | `item-price` / `quantity` (`item-price` is the line total) |
| ordered_at | `purchase-date` (ISO 8601 with offset) |
| ship_to_country | `ship-country` |
| order_status | `cancelled` when `order-status` or `item-status` is `Cancelled`; `placed` for
  the other known statuses; an unknown status passes unchanged so that the gate names it |

Amazon has no HS code, origin or category in this report, and its dispatch and delivery promise are
only in the Unshipped Orders report. crossdock sellers append these columns to the export (from
their SKU master and the Unshipped Orders report): `hs-code`, `ship-from-country`,
`latest-ship-date`, `latest-delivery-date` (required; a date, or a timestamp whose date part is
taken) and `product-category` (optional). A missing required column fails the file.

Known gap: Amazon blanks `item-price` (and reports quantity 0) on cancelled items; such rows fail
`unit_price` and are quarantined rather than landed with an invented price.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ingestion.contract import FeedError
from ingestion.feed import Feed
from ingestion.marketplace_orders_csv import CONTRACT

PLATFORM = "amazon"
FILE_NAME = re.compile(r"^orders_(?P<seller>[A-Za-z0-9-]+)_\d{8}\.txt$")
REPORT_COLUMNS = (  # the All Orders report, in Amazon's order
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level",
    "product-name", "sku", "asin", "item-status", "quantity", "currency", "item-price", "item-tax",
    "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
    "item-promotion-discount", "ship-promotion-discount", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "promotion-ids",
)  # fmt: skip
EXTRA_COLUMNS = ("hs-code", "ship-from-country", "latest-ship-date", "latest-delivery-date")
OPTIONAL_COLUMNS = ("product-category",)
REQUIRED = (
    "amazon-order-id", "purchase-date", "order-status", "sku", "item-status", "quantity",
    "currency", "item-price", "ship-country", *EXTRA_COLUMNS,
)  # fmt: skip
PLACED_STATUSES = (
    "Pending", "Unshipped", "PartiallyShipped", "Shipped", "Shipping", "Complete",
    "Pending - Waiting for Pick Up", "InvoiceUnconfirmed",
)  # fmt: skip


def seller_from_name(path: Path, source_file: str) -> str:
    match = FILE_NAME.match(path.name)
    if match is None:
        raise FeedError(
            f"{source_file}: file name does not name the seller "
            "(expected orders_<seller_id>_<YYYYMMDD>.txt)"
        )
    return match["seller"]


def read_flat_file(path: Path, source_file: str) -> pl.DataFrame:
    """Rows of a tab-separated flat file as text, with the real file line (header is line 1)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = [line.removesuffix("\r") for line in text.split("\n")]  # real line numbers
    if not lines or not lines[0].strip():
        raise FeedError(f"{source_file}: empty file (no header row)")
    header = [h.strip() for h in lines[0].split("\t")]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise FeedError(f"{source_file}: duplicate column(s) {', '.join(dupes)}")
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in header]
    line_numbers: list[int] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) > width:
            raise FeedError(f"{source_file}:{number}: {len(cells)} fields, the header has {width}")
        cells += [None] * (width - len(cells))  # a truncated row: its tail is missing
        for column, cell in zip(columns, cells, strict=True):
            column.append(cell)
        line_numbers.append(number)
    series = [pl.Series(n, v, dtype=pl.String) for n, v in zip(header, columns, strict=True)]
    lineage = pl.Series("_source_line", line_numbers, dtype=pl.Int64)
    return pl.DataFrame(series).with_columns(lineage)


def _date_part(col: str) -> pl.Expr:
    """`2024-03-05` or `2024-03-05T07:59:59+00:00` -> `2024-03-05`; anything else unchanged."""
    text = pl.col(col).str.strip_chars()
    return (
        pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}T"))
        .then(text.str.slice(0, 10))
        .otherwise(text)
    )


def read_amazon_report(path: Path, source_file: str) -> pl.DataFrame:
    seller = seller_from_name(path, source_file)
    raw = read_flat_file(path, source_file)
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise FeedError(f"{source_file}: missing required column(s) {', '.join(missing)}")
    if "product-category" not in raw.columns:
        raw = raw.with_columns(pl.lit(None, pl.String).alias("product-category"))
    order_status = pl.col("order-status").str.strip_chars()
    qty = pl.col("quantity").str.strip_chars().cast(pl.Int64, strict=False)
    price = pl.col("item-price").str.strip_chars().cast(pl.Float64, strict=False)
    unit_price = (
        pl.when((qty > 0) & price.is_not_null())
        .then((price / qty).round(6).cast(pl.String))
        .otherwise(pl.col("item-price"))  # unparsable or no quantity: the cast names it
    )
    cancelled = (order_status == "Cancelled") | (
        pl.col("item-status").str.strip_chars() == "Cancelled"
    )
    return raw.select(
        pl.col("amazon-order-id").alias("order_id"),
        (pl.int_range(pl.len()).over("amazon-order-id") + 1).cast(pl.String).alias("line_number"),
        pl.lit(PLATFORM).alias("platform"),
        pl.lit(seller).alias("seller_id"),
        "sku",
        pl.col("product-category").alias("product_category"),
        pl.col("hs-code").alias("hs_code"),
        "quantity",
        unit_price.alias("unit_price"),
        "currency",
        pl.col("purchase-date").str.strip_chars().str.replace(r"Z$", "+00:00").alias("ordered_at"),
        _date_part("latest-ship-date").alias("ship_by_date"),
        _date_part("latest-delivery-date").alias("promised_delivery_date"),
        pl.col("ship-from-country").alias("ship_from_country"),
        pl.col("ship-country").alias("ship_to_country"),
        pl.when(cancelled)
        .then(pl.lit("cancelled"))
        .when(order_status.is_in(PLACED_STATUSES))
        .then(pl.lit("placed"))
        .otherwise(pl.col("order-status"))
        .alias("order_status"),
        "_source_line",
    )


FEED = Feed(
    name="amazon_orders_tsv",
    family="marketplace",
    folder="amazon",
    pattern="*.txt",
    contract=CONTRACT,
    read_raw=read_amazon_report,
)
