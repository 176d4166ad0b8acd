"""Every partner format, and the real SCMS history, through the production ingest path."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from crossdock.config import Settings
from crossdock.ingest import ingest
from crossdock.ledger import Ledger

SCMS = "scms_delivery_history_dev/SCMS_Delivery_History_Dataset.dev_pre2014.csv.gz"


@pytest.mark.shared_data
def test_the_real_scms_file_lands_every_line_exactly_once(shared_data: Path, tmp_path: Path):
    settings = Settings(home=tmp_path)
    day_dir = settings.landing / "carrier" / "scms" / "2014-01-01"
    day_dir.mkdir(parents=True)
    shutil.copy(shared_data / SCMS, day_dir)

    report = ingest(settings, "carrier", "2014-01-01")

    (entry,) = report.landed
    assert (entry.rows_delivered, entry.rows_landed, entry.rows_quarantined) == (7754, 7754, 0)
    lake = settings.lake / "scms_shipment_lines" / "*" / "*.parquet"
    lines, distinct, first, last = duckdb.execute(
        f"select count(*), count(distinct _source_line), min(_source_line), max(_source_line)"
        f" from read_parquet('{lake}')"
    ).fetchone()
    assert (lines, distinct, first, last) == (7754, 7754, 2, 7755)
    # A replay of the same file adds nothing.
    assert ingest(settings, "carrier", "2014-01-01").rows_landed == 0
    assert len(Ledger(settings.ledger_path).entries()) == 1


@pytest.mark.shared_data
def test_the_real_scms_file_lands_po_and_pq_dates(shared_data: Path, tmp_path: Path):
    """`PO Sent to Vendor Date` / `PQ First Sent to Client Date`: d-Mon-yy or M/D/YY dates land
    as dates; `N/A - From RDC`, `Date Not Captured`, `Pre-PQ Process` land as null."""
    settings = Settings(home=tmp_path)
    day_dir = settings.landing / "carrier" / "scms" / "2014-01-01"
    day_dir.mkdir(parents=True)
    shutil.copy(shared_data / SCMS, day_dir)
    ingest(settings, "carrier", "2014-01-01")
    lake = settings.lake / "scms_shipment_lines" / "*" / "*.parquet"
    # Independently: DuckDB over the raw file, either date format, anything else null.
    raw = f"read_csv('{shared_data / SCMS}', header = true, all_varchar = true)"
    parsed = """coalesce(try_strptime({c}, '%d-%b-%y'), try_strptime({c}, '%m/%d/%y'))::date"""
    mismatches, po_dates, pq_dates, no_date_texts = duckdb.execute(
        f"""
        with expected as (
            select "ID"::int as scms_id,
                {parsed.format(c='"PO Sent to Vendor Date"')} as po,
                {parsed.format(c='"PQ First Sent to Client Date"')} as pq,
                "PO Sent to Vendor Date" as po_text, "PQ First Sent to Client Date" as pq_text
            from {raw}
        )
        select
            count(*) filter (
                where landed.po_sent_to_vendor_date is distinct from expected.po
                or landed.pq_first_sent_to_client_date is distinct from expected.pq
            ),
            count(landed.po_sent_to_vendor_date),
            count(landed.pq_first_sent_to_client_date),
            count(*) filter (
                where expected.po is null
                and expected.po_text not in ('N/A - From RDC', 'Date Not Captured')
                or expected.pq is null
                and expected.pq_text not in ('Pre-PQ Process', 'Date Not Captured')
            )
        from read_parquet('{lake}') as landed
        inner join expected using (scms_id)
        """
    ).fetchone()
    assert (mismatches, no_date_texts) == (0, 0)
    assert (po_dates, pq_dates) == (7754 - 4384 - 328, 7754 - 2476 - 205)


FIXTURES = Path(__file__).parent / "fixtures"


def test_every_registered_format_ingests_through_the_production_path(tmp_path: Path):
    """One delivery of each partner format, placed as partners drop them, lands and reconciles."""
    from ingestion import FEEDS

    settings = Settings(home=tmp_path)
    marketplace_day, other_day = "2024-03-01", "2025-02-04"
    shutil.copytree(FIXTURES / "marketplace", settings.landing / "marketplace")
    for family, folder, fixture in (
        ("carrier", "iftsta", "carrier/iftsta_dhl_20250204.edi"),
        ("customs", "h7", "customs/h7_kuehne-nagel_20250204.xml"),
    ):
        day_dir = settings.landing / family / folder / other_day
        day_dir.mkdir(parents=True)
        shutil.copy(FIXTURES / fixture, day_dir)

    landed = ingest(settings, "marketplace", marketplace_day).landed
    landed += ingest(settings, "carrier", other_day).landed
    landed += ingest(settings, "customs", other_day).landed

    by_feed = {e.feed for e in landed}
    assert by_feed == {
        "shopify_orders_json",
        "amazon_orders_tsv",
        "olist_orders_csv",
        "inventory_report_csv",
        "carrier_iftsta_edifact",
        "customs_h7_xml",
    }
    assert by_feed | {
        "marketplace_orders_csv",
        "carrier_tracking_webhook",
        "scms_shipments_csv",
        "customs_declarations_csv",
        "customs_clearance_csv",
    } == {f.name for f in FEEDS}
    for e in landed:
        assert e.rows_landed > 0 and e.rows_delivered == e.rows_landed + e.rows_quarantined
