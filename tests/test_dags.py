"""DAG integrity: every DAG imports cleanly, retries, has no cycles, and is wired by Assets."""

from __future__ import annotations

import pytest
from airflow.dag_processing.dagbag import DagBag

from crossdock.assets import LAKE, SERVING_WAREHOUSE
from crossdock.config import DAGS_DIR, FAMILIES, WRITER_POOL


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_DIR))


def test_dags_import_without_errors(dagbag: DagBag):
    assert dagbag.import_errors == {}
    expected = {f"crossdock_ingest_{f}" for f in FAMILIES} | {"crossdock_warehouse"}
    assert set(dagbag.dag_ids) == expected


def test_every_task_retries_and_dags_are_acyclic(dagbag: DagBag):
    for dag in dagbag.dags.values():
        order = [t.task_id for t in dag.topological_sort()]
        assert len(order) == len(dag.task_ids), dag.dag_id
        for t in dag.tasks:
            assert t.retries >= 1, f"{dag.dag_id}.{t.task_id} has no retries"
            for upstream in t.get_flat_relatives(upstream=True):
                assert order.index(upstream.task_id) < order.index(t.task_id)


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
    assert [o.name for o in dag.get_task("publish").outlets] == [SERVING_WAREHOUSE.name]
