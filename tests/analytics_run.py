"""A small published run for the analytics tests (sql, export, notebooks, dashboard).

Two weeks of simulated deliveries in the partners' formats (as `make run`; only they carry the
warehouses' stock reports), ingested, built, gated and published by the pipeline's own steps
(no Airflow: tests/e2e covers that path), so the snapshot has every mart populated, several
platforms and destinations, and days enough for the weekly charts. `steps.publish` also
writes the Parquet export and the dashboard.
"""

from __future__ import annotations

from datetime import date

from crossdock import steps
from crossdock.config import FAMILIES, Settings
from crossdock.orchestrate import days_between

START, END, ORDERS_PER_DAY = date(2025, 2, 3), date(2025, 2, 16), 60


def publish_small_run(settings: Settings) -> dict:
    from simulator.generate import simulate

    simulate(settings.landing, START, END, ORDERS_PER_DAY, seed=7, partner_formats=True)
    for day in days_between(START, END):
        steps.ingest_day(day.isoformat(), settings, FAMILIES)
    steps.build(settings)
    steps.gate_marts(settings)  # publish serves only what a gate passed
    return steps.publish(settings)
