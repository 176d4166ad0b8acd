"""Build, gate and publish the warehouse once every feed family has landed new data.

All three tasks touch the DuckDB build file, so they share a one-slot pool: DuckDB allows a single
writer process, and a reader and a writer lock each other out.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from crossdock.assets import DEMAND_MARTS, LAKE, SERVING_WAREHOUSE
from crossdock.config import FAMILIES, WRITER_POOL

DEFAULT_ARGS = {
    "owner": "crossdock",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "pool": WRITER_POOL,
}


@dag(
    dag_id="crossdock_warehouse",
    description="dbt build, mart gates, atomic publish of the serving warehouse",
    schedule=[LAKE[f] for f in FAMILIES],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["crossdock", "warehouse"],
)
def crossdock_warehouse():
    # failing_fast: a failed build, gate or refused publish fails its task at once (no retry
    # mends it); anything else is retried
    @task
    def dbt_build() -> dict:
        from crossdock import steps

        with steps.failing_fast():
            return steps.build()

    @task
    def gate_marts() -> dict:
        from crossdock import steps

        with steps.failing_fast():
            return steps.gate_marts()

    @task(outlets=[SERVING_WAREHOUSE, DEMAND_MARTS])
    def publish() -> dict:
        from crossdock import steps

        with steps.failing_fast():  # refused while a mart changed since its last passing gate
            return steps.publish()

    dbt_build() >> gate_marts() >> publish()


crossdock_warehouse()
