"""One ingest DAG per feed family: land the day's deliveries in the lake, gated, exactly once.

Each run ingests the files delivered during its data interval (one UTC day) and, on success,
updates the family's lake Asset, which schedules the warehouse DAG.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from crossdock.assets import LAKE
from crossdock.config import FAMILIES

DEFAULT_ARGS = {"owner": "crossdock", "retries": 2, "retry_delay": timedelta(minutes=1)}


def make_ingest_dag(family: str):
    @dag(
        dag_id=f"crossdock_ingest_{family}",
        description=f"Ingest {family} feed deliveries into the Parquet lake",
        schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["crossdock", "ingest", family],
    )
    def ingest_family():
        @task(task_id=f"ingest_{family}", outlets=[LAKE[family]])
        def ingest(data_interval_start=None, dag_run=None) -> dict:
            from crossdock import steps

            # A manual run without a logical date has no data interval: take the last full day.
            start = data_interval_start or dag_run.run_after.subtract(days=1)
            # Bad data does not get better by retrying: fail at once, nothing downstream runs.
            with steps.failing_fast():
                return steps.ingest(family, start.date().isoformat())

        ingest()

    return ingest_family()


for _family in FAMILIES:
    make_ingest_dag(_family)
