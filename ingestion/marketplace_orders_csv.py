"""Marketplace order lines, one CSV per platform and day (see docs/feeds.md)."""

from __future__ import annotations

from ingestion.contract import Column, Contract
from ingestion.feed import Feed, read_csv_text

CONTRACT = Contract(
    entity="marketplace_order_lines",
    key=("order_id", "line_number"),
    columns=(
        Column("order_id", "string"),
        Column("line_number", "int"),
        Column("platform", "string"),
        Column("seller_id", "string"),
        Column("sku", "string"),
        Column("product_category", "string", required=False),
        Column("hs_code", "string"),
        Column("quantity", "int"),
        Column("unit_price", "float"),
        Column("currency", "string"),
        Column("ordered_at", "timestamp"),
        Column("ship_by_date", "date"),
        Column("promised_delivery_date", "date"),
        Column("ship_from_country", "string"),
        Column("ship_to_country", "string"),
        Column("order_status", "string"),
    ),
)

FEED = Feed(
    name="marketplace_orders_csv",
    family="marketplace",
    folder="orders",
    pattern="*.csv",
    contract=CONTRACT,
    read_raw=read_csv_text,
)
