"""The figures of docs/forecasting.md: out-of-sample accuracy of the forecast refresh's chosen
models against seasonal naive, and the refresh's wall time for many series.

    python -m bench.forecast_eval simulated --warehouse <home>/warehouse/build.duckdb
    python -m bench.forecast_eval scms [--file ../shared/data/scms_delivery_history_dev/...]
    python -m bench.forecast_eval timing --series 10000

`simulated` holds out the last `--horizon` days of marts.fct_demand_daily (opened read-only),
runs the refresh's selection and forecast (crossdock.forecast.fit_and_forecast) on the days
before, and scores the chosen model and SeasonalNaive on the held-out days. `scms` does the same
on the real USAID SCMS shipments: monthly shipment lines per destination country, trained on
deliveries before 2012 and tested on 2012-2013 (24 months). `timing` times fit_and_forecast on
synthetic daily series (a year of Poisson demand with a weekly pattern, a third of them sparse).
Each prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from crossdock.config import REPO_ROOT
from crossdock.forecast import BASELINE, ForecastConfig, fit_and_forecast

SCMS_FILE = (
    REPO_ROOT.parent
    / "shared"
    / "data"
    / "scms_delivery_history_dev"
    / "SCMS_Delivery_History_Dataset.dev_pre2014.csv.gz"
)


def score(train: pd.DataFrame, test: pd.DataFrame, config: ForecastConfig) -> dict[str, object]:
    """Fit on `train`, forecast `config.horizon` periods, score against `test` (unique_id, ds,
    y): per series MASE (test MAE / in-sample seasonal naive MAE of the training data), and
    over all series WAPE, bias and the chosen intervals' coverage."""
    t0 = time.perf_counter()
    fit = fit_and_forecast(train, config)
    seconds = time.perf_counter() - t0
    fc = fit.forecasts.merge(test, on=["unique_id", "ds"], how="inner")
    hist = train.sort_values(["unique_id", "ds"])
    naive_err = (hist["y"] - hist.groupby("unique_id")["y"].shift(config.season_length)).abs()
    scale = naive_err.groupby(hist["unique_id"]).mean()
    cv_ids = set(fit.backtest["unique_id"])

    def summary(rows: pd.DataFrame) -> dict[str, float | int | None]:
        err = rows["forecast"] - rows["y"]
        per = err.abs().groupby(rows["unique_id"]).mean() / scale.reindex(
            err.abs().groupby(rows["unique_id"]).mean().index
        )
        per = per[np.isfinite(per)]
        total = rows["y"].sum()
        return {
            "series": int(rows["unique_id"].nunique()),
            "mase_mean": round(float(per.mean()), 3) if len(per) else None,
            "mase_median": round(float(per.median()), 3) if len(per) else None,
            "wape": round(float(err.abs().sum() / total), 3) if total else None,
            "bias": round(float(err.sum() / total), 3) if total else None,
            "coverage_80": round(
                float(((rows["y"] >= rows["lo_80"]) & (rows["y"] <= rows["hi_80"])).mean()), 3
            ),
            "coverage_95": round(
                float(((rows["y"] >= rows["lo_95"]) & (rows["y"] <= rows["hi_95"])).mean()), 3
            ),
        }

    chosen = fc[fc["is_chosen"]]
    naive = fc[fc["model"] == BASELINE]
    in_cv = chosen["unique_id"].isin(cv_ids)
    return {
        "series": int(train["unique_id"].nunique()),
        "cross_validated_series": len(cv_ids),
        "chosen_models": chosen.drop_duplicates("unique_id")["model"].value_counts().to_dict(),
        "test_periods": int(test["ds"].nunique()),
        "all_series": {"chosen": summary(chosen), "seasonal_naive": summary(naive)},
        "cross_validated": {
            "chosen": summary(chosen[in_cv]),
            "seasonal_naive": summary(naive[naive["unique_id"].isin(cv_ids)]),
        },
        "fit_seconds": round(seconds, 1),
    }


GRAINS = {
    "sku_country": "sku || '|' || destination_country",  # the refresh's series
    "country": "destination_country",  # all SKUs of a destination: dense series
}


def simulated(warehouse: Path, horizon: int, grain: str = "sku_country") -> dict[str, object]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        df = con.execute(
            f"""
            with daily as (
                select {GRAINS[grain]} as unique_id, order_date as ds, sum(units)::double as y
                from marts.fct_demand_daily group by all
            ),
            spans as (select unique_id, min(ds) as first_day from daily group by all),
            last_day as (select max(ds) as last_day from daily),
            spine as (
                select unique_id, unnest(generate_series(first_day, last_day, interval 1 day))::date
                    as ds
                from spans cross join last_day
            )
            select spine.unique_id, spine.ds, coalesce(daily.y, 0) as y
            from spine left join daily using (unique_id, ds)
            order by all
            """
        ).df()
    df["ds"] = pd.to_datetime(df["ds"])
    test_start = df["ds"].max() - pd.Timedelta(days=horizon - 1)
    config = ForecastConfig(horizon=horizon)
    train, test = df[df["ds"] < test_start], df[df["ds"] >= test_start]
    return {
        "data": str(warehouse),
        "grain": grain,
        "train_end": str((test_start - pd.Timedelta(days=1)).date()),
        "units": int(df["y"].sum()),
        **score(train, test, config),
    }


def scms_monthly(path: Path) -> pd.DataFrame:
    """Shipment lines per destination country and delivery month, zero-filled from the
    country's first delivery month to 2013-12."""
    with duckdb.connect() as con:
        df = con.execute(
            """
            with lines as (
                select
                    country,
                    date_trunc('month', strptime("Delivered to Client Date", '%d-%b-%y')) as month
                from read_csv(?, all_varchar = true)
            ),
            counts as (select country, month, count(*) as y from lines group by all),
            spans as (select country, min(month) as first_month from counts group by all),
            spine as (
                select country, unnest(generate_series(first_month, timestamp '2013-12-01',
                    interval 1 month)) as month
                from spans
            )
            select spine.country as unique_id, spine.month as ds, coalesce(counts.y, 0)::double as y
            from spine left join counts using (country, month)
            order by all
            """,
            [str(path)],
        ).df()
    df["ds"] = pd.to_datetime(df["ds"])
    return df


def scms(path: Path) -> dict[str, object]:
    if not path.is_file():
        raise SystemExit(f"SCMS file not found: {path}")
    df = scms_monthly(path)
    test_start = pd.Timestamp("2012-01-01")
    train, test = df[df["ds"] < test_start], df[df["ds"] >= test_start]
    # Countries with two years of history before 2012 (shorter ones cannot be scored by MASE).
    keep = train.groupby("unique_id").size().loc[lambda s: s >= 24].index
    train, test = train[train["unique_id"].isin(keep)], test[test["unique_id"].isin(keep)]
    # Monthly: a yearly season, 24 months ahead, two CV windows a year apart.
    config = ForecastConfig(horizon=24, season_length=12, cv_windows=2, cv_step=12, freq="MS")
    return {
        "data": str(path),
        "target": "shipment lines per destination country and delivery month",
        "train": "deliveries before 2012-01",
        "test": "2012-01..2013-12",
        **score(train, test, config),
    }


def synthetic(series: int, days: int = 365, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2024-01-01", periods=days, freq="D")
    weekly = np.array([1.0, 1.1, 1.2, 1.0, 1.4, 0.6, 0.5])[ds.dayofweek]
    level = np.where(np.arange(series) % 3 == 0, 0.2, rng.uniform(1, 20, series))
    y = rng.poisson(level[:, None] * weekly[None, :]).astype(float)
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:05d}" for i in range(series)], days),
            "ds": np.tile(ds, series),
            "y": y.ravel(),
        }
    )


def timing(series: int) -> dict[str, object]:
    import resource

    df = synthetic(series)
    t0 = time.perf_counter()
    fit = fit_and_forecast(df, ForecastConfig())
    seconds = time.perf_counter() - t0
    return {
        "series": series,
        "days_per_series": 365,
        "seconds": round(seconds, 1),
        "forecast_rows": len(fit.forecasts),
        "backtest_rows": len(fit.backtest),
        "peak_rss_mb_parent": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_rss_mb_workers": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("simulated")
    p.add_argument("--warehouse", type=Path, required=True)
    p.add_argument("--horizon", type=int, default=28)
    p.add_argument("--grain", choices=sorted(GRAINS), default="sku_country")
    p = sub.add_parser("scms")
    p.add_argument("--file", type=Path, default=SCMS_FILE)
    p = sub.add_parser("timing")
    p.add_argument("--series", type=int, default=10_000)
    args = parser.parse_args()
    if args.what == "simulated":
        out = simulated(args.warehouse, args.horizon, args.grain)
    elif args.what == "scms":
        out = scms(args.file)
    else:
        out = timing(args.series)
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
