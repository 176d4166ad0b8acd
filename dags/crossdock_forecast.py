"""Refresh the demand forecasts weekly and whenever a publish updates the demand marts.

refresh_forecasts -> build_forecast_marts -> gate_forecast_marts -> publish, each a thin call into
crossdock.steps. Every task writes the DuckDB build file, so all share the one-slot writer pool
with the warehouse DAG. A refresh for a cutoff already forecast on the same demand writes
nothing (crossdock/forecast.py), so an Asset-triggered and a weekly run on the same data agree.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from crossdock.assets import DEMAND_MARTS, SERVING_WAREHOUSE
from crossdock.config import WRITER_POOL

DEFAULT_ARGS = {
    "owner": "crossdock",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "pool": WRITER_POOL,
}

# Mondays 06:00 UTC, after the weekend's deliveries.
WEEKLY = CronTriggerTimetable("0 6 * * 1", timezone="UTC")


@dag(
    dag_id="crossdock_forecast",
    description="demand forecast refresh, forecast marts, gate, publish",
    schedule=AssetOrTimeSchedule(timetable=WEEKLY, assets=[DEMAND_MARTS]),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["crossdock", "forecast"],
)
def crossdock_forecast():
    # failing_fast: a forecast error, failed build, gate or refused publish fails its task at
    # once (no retry mends it); anything else is retried
    @task
    def refresh_forecasts(dag_run=None) -> dict:
        from crossdock import steps

        # A triggered run may name its cutoff ({"cutoff": "YYYY-MM-DD"}); else the last full day.
        cutoff = ((dag_run.conf if dag_run else None) or {}).get("cutoff")
        with steps.failing_fast():
            return steps.refresh_forecasts(cutoff=cutoff)

    @task
    def build_forecast_marts() -> dict:
        from crossdock import steps

        with steps.failing_fast():
            return steps.build_forecast_marts()

    @task
    def gate_forecast_marts() -> dict:
        from crossdock import steps

        with steps.failing_fast():
            return steps.gate_forecast_marts()

    @task(outlets=[SERVING_WAREHOUSE])
    def publish() -> dict:
        from crossdock import steps

        with steps.failing_fast():  # refused while a mart changed since its last passing gate
            return steps.publish_forecasts()

    refresh_forecasts() >> build_forecast_marts() >> gate_forecast_marts() >> publish()


crossdock_forecast()
