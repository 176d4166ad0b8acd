"""Mart gates validate what changed since the last published snapshot, and still run every
whole-table check over the whole mart (crossdock.dq.gate_mart). Real DuckDB files, real publish,
real GX suites."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import great_expectations.expectations as gxe
import pytest

from crossdock.config import Settings
from crossdock.dq import (
    ROW_EXPECTATIONS,
    TABLE_IN_DUCKDB,
    DqStore,
    MartGate,
    attached_snapshot,
    expectation_scope,
    gate_mart,
    record_vouched,
)
from crossdock.publish import connect_serving, publish
from quality.suites.common import at_least, not_null, suite, warn
from quality.suites.marts import SUITES as MART_SUITES

ROWS = 300


def _suite():
    return suite(
        "marts.m",
        gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=ROWS + 20),
        gxe.ExpectColumnValuesToBeUnique(column="id"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["k1", "k2"]),
        *not_null("a"),
        gxe.ExpectColumnValuesToBeBetween(column="d", min_value=0),
        warn(gxe.ExpectColumnValuesToBeBetween(column="w", max_value=100)),
        at_least("b", "c"),
    )


V1 = f"""
create or replace table marts.m as
select i as id, i // 2 as k1, i % 2 as k2, 'x' as a, i as d,
       case when i = 7 then 500 else 1 end as w,  -- row 7: a warning, published
       2 as b, 1 as c, repeat('u', 50) as unused
from range({ROWS}) t(i)
"""


def _home(tmp_path: Path, *statements: str) -> Settings:
    settings = Settings(home=tmp_path / "home")
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    _sql(settings, "create schema if not exists marts", *statements)
    return settings


def _sql(settings: Settings, *statements: str) -> None:
    with duckdb.connect(str(settings.build_path)) as con:
        for statement in statements:
            con.execute(statement)


def _gate(settings: Settings, make_suite=_suite, run_id: str = "r") -> MartGate:
    """Gate marts.m of the build against the published snapshot (if any), as gate_warehouse
    does, and write what it vouches for into the build."""
    with (
        duckdb.connect(str(settings.build_path), read_only=True) as con,
        attached_snapshot(con, settings) as snapshot,
    ):
        gate = gate_mart(con, "m", make_suite, snapshot=snapshot, delta_min_rows=100)
    with duckdb.connect(str(settings.build_path)) as con:
        record_vouched(con, [gate], run_id)
    return gate


def _failures(gate: MartGate) -> dict[tuple[str, str | None], tuple[int | None, str, int]]:
    return {
        (o.expectation, o.column): (o.unexpected_count, o.scope, o.scope_rows)
        for o in gate.result.failures
    }


BETWEEN, UNIQUE = "expect_column_values_to_be_between", "expect_column_values_to_be_unique"


@pytest.fixture
def published_v1(tmp_path: Path) -> Settings:
    settings = _home(tmp_path, V1)
    first = _gate(settings)
    assert first.row_mode == "whole" and first.reason == "no published snapshot"
    assert first.result.success and _failures(first) == {
        (BETWEEN, "w"): (1, "whole", ROWS),  # the warning on row 7
    }
    publish(settings)
    return settings


def test_only_changed_rows_are_validated_and_a_new_bad_row_is_caught(published_v1: Settings):
    settings = published_v1
    _sql(
        settings,
        # a day's new rows, one of them bad (d < 0)
        f"insert into marts.m select i, i // 2, i % 2, 'x', case when i = 305 then -1 else i end,"
        f" 1, 2, 1, 'new' from range({ROWS}, {ROWS + 10}) t(i)",
        "update marts.m set w = 600 where id = 8",  # a changed row that is now bad (warn)
        "update marts.m set unused = 'v' where id = 9",  # a change no expectation reads
    )
    gate = _gate(settings)
    assert gate.row_mode == "delta", gate.reason
    # Row 7's warning is in the snapshot, unchanged: not reported again. Row 8 changed: it is.
    assert _failures(gate) == {
        (BETWEEN, "d"): (1, "delta", 11),
        (BETWEEN, "w"): (1, "delta", 11),
    }
    assert not gate.result.success and gate.vouch is None  # a failed mart vouches for nothing
    # Whole-table checks covered the whole mart.
    table = {o.expectation: o for o in gate.result.outcomes if o.scope == "table"}
    assert set(table) == {
        "expect_table_row_count_to_be_between",
        UNIQUE,
        "expect_compound_columns_to_be_unique",
    }
    assert {o.scope_rows for o in table.values()} == {ROWS + 10}
    assert table["expect_table_row_count_to_be_between"].observed == ROWS + 10


def test_whole_table_checks_see_rows_outside_the_delta(published_v1: Settings):
    settings = published_v1
    # New rows duplicate keys of old, unchanged rows and push the count over the maximum.
    _sql(
        settings,
        "insert into marts.m select id, k1, k2, a, d, 1, b, c, 'dup' from marts.m where id < 3",
        f"insert into marts.m select i, 1000 + i, 0, 'x', 1, 1, 2, 1, '' from range({ROWS},"
        f" {ROWS + 30}) t(i)",
    )
    gate = _gate(settings)
    assert gate.row_mode == "delta"
    failures = _failures(gate)
    assert failures[(UNIQUE, "id")] == (6, "table", ROWS + 33)  # both copies of 0, 1, 2
    assert failures[("expect_compound_columns_to_be_unique", None)] == (6, "table", ROWS + 33)
    (count,) = [o for o in gate.result.failures if o.expectation.startswith("expect_table_row")]
    assert count.observed == ROWS + 33 and count.scope == "table"
    # Not one row expectation failed: the new rows are good.
    assert {o.scope for o in gate.result.failures} == {"table"}


def test_a_mart_whose_schema_changed_is_validated_whole(published_v1: Settings):
    settings = published_v1
    _sql(settings, "alter table marts.m add column extra integer")
    gate = _gate(settings)
    assert (gate.row_mode, gate.reason) == ("whole", "the mart's columns changed")
    # Whole: row 7's warning is reported again, over every row.
    assert _failures(gate) == {(BETWEEN, "w"): (1, "whole", ROWS)}
    # A column's type changing counts too.
    publish(settings)
    _sql(settings, "alter table marts.m alter column d type double")
    assert _gate(settings).reason == "the mart's columns changed"


def test_the_snapshot_vouches_only_for_what_its_gate_passed(published_v1: Settings):
    settings = published_v1
    assert _gate(settings).row_mode == "delta"  # unchanged, vouched: nothing to validate
    # The suite changed (a new expectation): validate whole once.
    stricter = lambda: suite(  # noqa: E731
        "marts.m",
        *_suite().expectations,
        gxe.ExpectColumnValuesToBeBetween(column="c", max_value=5),
    )
    gate = _gate(settings, stricter)
    assert (gate.row_mode, gate.reason) == (
        "whole",
        "the suite changed since the snapshot was gated",
    )
    assert _gate(settings).row_mode == "delta"  # the snapshot still vouches for the old suite
    # A build gated, then changed and published ungated: the snapshot's rows are not the ones
    # its gate passed.
    _sql(settings, "update marts.m set d = -5 where id = 11")
    publish(settings)
    gate = _gate(settings)
    assert gate.reason == "the snapshot's rows are not the ones its gate passed"
    assert _failures(gate) == {
        (BETWEEN, "d"): (1, "whole", ROWS),
        (BETWEEN, "w"): (1, "whole", ROWS),
    }
    # Published without any gate record at all: whole.
    _sql(settings, "update marts.m set d = 1 where id = 11", "drop table dq.gated_marts")
    publish(settings)
    assert _gate(settings).reason == "no validated version in the snapshot"


def test_whole_table_checks_in_duckdb_equal_gx_on_the_whole_frame(tmp_path: Path):
    settings = _home(
        tmp_path,
        f"""create table marts.m as select
            case when i in (3, 4) then 1 when i in (5, 6) then null else i end as id,
            case when i < 4 then null else i // 3 end as k1,
            case when i < 6 then null else 0 end as k2,
            'x' as a, i - 2 as d, 1 as w, 2 as b, 1 as c, '' as unused
            from range({ROWS}) t(i)""",
    )
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        split = gate_mart(con, "m", _suite, delta_min_rows=100)  # no snapshot: split, whole
        gx_only = gate_mart(con, "m", _suite, delta_min_rows=ROWS + 1)  # one GX frame
    assert split.row_mode == gx_only.row_mode == "whole"

    def outcomes(gate: MartGate) -> list[tuple]:  # GX orders its results by domain
        return sorted(
            (o.expectation, str(o.kwargs), o.success, o.unexpected_count)
            for o in gate.result.outcomes
        )

    assert outcomes(split) == outcomes(gx_only)
    assert [o.scope for o in split.result.outcomes][:3] == ["table"] * 3
    failed = {o.expectation: o.unexpected_count for o in split.result.failures}
    assert failed[UNIQUE] == 3  # id 1 (i = 1, 3, 4); the two nulls are not duplicates
    assert failed["expect_compound_columns_to_be_unique"] > 0


def test_another_whole_table_expectation_runs_over_the_whole_mart(published_v1: Settings):
    settings = published_v1
    with_mean = lambda: suite(  # noqa: E731
        "marts.m",
        *_suite().expectations,
        warn(gxe.ExpectColumnMeanToBeBetween(column="d", max_value=1)),
    )
    _gate(settings, with_mean)
    publish(settings)
    gate = _gate(settings, with_mean)
    assert gate.row_mode == "delta"
    (mean,) = [
        o for o in gate.result.outcomes if o.expectation == "expect_column_mean_to_be_between"
    ]
    assert (mean.success, mean.scope, mean.scope_rows) == (False, "whole", ROWS)
    assert mean.observed == pytest.approx((ROWS - 1) / 2)


def test_every_mart_expectation_is_classified():
    """A new expectation type in a mart suite must be placed: row (checked on changed rows) or
    whole-table in DuckDB; anything else would run whole in one pandas frame."""
    for mart, make_suite in MART_SUITES.items():
        for e in make_suite().expectations:
            config = e.configuration
            assert config.type in ROW_EXPECTATIONS | TABLE_IN_DUCKDB, (mart, config.type)
            assert expectation_scope(config) == (
                "row" if config.type in ROW_EXPECTATIONS else "table"
            ), (mart, config.type)
    mostly = gxe.ExpectColumnValuesToNotBeNull(column="a", mostly=0.9).configuration
    assert expectation_scope(mostly) == "table"  # a share of the whole table
    forced = gxe.ExpectColumnValuesToNotBeNull(column="a", meta={"scope": "table"}).configuration
    assert expectation_scope(forced) == "table"


def test_a_reader_and_publish_are_not_blocked_by_the_gate(published_v1: Settings):
    settings = published_v1
    reader = connect_serving(settings)  # a BI tool's read-only connection, held open
    try:
        with duckdb.connect(str(settings.build_path), read_only=True) as con:
            with attached_snapshot(con, settings) as snapshot:
                assert snapshot is not None and "m" in snapshot.vouched
                # Another process publishes over the serving file while the gate has it
                # attached (a copy of the build: the gate holds the build itself); the reader
                # reads on.
                _publish_in_another_process(settings)
                assert reader.execute("select count(*) from marts.m").fetchone() == (ROWS,)
                gate = gate_mart(con, "m", _suite, snapshot=snapshot, delta_min_rows=100)
            attached = con.execute("select database_name from duckdb_databases()").fetchall()
        assert gate.row_mode == "delta"
        assert ("gate_snapshot",) not in attached  # detached before the gate returns
    finally:
        reader.close()
    # Publish and a new reader in this same process, right after the gate.
    publish(settings)
    with connect_serving(settings) as con:
        assert con.execute("select count(*) from marts.m").fetchone() == (ROWS,)


def _publish_in_another_process(settings: Settings) -> None:
    """Publish a copy of the build into the same serving folder, from another process."""
    other = Settings(home=settings.home.with_name("other-home"))
    other.build_dir.mkdir(parents=True)
    shutil.copyfile(settings.build_path, other.build_path)
    other.serving_path.parent.parent.mkdir(parents=True, exist_ok=True)
    other.serving_path.parent.symlink_to(settings.serving_path.parent, target_is_directory=True)
    code = (
        "import sys; from pathlib import Path; from crossdock.config import Settings;"
        " from crossdock.publish import publish; publish(Settings(home=Path(sys.argv[1])))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(other.home)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_dq_results_say_what_was_validated_and_old_stores_migrate(tmp_path: Path):
    path = tmp_path / "ledger.sqlite"
    with sqlite3.connect(path) as con:  # a store from before `scope`
        con.execute(
            "create table dq_results (result_id text primary key, run_id text not null,"
            " stage text not null, suite text not null, batch text not null,"
            " batch_key text not null, expectation_index integer not null,"
            " expectation text not null, column_name text, kwargs text not null,"
            " severity text not null, success integer not null, observed_value text,"
            " unexpected_count integer, rows_validated integer not null,"
            " validated_at text not null)"
        )
        con.execute(
            "insert into dq_results values ('old', 'r0', 'marts', 's', 'b', 'k', 0, 'e', null,"
            " '{}', 'error', 1, null, 0, 5, '2026-01-01')"
        )
    con.close()
    store = DqStore(path)
    settings = _home(tmp_path, V1)
    store.record([_gate(settings).result], stage="marts", run_id="r1")
    frame = store.frame()
    assert frame.loc[frame["result_id"] == "old", "scope"].tolist() == ["whole"]
    new = frame[frame["run_id"] == "r1"]
    assert set(zip(new["scope"], new["rows_validated"], strict=True)) == {
        ("table", ROWS),
        ("whole", ROWS),
    }


def test_the_warehouse_gate_after_a_publish_validates_only_changes(
    fixture_build: Settings, tmp_path: Path
):
    """The real marts of the dbt fixture build: gate, publish, gate again (every mart counts as
    large here), then a bad row in one mart."""
    from crossdock.dq import DQ_SCHEMA, data_docs_path, gate_warehouse
    from quality.gates import GateFailed
    from tests.test_dbt_project import record_fixture_lake_in_ledger

    settings = Settings(home=tmp_path / "home")
    shutil.copytree(fixture_build.lake, settings.lake)
    settings.build_dir.mkdir(parents=True)
    shutil.copyfile(fixture_build.build_path, settings.build_path)
    record_fixture_lake_in_ledger(settings)

    first = gate_warehouse(settings, "run-1", delta_min_rows=0)
    assert {o.scope for r in first for o in r.outcomes} == {"whole", "table"}
    publish(settings)
    with connect_serving(settings) as con:
        vouched = {
            m for (m,) in con.execute(f"select mart from {DQ_SCHEMA}.gated_marts").fetchall()
        }
    assert vouched == set(MART_SUITES)  # every mart has row expectations

    second = gate_warehouse(settings, "run-2", delta_min_rows=0)
    marts = [r for r in second if r.batch.startswith("marts.")]
    # Nothing changed: no row to validate; the whole-table checks covered every row.
    covered = {(o.scope, o.scope_rows == (0 if o.scope == "delta" else r.rows)) for r in marts
               for o in r.outcomes}  # fmt: skip
    assert covered == {("delta", True), ("table", True)}
    assert sum(r.rows for r in marts) > 0
    frame = DqStore(settings.ledger_path).frame("run_id = 'run-2' and stage = 'marts'")
    assert set(frame["scope"]) == {"delta", "table"}
    assert "rows changed since the last snapshot: 0 rows" in data_docs_path(settings).read_text()

    with duckdb.connect(str(settings.build_path)) as con:
        con.execute(
            "insert into marts.fct_orders by name select * replace ('o-new' as order_id,"
            " 0 as units) from marts.fct_orders limit 1"
        )
    with pytest.raises(GateFailed, match="fct_orders") as failed:
        gate_warehouse(settings, "run-3", delta_min_rows=0)
    (orders,) = [g for g in failed.value.gates if g.batch == "marts.fct_orders"]
    assert [(o.column, o.unexpected_count, o.scope, o.scope_rows) for o in orders.failures] == [
        ("units", 1, "delta", 1)
    ]
