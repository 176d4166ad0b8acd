"""Feed connectors: one module per delivered format, each declaring its contract."""

from __future__ import annotations

from ingestion import (
    carrier_tracking_webhook,
    customs_clearance_csv,
    customs_declarations_csv,
    marketplace_orders_csv,
)
from ingestion.feed import Feed

FEEDS: tuple[Feed, ...] = (
    marketplace_orders_csv.FEED,
    carrier_tracking_webhook.FEED,
    customs_declarations_csv.FEED,
    customs_clearance_csv.FEED,
)


def feeds_of(family: str) -> tuple[Feed, ...]:
    found = tuple(f for f in FEEDS if f.family == family)
    if not found:
        raise ValueError(
            f"unknown feed family {family!r}; known: {sorted({f.family for f in FEEDS})}"
        )
    return found
