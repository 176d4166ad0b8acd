"""The forecast tables in the build warehouse: the contract between the forecast refresh (writer)
and the dbt models that read them (source `forecasts`).

The refresh appends; nothing ever updates or deletes a row, so every past forecast stays
comparable with the actuals that arrive later. The tables exist before the first refresh (the
build creates them empty), so dbt models over them build on a fresh warehouse too.
"""

from __future__ import annotations

import duckdb

SCHEMA = "forecasts"

DDL: dict[str, str] = {
    # One row per refresh: what was fitted, on data up to which day, and how long it took.
    "forecast_runs": """
        create table if not exists forecasts.forecast_runs (
            forecast_run_id varchar primary key,
            cutoff_date date not null,          -- last day of demand the models saw
            created_at timestamp not null,       -- UTC
            horizon_days integer not null,
            season_length integer not null,
            models varchar not null,             -- comma-separated statsforecast aliases
            series_count integer not null,
            config_sha256 varchar not null,
            seconds double not null
        )""",
    # Every model's forecast for every series and target day; the chosen model is flagged.
    "forecasts": """
        create table if not exists forecasts.forecasts (
            forecast_run_id varchar not null,
            cutoff_date date not null,
            series_id varchar not null,          -- sku || '|' || destination_country
            sku varchar not null,
            destination_country varchar not null,
            target_date date not null,
            horizon_days integer not null,       -- target_date - cutoff_date, 1..horizon
            model varchar not null,
            is_chosen boolean not null,
            forecast_units double not null,
            lo_80 double not null,
            hi_80 double not null,
            lo_95 double not null,
            hi_95 double not null,
            primary key (forecast_run_id, series_id, target_date, model)
        )""",
    # Cross-validated (backtest) accuracy of each model on each series, per refresh.
    "backtest_accuracy": """
        create table if not exists forecasts.backtest_accuracy (
            forecast_run_id varchar not null,
            cutoff_date date not null,
            series_id varchar not null,
            sku varchar not null,
            destination_country varchar not null,
            model varchar not null,
            is_chosen boolean not null,
            n_windows integer not null,
            mase double,                         -- against seasonal naive; null if undefined
            wape double,                         -- null when the actuals sum to 0
            bias double,                         -- sum(forecast - actual) / sum(actual)
            coverage_80 double not null,         -- share of actuals inside the 80 % interval
            coverage_95 double not null,
            primary key (forecast_run_id, series_id, model)
        )""",
}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the forecast schema and its tables if they do not exist (never alters them)."""
    con.execute(f"create schema if not exists {SCHEMA}")
    for ddl in DDL.values():
        con.execute(ddl)
