"""Customs clearance status events, one CSV per broker and day (see docs/feeds.md)."""

from __future__ import annotations

from ingestion.contract import Column, Contract
from ingestion.feed import Feed, read_csv_text

CONTRACT = Contract(
    entity="customs_clearance_events",
    key=("declaration_id", "status", "event_at"),
    columns=(
        Column("declaration_id", "string"),
        Column("event_at", "timestamp"),
        Column("status", "string"),
        Column("remarks", "string", required=False),
    ),
)

FEED = Feed(
    name="customs_clearance_csv",
    family="customs",
    folder="clearance_events",
    pattern="*.csv",
    contract=CONTRACT,
    read_raw=read_csv_text,
)
