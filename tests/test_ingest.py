"""Ingest: exactly once per delivered file, and bad input named by file, line and reason."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from crossdock.config import FAMILIES, Settings
from crossdock.ingest import IngestFailed, ingest
from crossdock.ledger import Ledger
from simulator.generate import simulate

DAY = "2025-03-04"


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("delivered") / "landing"
    simulate(landing, date(2025, 3, 3), date(2025, 3, 4), orders_per_day=30, seed=11)
    return landing


@pytest.fixture
def settings(tmp_path: Path, delivered: Path) -> Settings:
    s = Settings(home=tmp_path / "home")
    shutil.copytree(delivered, s.landing)
    return s


def lake_rows(settings: Settings, entity: str) -> pl.DataFrame:
    return pl.read_parquet(settings.lake / entity / "*" / "*.parquet", hive_partitioning=True)


def orders_file(settings: Settings) -> Path:
    return sorted((settings.landing / "marketplace" / "orders" / DAY).glob("*.csv"))[0]


def test_rerunning_a_window_adds_nothing(settings: Settings):
    first = {f: ingest(settings, f, DAY).rows_landed for f in FAMILIES}
    lake_before = {p: p.read_bytes() for p in settings.lake.rglob("*.parquet")}
    again = [ingest(settings, f, DAY) for f in FAMILIES]
    assert first["marketplace"] > 0 and first["carrier"] > 0
    assert [r.rows_landed for r in again] == [0, 0, 0]
    assert all(r.skipped for r in again if r.family != "customs" or r.skipped)
    assert {p: p.read_bytes() for p in settings.lake.rglob("*.parquet")} == lake_before
    assert sum(Ledger(settings.ledger_path).rows_by_entity().values()) == sum(first.values())


def test_lake_rows_carry_lineage_back_to_the_delivered_line(settings: Settings):
    ingest(settings, "marketplace", DAY)
    path = orders_file(settings)
    raw = pl.read_csv(path, infer_schema=False)
    landed = lake_rows(settings, "marketplace_order_lines").filter(
        pl.col("_source_file") == path.relative_to(settings.landing).as_posix()
    )
    assert landed.height == raw.height
    row = landed.sort("_source_line").row(0, named=True)
    assert row["_source_line"] == 2  # first data line after the header
    assert row["order_id"] == raw["order_id"][0]
    assert str(row["delivery_date"]) == DAY


def test_same_content_under_a_new_name_is_a_no_op(settings: Settings):
    ingest(settings, "marketplace", DAY)
    path = orders_file(settings)
    shutil.copy(path, path.with_name("renamed_copy.csv"))
    report = ingest(settings, "marketplace", DAY)
    assert report.rows_landed == 0
    assert "renamed_copy.csv" in report.skipped


def test_same_name_with_different_content_is_refused(settings: Settings):
    ingest(settings, "marketplace", DAY)
    path = orders_file(settings)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # the partner re-sent a shorter file
    rows_before = lake_rows(settings, "marketplace_order_lines").height
    with pytest.raises(IngestFailed, match=f"{path.name}: a file with this name was already"):
        ingest(settings, "marketplace", DAY)
    assert lake_rows(settings, "marketplace_order_lines").height == rows_before


def test_an_invalid_date_names_file_line_and_column_and_lands_nothing_of_that_file(
    settings: Settings,
):
    path = orders_file(settings)
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("2024-02-30"))
        .otherwise(pl.col("promised_delivery_date"))
        .alias("promised_delivery_date")
    )
    frame.write_csv(path)
    with pytest.raises(IngestFailed) as failed:
        ingest(settings, "marketplace", DAY)
    message = str(failed.value)
    assert f"{path.name}:4: column 'promised_delivery_date' is not a valid date ('2024-02-30')" in (
        message
    )
    landed = lake_rows(settings, "marketplace_order_lines")["_source_file"].unique().to_list()
    assert path.relative_to(settings.landing).as_posix() not in landed
    assert len(landed) == len(list(path.parent.glob("*.csv"))) - 1  # the other files landed


def test_a_missing_required_column_fails_the_file_by_name(settings: Settings):
    path = orders_file(settings)
    pl.read_csv(path, infer_schema=False).drop("hs_code").write_csv(path)
    with pytest.raises(IngestFailed, match=f"{path.name}: missing required column.*hs_code"):
        ingest(settings, "marketplace", DAY)


def test_unknown_reference_values_fail_the_gate_with_their_lines(settings: Settings):
    path = sorted((settings.landing / "customs" / "declarations" / DAY).glob("*.csv"))[0]
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("999998"))
        .otherwise("hs_code")
        .alias("hs_code"),
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("XYZ"))
        .otherwise("currency")
        .alias("currency"),
    )
    frame.write_csv(path)
    with pytest.raises(IngestFailed) as failed:
        ingest(settings, "customs", DAY)
    message = str(failed.value)
    assert "expect_column_values_to_be_in_reference on hs_code: 1 unexpected" in message
    assert "['999998'] at line(s) [2]" in message
    assert "on currency: 1 unexpected, e.g. ['XYZ']" in message


def test_a_truncated_json_lines_file_fails_with_its_line(settings: Settings):
    path = sorted((settings.landing / "carrier" / "tracking" / DAY).glob("*.jsonl"))[0]
    text = path.read_text()
    path.write_text(text[: len(text) - 40])  # cut inside the last payload
    lines = text.count("\n")
    with pytest.raises(IngestFailed, match=rf"{path.name}:{lines}: invalid JSON"):
        ingest(settings, "carrier", DAY)
