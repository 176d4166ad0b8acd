"""The build batch: which lake files a build adds (crossdock_meta.build_batch_files), what an
increment runs (scoped data tests, no unit tests) and that a failed build keeps its files for
the next one. On a copy of the session's fixture build."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from crossdock.config import Settings
from crossdock.warehouse import PLACEHOLDER_NAME, BuildFailed, build, lake_sources
from tests.test_dbt_project import ORDER_LINE_SCHEMA, order_line, write_lake_file


def lake_files(settings: Settings) -> set[str]:
    return {
        p.relative_to(settings.lake).as_posix()
        for e in lake_sources()
        for p in (settings.lake / e).glob("*/*.parquet")
        if p.name != PLACEHOLDER_NAME
    }


def meta(settings: Settings, table: str) -> dict[str, str]:
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        rows = con.execute(f"select lake_path, file_sha256 from crossdock_meta.{table}").fetchall()
    return dict(rows)


def last_built(settings: Settings) -> set[str]:
    """The files the last successful build added (they share its built_at)."""
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        rows = con.execute(
            "select lake_path from crossdock_meta.built_files"
            " where built_at = (select max(built_at) from crossdock_meta.built_files)"
        ).fetchall()
    return {r[0] for r in rows}


@pytest.fixture
def home(fixture_build: Settings, tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path)
    shutil.copytree(fixture_build.lake, settings.lake)
    settings.build_dir.mkdir(parents=True)
    shutil.copyfile(fixture_build.build_path, settings.build_path)
    return settings


def test_first_build_batches_every_lake_file(fixture_build: Settings):
    files = lake_files(fixture_build)
    assert files and last_built(fixture_build) == files
    assert set(meta(fixture_build, "built_files")) == files
    assert meta(fixture_build, "build_batch_files") == {}  # emptied once built


def test_increment_batches_only_new_files_and_a_failed_build_keeps_them(home: Settings):
    before = set(meta(home, "built_files"))
    line = order_line("AMZ-9001", 1, 2, 5.0, seller_id="S-1")
    write_lake_file(
        home.lake, "marketplace_order_lines", "2024-03-05", "late.csv", [line], ORDER_LINE_SCHEMA
    )
    new = lake_files(home) - before
    assert len(new) == 1

    result = build(home)
    assert last_built(home) == new
    with duckdb.connect(str(home.build_path), read_only=True) as con:
        (sha,) = con.execute(
            "select distinct _file_sha256 from staging.stg_marketplace__order_lines"
            " where order_id = 'AMZ-9001'"
        ).fetchone()
    built = meta(home, "built_files")
    assert built[next(iter(new))] == sha
    assert set(built) == before | new and meta(home, "build_batch_files") == {}
    assert result.unit_tests_passed == 0 and result.tests_passed > 0

    # a bad row in the next delivery fails the increment: its file stays unbuilt
    bad = order_line("AMZ-9002", 1, 1, 5.0, platform="etsy")
    write_lake_file(
        home.lake, "marketplace_order_lines", "2024-03-06", "bad.csv", [bad], ORDER_LINE_SCHEMA
    )
    with pytest.raises(BuildFailed, match="accepted_values"):
        build(home)
    assert set(meta(home, "built_files")) == before | new
    (bad_file,) = lake_files(home) - before - new
    assert set(meta(home, "build_batch_files")) == {bad_file}


def test_full_refresh_batches_everything_and_runs_unit_tests(home: Settings):
    result = build(home, full_refresh=True)
    assert last_built(home) == lake_files(home) == set(meta(home, "built_files"))
    assert result.unit_tests_passed > 0


def test_a_lake_file_whose_lineage_is_no_sha256_stops_the_build(home: Settings):
    # the batch is inlined into SQL as literals: a quote in it must never reach dbt
    line = order_line("AMZ-9003", 1, 1, 5.0)
    write_lake_file(
        home.lake, "marketplace_order_lines", "2024-03-07", "odd.csv", [line], ORDER_LINE_SCHEMA
    )
    (path,) = (home.lake / "marketplace_order_lines" / "delivery_date=2024-03-07").glob("*")
    frame = pl.read_parquet(path).with_columns(pl.lit("x' or true or '").alias("_file_sha256"))
    frame.write_parquet(path)
    with pytest.raises(BuildFailed, match="without a sha256"):
        build(home)
