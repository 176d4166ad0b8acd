"""Ingest: exactly once per delivered file, and bad input named by file, line and reason."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
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
    simulate(landing, date(2025, 3, 3), date(2025, 3, 4), orders_per_day=120, seed=11)
    return landing


@pytest.fixture
def settings(tmp_path: Path, delivered: Path) -> Settings:
    s = Settings(home=tmp_path / "home")
    shutil.copytree(delivered, s.landing)
    return s


def lake_rows(settings: Settings, entity: str) -> pl.DataFrame:
    """All landed rows of an entity, read as dbt reads them (by name, hive partitions)."""
    glob = settings.lake / entity / "*" / "*.parquet"
    return duckdb.sql(
        f"select * from read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
    ).pl()


def orders_file(settings: Settings) -> Path:
    """The day's Amazon order file, the largest (> 40 lines)."""
    return next((settings.landing / "marketplace" / "orders" / DAY).glob("orders_amazon_*.csv"))


def set_cells(path: Path, column: str, values: dict[int, str]) -> None:
    """Overwrite `column` on the given 0-based data rows (file line = row + 2)."""
    frame = pl.read_csv(path, infer_schema=False)
    expr = pl.col(column)
    for row, value in values.items():
        expr = pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value)).otherwise(expr)
    frame.with_columns(expr.alias(column)).write_csv(path)


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


def test_malformed_rows_are_quarantined_and_the_good_rows_of_the_file_land(
    settings: Settings,
):
    path = orders_file(settings)
    delivered = pl.read_csv(path, infer_schema=False).height
    set_cells(path, "promised_delivery_date", {2: "2024-02-30"})  # line 4: not a date
    set_cells(path, "hs_code", {5: "999998"})  # line 7: not an HS 2022 subheading
    report = ingest(settings, "marketplace", DAY)
    source = path.relative_to(settings.landing).as_posix()
    entry = next(e for e in report.landed if e.source_file == source)
    assert (entry.rows_delivered, entry.rows_quarantined, entry.rows_landed) == (
        delivered,
        2,
        delivered - 2,
    )
    quarantine = pl.read_parquet(settings.lake / "quarantine" / "*" / "*.parquet")
    assert quarantine.select("source_file", "line", "column", "value", "reason").rows() == [
        (source, 4, "promised_delivery_date", "2024-02-30", "is not a valid date"),
        (source, 7, "hs_code", "999998", "failed expect_column_values_to_be_in_reference"),
    ]
    landed = lake_rows(settings, "marketplace_order_lines").filter(pl.col("_source_file") == source)
    assert landed.height == delivered - 2
    assert not landed["_source_line"].is_in([4, 7]).any()


def test_a_file_with_too_many_bad_rows_is_rejected_whole_with_each_reason(settings: Settings):
    path = next((settings.landing / "customs" / "declarations" / DAY).glob("*.csv"))
    rows = pl.read_csv(path, infer_schema=False).height
    set_cells(path, "hs_code", {0: "999998"})
    set_cells(path, "currency", {0: "XYZ"})
    with pytest.raises(IngestFailed) as failed:
        ingest(settings, "customs", DAY)
    message = str(failed.value)
    assert f"{path.name}: 1 of {rows} lines invalid" in message
    assert f"{path.name}:2: column 'hs_code' failed expect_column_values_to_be_in_reference" in (
        message
    )
    assert f"{path.name}:2: column 'currency' failed" in message
    landed = lake_rows(settings, "customs_declarations")["_source_file"].unique().to_list()
    assert path.relative_to(settings.landing).as_posix() not in landed


def test_a_missing_required_column_fails_the_file_by_name(settings: Settings):
    path = orders_file(settings)
    frame = pl.read_csv(path, infer_schema=False)
    frame.rename({"hs_code": "hs_code_6"}).write_csv(path)  # schema drift: a renamed column
    with pytest.raises(IngestFailed) as failed:
        ingest(settings, "marketplace", DAY)
    assert (
        f"{path.name}: missing required column(s) hs_code; unexpected column(s): hs_code_6"
        in str(failed.value)
    )


def test_an_added_column_is_carried_into_the_lake(settings: Settings):
    path = orders_file(settings)
    frame = pl.read_csv(path, infer_schema=False)
    frame.with_columns(pl.lit("gift").alias("fulfilment_note")).write_csv(path)
    report = ingest(settings, "marketplace", DAY)
    entry = next(e for e in report.landed if e.file_name == path.name)
    landed = pl.read_parquet(settings.lake / entry.lake_path)
    assert landed["fulfilment_note"].unique().to_list() == ["gift"]
    assert landed.height == entry.rows_landed


def test_a_truncated_json_lines_file_fails_with_its_line(settings: Settings):
    path = sorted((settings.landing / "carrier" / "tracking" / DAY).glob("*.jsonl"))[0]
    text = path.read_text()
    path.write_text(text[: len(text) - 40])  # cut inside the last payload
    lines = text.count("\n")
    with pytest.raises(IngestFailed, match=rf"{path.name}:{lines}: invalid JSON"):
        ingest(settings, "carrier", DAY)


def test_a_truncated_csv_quarantines_its_cut_last_line(settings: Settings):
    path = orders_file(settings)
    text = path.read_text()
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    path.write_text(text.rstrip("\n")[: -len(last) // 2])  # cut the last row in half
    report = ingest(settings, "marketplace", DAY)
    entry = next(e for e in report.landed if e.file_name == path.name)
    assert entry.rows_quarantined == 1
    quarantine = pl.read_parquet(settings.lake / "quarantine" / "*" / "*.parquet")
    assert quarantine["line"].unique().len() == 1
    assert any("no line ending (truncated file?)" in r for r in quarantine["reason"])


def test_the_same_content_twice_in_one_delivery_lands_once(settings: Settings):
    path = orders_file(settings)
    shutil.copy(path, path.with_name("orders_amazon_resend.csv"))
    report = ingest(settings, "marketplace", DAY)
    assert "orders_amazon_resend.csv" in report.skipped or path.name in report.skipped
    landed = lake_rows(settings, "marketplace_order_lines")
    assert landed.select("order_id", "line_number").is_duplicated().sum() == 0
    assert report.rows_landed == landed.height
