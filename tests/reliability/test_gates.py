"""Severities, the warehouse gate, dq_results and the Data Docs."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import great_expectations.expectations as gxe
import pandas as pd
import pytest

from crossdock.config import Settings
from crossdock.dq import DQ_SCHEMA, data_docs_path, gate_warehouse, validate_mart
from crossdock.publish import connect_serving, publish
from crossdock.warehouse import run_dbt
from quality.gates import GateFailed, validate
from quality.suites.common import in_set, suite, warn
from quality.suites.marts import SUITES as MART_SUITES
from tests.test_dbt_project import record_fixture_lake_in_ledger


def test_a_failed_warn_is_recorded_but_only_an_error_fails_the_gate():
    frame = pd.DataFrame({"status": ["a", "b", "zz"], "n": [1, 2, 3]})
    lenient = suite(
        "t.lenient",
        warn(gxe.ExpectColumnValuesToBeBetween(column="n", min_value=0, max_value=2)),
        in_set("status", ["a", "b", "zz"]),
    )
    result = validate(frame, lenient, batch="t")
    assert result.success and [o.severity for o in result.warnings] == ["warn"]
    assert result.warnings[0].unexpected_count == 1
    strict = suite("t.strict", in_set("status", ["a", "b"]), warn(in_set("status", ["a"])))
    result = validate(frame, strict, batch="t")
    assert not result.success
    assert [(o.severity, o.success) for o in result.outcomes] == [("error", False), ("warn", False)]
    with pytest.raises(ValueError, match="severity 'fatal'"):
        in_set("status", ["a"], severity="fatal")


def test_a_big_mart_validated_in_chunks_gives_the_same_outcomes(fixture_build: Settings):
    with duckdb.connect(str(fixture_build.build_path), read_only=True) as con:
        whole = validate_mart(con, "dim_dates", MART_SUITES["dim_dates"])
        chunked = validate_mart(con, "dim_dates", MART_SUITES["dim_dates"], chunk_rows=2048)
    assert whole.rows == chunked.rows > 2 * 2048
    assert [(o.expectation, o.success) for o in whole.outcomes] == [
        (o.expectation, o.success) for o in chunked.outcomes
    ]


def test_warehouse_gate_blocks_on_unrecorded_lake_files_and_keeps_every_result(
    fixture_build: Settings, tmp_path: Path
):
    settings = Settings(home=tmp_path / "home")
    shutil.copytree(fixture_build.lake, settings.lake)
    settings.build_dir.mkdir(parents=True)
    shutil.copyfile(fixture_build.build_path, settings.build_path)

    # Lake files nobody recorded (no ledger at all): an error, naming the files.
    with pytest.raises(GateFailed, match="in the lake, not in the ledger") as failed:
        gate_warehouse(settings, "run-1")
    assert "warehouse.lake_reconciliation" in str(failed.value)
    assert "orders_amazon_20240301" in str(failed.value)
    docs = data_docs_path(settings).read_text()
    assert "run run-1" in docs and "failed (error)" in docs

    record_fixture_lake_in_ledger(settings)
    results = gate_warehouse(settings, "run-2")
    assert all(r.success for r in results)
    batches = {r.batch for r in results}
    assert {f"warehouse.{n}" for n in ("lake_reconciliation", "referential_integrity")} <= batches
    assert {f"marts.{m}" for m in MART_SUITES} <= batches

    def dq_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
        return con.execute(
            f"select run_id, count(*), count(distinct result_id),"
            f" bool_and(success or severity = 'warn'), count(*) filter (not success)"
            f" from {DQ_SCHEMA}.dq_results group by run_id order by run_id"
        ).fetchall()

    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        before = dq_rows(con)
    assert [(r[0], r[1] == r[2], r[3]) for r in before] == [
        ("run-1", True, False),
        ("run-2", True, True),
    ]
    # The fixture's order feed lags its tracking feed by 8 days: a warning, recorded, published.
    assert before[1][4] >= 1
    assert any(o.severity == "warn" for r in results for o in r.failures)
    # A full refresh of an incremental mart leaves dq_results alone (dbt does not manage it).
    proc = run_dbt(settings, "run", "--full-refresh", "--select", "fct_shipment_events")
    assert proc.returncode == 0, proc.stdout[-2000:]
    publish(settings)
    with connect_serving(settings) as con:
        assert dq_rows(con) == before  # in the serving snapshot, each result once


def test_publish_serves_only_what_a_gate_passed(fixture_build: Settings, tmp_path: Path):
    """A build marks its marts ungated until a gate passes them; publish refuses meanwhile, so a
    failed warehouse gate also blocks the forecast DAG's publish (its gate covers its marts)."""
    from crossdock.dq import EVERY_MART, PublishRefused, ungated_marts
    from crossdock.forecast import build_forecast_marts, forecast_marts, gate_forecast_marts
    from crossdock.warehouse import build

    settings = Settings(home=tmp_path / "home")
    shutil.copytree(fixture_build.lake, settings.lake)
    settings.build_dir.mkdir(parents=True)
    shutil.copyfile(fixture_build.build_path, settings.build_path)

    def ungated() -> list[str]:
        with duckdb.connect(str(settings.build_path), read_only=True) as con:
            return ungated_marts(con)

    assert ungated() == [EVERY_MART]  # built, never gated
    with pytest.raises(PublishRefused, match="every mart"):
        publish(settings)
    with pytest.raises(GateFailed):  # lake files not in any ledger
        gate_warehouse(settings, "run-1")
    with pytest.raises(PublishRefused):
        publish(settings)
    assert not settings.serving_path.exists()

    record_fixture_lake_in_ledger(settings)
    gate_warehouse(settings, "run-2")
    assert ungated() == []
    served = publish(settings).version

    build(settings)  # the next day's build, then its gate fails
    settings.ledger_path.unlink()
    with pytest.raises(GateFailed):
        gate_warehouse(settings, "run-3")
    # The forecast DAG: its build and gate pass, but the other marts are still ungated.
    build_forecast_marts(settings)
    marts = forecast_marts(settings)
    assert marts
    gate_forecast_marts(settings, "run-4")
    assert ungated() == [EVERY_MART]
    with pytest.raises(PublishRefused):
        publish(settings)
    with connect_serving(settings) as con:
        assert con.execute("select version from serving.snapshot").fetchone() == (served,)
