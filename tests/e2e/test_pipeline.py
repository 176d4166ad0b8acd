"""End to end through Airflow, dbt and GX into a temporary home, as `make run` does it.

The runs share one home and build on each other: first run, identical re-run, then a bad batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from crossdock.config import Settings
from crossdock.ledger import Ledger
from crossdock.warehouse import mart_fingerprints

pytestmark = pytest.mark.e2e

START, END, ORDERS_PER_DAY = "2025-03-03", "2025-03-05", 40


def crossdock(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossdock.cli", *args],
        env={**os.environ, "CROSSDOCK_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def run_range(home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return crossdock(
        home, "run", "--start", START, "--end", END, "--orders-per-day", str(ORDERS_PER_DAY), *extra
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("crossdock-home")


@pytest.fixture(scope="module")
def first_run(home: Path) -> subprocess.CompletedProcess[str]:
    return run_range(home)


def count(db: Path, table: str, where: str = "true") -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select count(*) from marts.{table} where {where}").fetchone()[0]


def test_first_run_succeeds_through_airflow_and_prints_the_summary(home: Path, first_run):
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    out = first_run.stdout
    assert "SUCCESS" in out
    assert re.search(r"dbt build: \d+ models, \d+ data tests and \d+ unit tests passed", out)
    passed, total = map(int, re.search(r"GX gates passed: (\d+)/(\d+)", out).groups())
    assert passed == total > 0
    serving = Settings(home=home).serving_path
    assert f"duckdb -readonly {serving}" in out
    assert "from marts.fct_carrier_lane_performance" in out
    runs = json.loads(next((home / "runs").glob("*/dag_runs.json")).read_text())["dag_runs"]
    assert [r["dag_id"] for r in runs].count("crossdock_ingest_carrier") == 3
    assert runs[-2:] == [
        {"dag_id": "crossdock_warehouse", "day": None, "state": "success"},
        {"dag_id": "crossdock_forecast", "day": None, "state": "success"},
    ]
    assert re.search(r"forecast fc-\d{8}-[0-9a-f]{12} \(cutoff \d{4}-\d\d-\d\d\): \d+ series", out)


def test_published_marts_count_what_the_simulator_generated(home: Path, first_run):
    manifest = json.loads((home / "landing" / "_manifest.json").read_text())
    settings = Settings(home=home)
    db = settings.serving_path
    assert count(db, "fct_orders") == manifest["orders"]
    assert count(db, "fct_orders", "order_status = 'cancelled'") == manifest["cancelled_orders"]
    ours = "source_system = 'crossdock'"  # not the real SCMS history, when it is delivered
    assert count(db, "fct_shipment_journeys", ours) == manifest["shipments"]
    assert (
        count(db, "fct_shipment_journeys", f"{ours} and delivered_at is not null")
        == manifest["delivered_shipments"]
    )
    assert count(db, "fct_customs_declarations") == manifest["declarations"]
    with duckdb.connect(str(db), read_only=True) as con:
        lane_total = con.execute(
            f"select sum(shipments) from marts.fct_carrier_lane_performance where {ours}"
        ).fetchone()[0]
        handed = con.execute(
            f"select count(*) from marts.fct_shipment_journeys"
            f" where {ours} and handed_to_carrier_at is not null"
        ).fetchone()[0]
        # Every placed order line has a landed cost; every distinct checkpoint is one event.
        lines = con.execute("select count(*) from marts.fct_landed_costs").fetchone()[0]
        events = con.execute("select count(*) from marts.fct_shipment_events").fetchone()[0]
        empty = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
            if con.execute(f"select count(*) from marts.{t}").fetchone()[0] == 0
        ]
    assert lane_total == handed > 0
    # Three days are too short for two of them: no cross-border parcel is delivered yet (lane
    # lead times) and no forecast meets actuals (the weekly refresh needs two weeks before it;
    # make run's four weeks fill them: crossdock.orchestrate.weekly_cutoff_before).
    assert set(empty) <= {
        "fct_lane_lead_times",
        "fct_forecast_accuracy",
        "fct_forecast_accuracy_weekly",
    }
    placed_lines = (
        pl.scan_parquet(settings.lake / "marketplace_order_lines" / "*" / "*.parquet")
        .filter(pl.col("order_status") == "placed")
        .select(pl.len())
        .collect()
        .item()
    )
    assert lines == placed_lines > 0
    distinct_events = (
        pl.scan_parquet(settings.lake / "carrier_tracking_events" / "*" / "*.parquet")
        .select(pl.col("event_id").n_unique())
        .collect()
        .item()
    )
    assert events == distinct_events > 0
    # Every delivered row reached the lake exactly once, as the ledger says.
    landed = Ledger(settings.ledger_path).rows_by_entity()
    assert landed.pop("inventory_snapshots") > 0
    assert landed == {
        "marketplace_order_lines": manifest["order_lines"],
        "carrier_tracking_events": manifest["tracking_events"],
        "customs_declarations": manifest["declarations"],
        "customs_clearance_events": manifest["clearance_events"],
    }
    for e in Ledger(settings.ledger_path).entries():
        assert e.rows_delivered == e.rows_landed + e.rows_quarantined == e.rows_landed
    for entity, rows in landed.items():
        lake = pl.scan_parquet(settings.lake / entity / "*" / "*.parquet").collect()
        assert lake.height == rows, entity


def test_rerunning_the_same_range_changes_nothing(home: Path, first_run):
    settings = Settings(home=home)
    before = mart_fingerprints(settings.serving_path)
    ledger_before = Ledger(settings.ledger_path).entries()
    rerun = run_range(home)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert Ledger(settings.ledger_path).entries() == ledger_before
    assert mart_fingerprints(settings.serving_path) == before


def test_a_bad_batch_fails_its_gate_and_leaves_the_published_warehouse_alone(home: Path, first_run):
    settings = Settings(home=home)
    serving_sha = sha256(settings.serving_path)
    manifest_before = settings.serving_path.with_name("manifest.json").read_text()
    day_dir = settings.landing / "marketplace" / "orders" / END
    good = pl.read_csv(next(day_dir.glob("*.csv")), infer_schema=False)
    bad = good.head(3).with_columns(
        ("LATE-" + pl.col("order_id")).alias("order_id"),
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("-2"))
        .otherwise(pl.col("quantity"))
        .alias("quantity"),
    )
    bad.write_csv(day_dir / "orders_amazon_resend.csv")

    result = run_range(home, "--no-simulate")

    assert result.returncode == 1
    assert "FAILED" in result.stdout
    assert "orders_amazon_resend.csv" in result.stdout
    assert "orders_amazon_resend.csv: 1 of 3 lines invalid" in result.stdout
    assert (
        "orders_amazon_resend.csv:3: column 'quantity' failed "
        "expect_column_values_to_be_between ('-2')" in result.stdout
    )
    assert "last good snapshot keeps serving" in result.stdout
    passed, total = map(int, re.search(r"GX gates passed: (\d+)/(\d+)", result.stdout).groups())
    assert passed == total - 1  # the failed gate is counted
    assert sha256(settings.serving_path) == serving_sha
    assert settings.serving_path.with_name("manifest.json").read_text() == manifest_before
    runs = json.loads(
        max((home / "runs").glob("*/dag_runs.json"), key=lambda p: p.stat().st_mtime).read_text()
    )
    assert runs["success"] is False
    assert "crossdock_warehouse" not in [r["dag_id"] for r in runs["dag_runs"]]
    # The failed file is recorded as rejected and none of its rows reached the lake.
    lake = pl.scan_parquet(settings.lake / "marketplace_order_lines" / "*" / "*.parquet")
    assert lake.filter(pl.col("order_id").str.starts_with("LATE-")).collect().height == 0
