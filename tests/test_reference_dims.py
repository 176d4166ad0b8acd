"""Reference dimensions: crossdock.warehouse.build exports the shipped reference data to the lake
and dbt builds dim_countries, dim_hs_codes, dim_dates and dim_public_holidays from it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from crossdock.config import Settings
from crossdock.reference.export import export_reference
from tests.test_dbt_project import one

TABLES = ("countries", "hs_codes", "hs_sections", "ecb_rates", "public_holidays")


@pytest.fixture(scope="module")
def warehouse(fixture_build: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(fixture_build.build_path), read_only=True)
    yield con
    con.close()


def test_export_writes_every_table_deterministically(tmp_path: Path):
    counts = export_reference(tmp_path / "a")
    assert set(counts) == set(TABLES)
    assert all(n > 0 for n in counts.values())
    export_reference(tmp_path / "b")
    for table in TABLES:
        a = pl.read_parquet(tmp_path / "a" / "reference" / f"{table}.parquet")
        b = pl.read_parquet(tmp_path / "b" / "reference" / f"{table}.parquet")
        assert a.height == counts[table]
        assert a.equals(b)
    assert not list((tmp_path / "a" / "reference").glob(".*.tmp"))
    hs = pl.read_parquet(tmp_path / "a" / "reference" / "hs_codes.parquet")
    assert hs.columns == ["hs_code", "level", "parent", "section", "description"]


def test_dim_countries(warehouse):
    assert one(
        warehouse, "select iso3, country_name from marts.dim_countries where iso2 = 'NA'"
    ) == (
        "NAM",
        "Namibia",
    )
    assert one(warehouse, "select count(*) from marts.dim_countries where iso2 is null") == (0,)
    assert one(warehouse, "select is_eu from marts.dim_countries where iso2 = 'DE'") == (True,)
    assert one(warehouse, "select is_eu from marts.dim_countries where iso2 = 'GB'") == (False,)
    assert one(warehouse, "select count(*) from marts.dim_countries where is_eu") == (27,)


def test_dim_hs_codes(warehouse):
    assert one(
        warehouse, "select chapter, heading, section from marts.dim_hs_codes where hs6 = '851713'"
    ) == ("85", "8517", "XVI")
    assert one(
        warehouse,
        "select count(*) from marts.dim_hs_codes"
        " where length(hs6) <> 6 or heading <> left(hs6, 4) or chapter <> left(hs6, 2)",
    ) == (0,)


def test_dim_dates(warehouse):
    assert one(warehouse, "select count(*) from marts.dim_dates where year = 2024") == (366,)
    assert one(
        warehouse, "select count(*) from marts.dim_dates where date_day = date '2024-02-29'"
    ) == (1,)
    assert one(warehouse, "select min(date_day), max(date_day) from marts.dim_dates") == (
        date(2015, 1, 1),
        date(2030, 12, 31),
    )
    # 2024-12-30 is a Monday in ISO week 1 of 2025; 2024-03-02 is a Saturday.
    assert one(
        warehouse,
        "select iso_year, iso_week, day_of_week, is_weekend from marts.dim_dates"
        " where date_day = date '2024-12-30'",
    ) == (2025, 1, 1, False)
    assert one(
        warehouse, "select is_weekend from marts.dim_dates where date_day = date '2024-03-02'"
    ) == (True,)


def test_ecb_source_has_eur_at_one(warehouse):
    rows = warehouse.execute(
        "select distinct per_eur from staging.stg_reference__ecb_rates where currency = 'EUR'"
    ).fetchall()
    assert rows == [(1.0,)]


def test_dim_public_holidays(warehouse):
    assert one(
        warehouse,
        "select holiday_name from marts.dim_public_holidays"
        " where country = 'US' and holiday_date = date '2024-07-04'",
    ) == ("Independence Day",)
