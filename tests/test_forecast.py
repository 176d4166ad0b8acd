"""The forecast refresh (crossdock/forecast.py): cross-validation output, model choice and
interval coverage on series with a known weekly pattern, and the idempotent, append-only writes
into a real DuckDB warehouse."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from crossdock.forecast import (
    BACKTEST_COLUMNS,
    BASELINE,
    CV_COLUMNS,
    ForecastConfig,
    ForecastError,
    backtest,
    cross_validate,
    fit_and_forecast,
    refresh,
)

WEEKLY = np.array([1.0, 1.2, 1.3, 1.1, 1.6, 0.5, 0.3])  # Monday .. Sunday


def seasonal_series(n_series: int, days: int, seed: int, start: str = "2024-01-01") -> pd.DataFrame:
    """Poisson daily demand around a per-series level times a fixed weekly pattern."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=days, freq="D")
    level = rng.uniform(6, 25, n_series)
    y = rng.poisson(level[:, None] * WEEKLY[ds.dayofweek][None, :]).astype(float)
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"SKU-{i:03d}|DE" for i in range(n_series)], days),
            "ds": np.tile(ds, n_series),
            "y": y.ravel(),
        }
    )


def test_cross_validation_and_backtest_have_the_documented_columns():
    config = ForecastConfig(horizon=7, cv_windows=3)
    df = seasonal_series(3, 60, seed=1)
    cv = cross_validate(df, config)
    assert tuple(cv.columns) == CV_COLUMNS
    assert len(cv) == 3 * config.cv_windows * config.horizon
    # Windows end on the last training day; their forecasts start the day after.
    assert cv.groupby("unique_id")["cutoff"].nunique().eq(3).all()
    assert (cv["ds"] > cv["cutoff"]).all()
    assert cv[list(config.models)].notna().all().all()

    bt = backtest(df, cv, config)
    assert tuple(bt.columns) == BACKTEST_COLUMNS
    assert len(bt) == 3 * len(config.models)
    assert bt.groupby("unique_id")["is_chosen"].sum().eq(1).all()
    assert bt["n_windows"].eq(3).all()
    assert bt[["coverage_80", "coverage_95"]].apply(lambda c: c.between(0, 1)).all().all()
    # The chosen model has the lowest CV squared error of its series.
    best = bt.loc[bt.groupby("unique_id")["mse"].idxmin(), ["unique_id", "model"]]
    chosen = bt.loc[bt["is_chosen"], ["unique_id", "model"]]
    assert sorted(map(tuple, best.to_numpy())) == sorted(map(tuple, chosen.to_numpy()))


def test_chosen_models_beat_seasonal_naive_with_nominal_interval_coverage():
    """Forty series with a weekly pattern, 365 days: on the 28 held-out days the chosen models
    beat seasonal naive (MASE < 1) and their 80 / 95 % intervals cover within a few points of
    nominal (1,120 held-out points)."""
    config = ForecastConfig()
    df = seasonal_series(40, 365 + config.horizon, seed=7)
    test_start = df["ds"].max() - pd.Timedelta(days=config.horizon - 1)
    train, held_out = df[df["ds"] < test_start], df[df["ds"] >= test_start]

    fit = fit_and_forecast(train, config)
    assert fit.backtest["unique_id"].nunique() == 40  # every series long enough for CV
    fc = fit.forecasts.merge(held_out, on=["unique_id", "ds"])
    chosen = fc[fc["is_chosen"]]
    assert len(chosen) == 40 * config.horizon

    naive_mae = (
        (train["y"] - train.groupby("unique_id")["y"].shift(7)).abs().groupby(train["unique_id"])
    ).mean()
    mase = (chosen["forecast"] - chosen["y"]).abs().groupby(chosen["unique_id"]).mean() / naive_mae
    assert mase.mean() < 0.9, mase.describe()
    naive = fc[fc["model"] == BASELINE]
    naive_mase = (naive["forecast"] - naive["y"]).abs().groupby(naive["unique_id"]).mean()
    assert mase.mean() < (naive_mase / naive_mae).mean()
    # In cross-validation too, the choice beats the baseline.
    bt = fit.backtest
    assert bt.loc[bt["is_chosen"], "mase"].mean() < bt.loc[bt["model"] == BASELINE, "mase"].mean()

    for level, lo, hi in ((80, "lo_80", "hi_80"), (95, "lo_95", "hi_95")):
        coverage = ((chosen["y"] >= chosen[lo]) & (chosen["y"] <= chosen[hi])).mean()
        assert abs(coverage - level / 100) <= 0.04, (level, coverage)
    assert (chosen["lo_95"] <= chosen["lo_80"]).all() and (chosen["hi_80"] <= chosen["hi_95"]).all()


def test_short_series_fall_back_to_seasonal_naive_with_intervals():
    config = ForecastConfig()
    df = seasonal_series(2, 20, seed=3)
    df = pd.concat([df, seasonal_series(1, 5, seed=4).assign(unique_id="SKU-NEW|FR")])
    fit = fit_and_forecast(df, config)
    assert fit.backtest.empty
    assert set(fit.forecasts["model"]) == {BASELINE}
    assert fit.forecasts["is_chosen"].all()
    assert len(fit.forecasts) == 3 * config.horizon
    f = fit.forecasts
    assert ((f["lo_95"] <= f["lo_80"]) & (f["lo_80"] <= f["forecast"])).all()
    assert ((f["forecast"] <= f["hi_80"]) & (f["hi_80"] <= f["hi_95"])).all()


# ---------------------------------------------------------------------------------------------
# Writes into a real DuckDB warehouse

DAYS = 120
FIRST_DAY = date(2024, 9, 2)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A DuckDB file with marts.fct_demand_daily (the columns the refresh reads): 6 series,
    each split over two platforms, 120 days."""
    demand = seasonal_series(6, DAYS, seed=11, start=FIRST_DAY.isoformat())
    split = pd.concat(
        [
            demand.assign(platform="amazon", units=np.ceil(demand["y"] / 2)),
            demand.assign(platform="shopify", units=np.floor(demand["y"] / 2)),
        ]
    )
    parts = split["unique_id"].str.split("|", expand=True)
    split = split.assign(sku=parts[0], destination_country=parts[1], order_date=split["ds"].dt.date)
    path = tmp_path / "build.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.register(
            "demand", split[["order_date", "sku", "destination_country", "platform", "units"]]
        )
        con.execute(
            "create table marts.fct_demand_daily as select order_date, sku, destination_country,"
            " platform, units::bigint as units from demand"
        )
    return path


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        t: con.execute(f"select count(*) from forecasts.{t}").fetchone()[0]
        for t in ("forecast_runs", "forecasts", "backtest_accuracy")
    }


def run_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    return con.execute(
        "select * from forecasts.forecasts where forecast_run_id = ? order by all", [run_id]
    ).fetchall()


CONFIG = ForecastConfig(horizon=14)


def test_refresh_twice_for_one_cutoff_writes_nothing_new(warehouse: Path):
    with duckdb.connect(str(warehouse)) as con:
        first = refresh(con, config=CONFIG)
        assert first.written
        assert first.cutoff_date == (FIRST_DAY + timedelta(days=DAYS - 1)).isoformat()
        assert first.series == 6 and first.cross_validated_series == 6
        counts = table_counts(con)
        assert counts == {
            "forecast_runs": 1,
            "forecasts": 6 * 14 * len(CONFIG.models),
            "backtest_accuracy": 6 * len(CONFIG.models),
        }
        # Platforms are summed: the series is the SKU x destination total.
        (units,) = con.execute("select sum(units) from marts.fct_demand_daily").fetchone()
        assert units > 0
        chosen = con.execute(
            "select count(*), count(distinct series_id), min(horizon_days), max(horizon_days)"
            " from forecasts.forecasts where is_chosen"
        ).fetchone()
        assert chosen == (6 * 14, 6, 1, 14)

        again = refresh(con, config=CONFIG)
        assert again.forecast_run_id == first.forecast_run_id
        assert not again.written
        assert table_counts(con) == counts


def test_forecasts_are_append_only_and_late_data_gives_a_new_run(warehouse: Path):
    early_cutoff = FIRST_DAY + timedelta(days=DAYS - 15)
    with duckdb.connect(str(warehouse)) as con:
        early = refresh(con, cutoff=early_cutoff, config=CONFIG)
        before = run_rows(con, early.forecast_run_id)
        later = refresh(con, config=CONFIG)
        assert later.forecast_run_id != early.forecast_run_id
        assert run_rows(con, early.forecast_run_id) == before  # earlier rows unchanged
        assert table_counts(con)["forecast_runs"] == 2
        (max_target,) = con.execute(
            "select max(target_date) from forecasts.forecasts where forecast_run_id = ?",
            [early.forecast_run_id],
        ).fetchone()
        assert max_target == early_cutoff + timedelta(days=14)

        # A late correction to a day before the early cutoff: a new run for the same cutoff,
        # beside the old one.
        con.execute(
            "update marts.fct_demand_daily set units = units + 5"
            " where order_date = ? and platform = 'amazon'",
            [early_cutoff - timedelta(days=3)],
        )
        redo = refresh(con, cutoff=early_cutoff, config=CONFIG)
        assert redo.written and redo.forecast_run_id != early.forecast_run_id
        assert run_rows(con, early.forecast_run_id) == before
        assert table_counts(con)["forecast_runs"] == 3


def test_a_cutoff_after_the_data_is_refused_naming_the_last_day(warehouse: Path):
    with duckdb.connect(str(warehouse)) as con:
        with pytest.raises(ForecastError, match="after the last day of demand"):
            refresh(con, cutoff=FIRST_DAY + timedelta(days=DAYS + 3), config=CONFIG)
        assert table_counts(con)["forecast_runs"] == 0


@pytest.mark.shared_data
def test_scms_monthly_evaluation_runs_and_beats_seasonal_naive(shared_data: Path):
    """bench.forecast_eval on the real SCMS history (train before 2012, test 2012-2013): the
    chosen models' WAPE and mean MASE are below seasonal naive's (docs/forecasting.md)."""
    from bench.forecast_eval import scms

    path = next((shared_data / "scms_delivery_history_dev").glob("*.csv.gz"))
    result = scms(path)
    assert result["test_periods"] == 24
    assert result["cross_validated_series"] >= 10
    chosen, naive = result["all_series"]["chosen"], result["all_series"]["seasonal_naive"]
    assert chosen["series"] == naive["series"] == result["series"] >= 20
    assert chosen["wape"] < naive["wape"]
    assert chosen["mase_mean"] < naive["mase_mean"]
