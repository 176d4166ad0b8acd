"""The real USAID SCMS shipment history ingests fully through the production ingest path."""

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
