"""Feed connectors: one module per delivered format, each declaring its contract."""

from __future__ import annotations

from ingestion import (
    amazon_orders_tsv,
    carrier_iftsta_edifact,
    carrier_tracking_webhook,
    customs_clearance_csv,
    customs_declarations_csv,
    customs_h7_xml,
    inventory_report_csv,
    marketplace_orders_csv,
    olist_orders_csv,
    scms_shipments_csv,
    shopify_orders_json,
)
from ingestion.feed import Feed

FEEDS: tuple[Feed, ...] = (
    marketplace_orders_csv.FEED,
    shopify_orders_json.FEED,
    amazon_orders_tsv.FEED,
    olist_orders_csv.FEED,
    inventory_report_csv.FEED,
    carrier_tracking_webhook.FEED,
    carrier_iftsta_edifact.FEED,
    scms_shipments_csv.FEED,
    customs_declarations_csv.FEED,
    customs_h7_xml.FEED,
    customs_clearance_csv.FEED,
)


def feeds_of(family: str) -> tuple[Feed, ...]:
    found = tuple(f for f in FEEDS if f.family == family)
    if not found:
        raise ValueError(
            f"unknown feed family {family!r}; known: {sorted({f.family for f in FEEDS})}"
        )
    return found
