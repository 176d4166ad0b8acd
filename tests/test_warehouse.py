"""Warehouse build preconditions."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from crossdock.config import Settings
from crossdock.lake import write_atomic
from crossdock.warehouse import (
    PLACEHOLDER_NAME,
    PLACEHOLDER_PARTITION,
    BuildFailed,
    build,
    lake_sources,
    prepare_lake,
)
from ingestion import inventory_report_csv


def test_build_refuses_clearly_when_a_feed_has_not_landed_yet(tmp_path: Path):
    with pytest.raises(BuildFailed, match=r"no landed data yet for .*carrier_tracking_events"):
        build(Settings(home=tmp_path))


def test_an_optional_feed_nobody_delivered_reads_as_an_empty_table_with_its_contract(
    tmp_path: Path,
):
    from tests.test_dbt_project import write_fixture_lake

    lake = tmp_path / "lake"
    write_fixture_lake(lake)  # the four required feeds, no warehouse stock, no SCMS
    prepare_lake(lake)
    placeholder = lake / "inventory_snapshots" / PLACEHOLDER_PARTITION / PLACEHOLDER_NAME
    stock = duckdb.sql(
        f"select * from read_parquet('{lake}/inventory_snapshots/*/*.parquet',"
        " hive_partitioning = true)"
    )
    assert stock.fetchall() == []
    assert set(inventory_report_csv.CONTRACT.names) <= set(stock.columns)
    assert {"_source_file", "_source_line", "_file_sha256", "delivery_date"} <= set(stock.columns)
    assert set(lake_sources(optional=True)) == {"inventory_snapshots", "scms_shipment_lines"}

    # Once a real delivery lands, the placeholder goes.
    real = lake / "inventory_snapshots" / "delivery_date=2024-03-01" / "inventory-0.parquet"
    write_atomic(pl.DataFrame(schema=inventory_report_csv.CONTRACT.polars_schema()), real)
    prepare_lake(lake)
    assert not placeholder.exists() and real.exists()
