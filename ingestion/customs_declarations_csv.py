"""Customs broker declaration export, one CSV per broker and day (see docs/feeds.md)."""

from __future__ import annotations

from ingestion.contract import Column, Contract
from ingestion.feed import Feed, read_csv_text

CONTRACT = Contract(
    entity="customs_declarations",
    key=("declaration_id",),
    columns=(
        Column("declaration_id", "string"),
        Column("tracking_number", "string"),
        Column("order_id", "string"),
        Column("declared_at", "timestamp"),
        Column("broker", "string"),
        Column("hs_code", "string"),
        Column("goods_description", "string", required=False),
        Column("declared_value", "float"),
        Column("currency", "string"),
        Column("incoterm", "string"),
        Column("origin_country", "string"),
        Column("destination_country", "string"),
        Column("duty_amount", "float"),
        Column("vat_amount", "float"),
    ),
)

FEED = Feed(
    name="customs_declarations_csv",
    family="customs",
    folder="declarations",
    pattern="*.csv",
    contract=CONTRACT,
    read_raw=read_csv_text,
)
