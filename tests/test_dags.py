"""DAG integrity: every DAG imports cleanly, retries, has no cycles, and is wired by Assets."""

from __future__ import annotations

import pytest
from airflow.dag_processing.dagbag import DagBag

from crossdock.assets import DEMAND_MARTS, LAKE, SERVING_WAREHOUSE
from crossdock.config import DAGS_DIR, FAMILIES, WRITER_POOL


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_DIR))


def test_dags_import_without_errors(dagbag: DagBag):
    assert dagbag.import_errors == {}
    expected = {f"crossdock_ingest_{f}" for f in FAMILIES} | {
        "crossdock_warehouse",
        "crossdock_forecast",
    }
    assert set(dagbag.dag_ids) == expected


def test_every_task_retries_and_dags_are_acyclic(dagbag: DagBag):
    for dag in dagbag.dags.values():
        order = [t.task_id for t in dag.topological_sort()]
        assert len(order) == len(dag.task_ids), dag.dag_id
        for t in dag.tasks:
            assert t.retries >= 1, f"{dag.dag_id}.{t.task_id} has no retries"
            for upstream in t.get_flat_relatives(upstream=True):
                assert order.index(upstream.task_id) < order.index(t.task_id)


def test_a_step_failure_fails_its_task_at_once_and_anything_else_is_retried():
    """Every DAG task runs its step in steps.failing_fast(): bad data, a failed gate or build, a
    refused publish become AirflowFailException (no retry); other errors keep their retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from crossdock import steps
    from crossdock.dq import PublishRefused
    from crossdock.ingest import IngestFailed
    from quality.results import GateFailed

    for failure in (PublishRefused("not published"), GateFailed([]), IngestFailed("bad file", [])):
        with pytest.raises(AirflowFailException) as caught, steps.failing_fast():
            raise failure
        assert caught.value.__cause__ is failure
    with pytest.raises(OSError, match="disk full"), steps.failing_fast():
        raise OSError("disk full")
    with steps.failing_fast():
        value = 42
    assert value == 42


def test_ingest_dags_produce_their_lake_asset(dagbag: DagBag):
    for family in FAMILIES:
        (task,) = dagbag.dags[f"crossdock_ingest_{family}"].tasks
        assert [o.name for o in task.outlets] == [LAKE[family].name]


def test_warehouse_dag_is_scheduled_on_the_lake_assets_and_serialises_writers(dagbag: DagBag):
    dag = dagbag.dags["crossdock_warehouse"]
    condition = dag.timetable.asset_condition  # all of the lake Assets
    assert type(condition).__name__ == "AssetAll"
    scheduled_on = {a.name for a in condition.objects}
    assert scheduled_on == {a.name for a in LAKE.values()}
    assert [t.task_id for t in dag.topological_sort()] == ["dbt_build", "gate_marts", "publish"]
    assert {t.pool for t in dag.tasks} == {WRITER_POOL}
    assert [o.name for o in dag.get_task("publish").outlets] == [
        SERVING_WAREHOUSE.name,
        DEMAND_MARTS.name,
    ]


def test_forecast_dag_runs_weekly_or_on_the_demand_marts_and_serialises_writers(dagbag: DagBag):
    dag = dagbag.dags["crossdock_forecast"]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert [a.name for a in dag.timetable.asset_condition.objects] == [DEMAND_MARTS.name]
    assert dag.timetable.timetable.expression == "0 6 * * 1"  # Mondays 06:00 UTC
    assert [t.task_id for t in dag.topological_sort()] == [
        "refresh_forecasts",
        "build_forecast_marts",
        "gate_forecast_marts",
        "publish",
    ]
    assert {t.pool for t in dag.tasks} == {WRITER_POOL}
    assert [o.name for o in dag.get_task("publish").outlets] == [SERVING_WAREHOUSE.name]


def test_forecast_dag_runs_through_airflow_on_a_small_home(fixture_build, tmp_path):
    """dag.test() of crossdock_forecast in an Airflow child process, on a copy of the fixture
    build that a warehouse gate passed (publish serves nothing else: an ungated build is
    refused, tests/reliability/test_gates.py): the refresh writes a run, the forecast marts
    build and gate, and the snapshot published carries the forecast tables."""
    import json
    import shutil

    import duckdb

    from crossdock.config import Settings
    from crossdock.dq import gate_warehouse
    from crossdock.orchestrate import run_dag
    from tests.test_dbt_project import record_fixture_lake_in_ledger

    settings = Settings(home=tmp_path / "home")
    shutil.copytree(fixture_build.home, settings.home, ignore=shutil.ignore_patterns("airflow"))
    record_fixture_lake_in_ledger(settings)
    gate_warehouse(settings, "gated")
    assert run_dag(settings, "crossdock_forecast", "dag-test") == "success"
    reports = settings.runs_dir / "dag-test"
    refresh = json.loads((reports / "refresh_forecasts.json").read_text())
    assert refresh["status"] == "success" and refresh["written"], refresh
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        runs = con.execute("select forecast_run_id, series_count from forecasts.forecast_runs")
        assert runs.fetchall() == [(refresh["forecast_run_id"], refresh["series"])]
        (chosen,) = con.execute(
            "select count(distinct series_id) from forecasts.forecasts where is_chosen"
        ).fetchone()
        assert chosen == refresh["series"] > 0
    for step in ("build_forecast_marts", "gate_forecast_marts", "publish_forecasts"):
        assert json.loads((reports / f"{step}.json").read_text())["status"] == "success", step


def test_make_run_replays_the_weekly_forecast_refresh_a_week_before_the_end():
    from datetime import date

    from crossdock.orchestrate import weekly_cutoff_before

    # make run's window, Mon 2025-02-03 .. Sun 2025-03-02: Monday 02-24's refresh saw data to
    # Sunday 02-23, so its 28-day forecasts meet a week of actuals.
    assert weekly_cutoff_before(date(2025, 2, 3), date(2025, 3, 2)) == date(2025, 2, 23)
    assert weekly_cutoff_before(date(2025, 2, 3), date(2025, 3, 4)) == date(2025, 2, 23)
    assert weekly_cutoff_before(date(2025, 2, 3), date(2025, 3, 9)) == date(2025, 3, 2)
    # Less than two weeks of data before that Sunday: no replayed refresh.
    assert weekly_cutoff_before(date(2025, 2, 3), date(2025, 2, 5)) is None
    assert weekly_cutoff_before(date(2025, 2, 3), date(2025, 2, 22)) is None
