"""A simulated landing re-delivered in partner formats ingests to exactly the simulated counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crossdock.config import FAMILIES, Settings
from crossdock.ingest import ingest
from crossdock.ledger import Ledger
from simulator.generate import simulate

START, END = date(2025, 3, 3), date(2025, 3, 5)


def test_partner_formats_hold_exactly_the_simulated_records(tmp_path: Path):
    settings = Settings(home=tmp_path)
    manifest = simulate(
        settings.landing, START, END, orders_per_day=80, seed=5, partner_formats=True
    )
    folders = {f.split("/")[1] for f in manifest.files}
    assert folders == {
        "orders",
        "amazon",
        "shopify",
        "tracking",
        "iftsta",
        "declarations",
        "h7",
        "clearance_events",
        "inventory",
    }
    assert all((settings.landing / f).exists() for f in manifest.files)
    # Idempotent: simulating again writes the same files.
    before = {f: (settings.landing / f).read_bytes() for f in manifest.files}
    again = simulate(settings.landing, START, END, orders_per_day=80, seed=5, partner_formats=True)
    assert again.files == manifest.files
    assert {f: (settings.landing / f).read_bytes() for f in again.files} == before
    assert not list(settings.landing.glob("marketplace/orders/*/orders_amazon_*.csv"))
    assert not list(settings.landing.glob("carrier/tracking/*/tracking_dhl_*.jsonl"))

    for day in ("2025-03-03", "2025-03-04", "2025-03-05"):
        for family in FAMILIES:
            ingest(settings, family, day)

    entries = Ledger(settings.ledger_path).entries()
    assert {e.feed for e in entries} >= {
        "amazon_orders_tsv",
        "shopify_orders_json",
        "marketplace_orders_csv",
        "carrier_iftsta_edifact",
        "carrier_tracking_webhook",
        "customs_h7_xml",
        "customs_declarations_csv",
        "customs_clearance_csv",
        "inventory_report_csv",
    }
    assert all(e.rows_quarantined == 0 for e in entries)
    rows = Ledger(settings.ledger_path).rows_by_entity()
    assert rows["marketplace_order_lines"] == manifest.order_lines
    assert rows["carrier_tracking_events"] == manifest.tracking_events
    assert rows["customs_declarations"] == manifest.declarations
    assert rows["customs_clearance_events"] == manifest.clearance_events
    assert rows["inventory_snapshots"] > 0
