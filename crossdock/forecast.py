"""The forecast refresh: per-series model selection by cross-validation, then a forecast with
80 % and 95 % intervals, appended to the `forecasts` tables of the build warehouse.

Series are SKU x destination country (all platforms summed), daily, from marts.fct_demand_daily.
For each series with enough history the candidate models (statsforecast) are cross-validated on
`cv_windows` non-overlapping windows of `horizon` days before the cutoff; the model with the
lowest CV mean squared error (= lowest RMSSE, the M5 competition's measure: the scale is the
series' own) is chosen, every model is refitted on all history and forecast. Squared error, not
absolute: on intermittent daily SKU demand the MAE-best forecast is zero, useless for
replenishment, while the MSE-best is the mean rate. Series too short to cross-validate get
SeasonalNaive with its native intervals. Intervals of cross-validated series are split-conformal
from the CV errors (see `conformal_half_widths`), so every model, Croston-type ones included,
has 80 % and 95 % intervals. The method and measured accuracy: docs/forecasting.md.

`refresh()` is idempotent for a cutoff: the run id is a hash of the cutoff, the configuration and
the demand up to the cutoff, and a run id already in forecasts.forecast_runs writes nothing. Late
demand for days up to the cutoff changes the hash and gives a new run beside the old one (the
old forecasts stay, append-only).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pandas as pd

from crossdock.config import Settings
from crossdock.forecast_store import ensure_tables

BASELINE = "SeasonalNaive"
# Candidate models, in tie-break order (on equal CV error the earlier, simpler one wins).
MODELS = ("SeasonalNaive", "AutoETS", "AutoTheta", "CrostonOptimized", "ADIDA")
LEVELS = (80, 95)
ENGINE_VERSION = 1  # bump when the method changes, so the run id changes too

# The columns of `cross_validate`'s output and `backtest`'s output (tests check them).
CV_COLUMNS = ("unique_id", "ds", "cutoff", "y", *MODELS)
BACKTEST_COLUMNS = (
    "unique_id",
    "model",
    "n_windows",
    "mae",
    "mse",
    "mase",
    "wape",
    "bias",
    "coverage_80",
    "coverage_95",
    "is_chosen",
)


@dataclass(frozen=True)
class ForecastConfig:
    horizon: int = 28  # days (periods) forecast after the cutoff
    season_length: int = 7
    cv_windows: int = 3  # backtest windows of `horizon` periods
    cv_step: int | None = None  # periods between window starts; None: `horizon` (no overlap)
    freq: str = "D"
    models: tuple[str, ...] = MODELS
    n_jobs: int = 2  # statsforecast worker processes (2 cores)
    chunk_series: int = 2000  # series per statsforecast call: bounds memory

    @property
    def min_train(self) -> int:
        """History needed before the first CV window: two seasons, at least 14 periods."""
        return max(2 * self.season_length, 14)

    @property
    def step(self) -> int:
        return self.cv_step or self.horizon

    @property
    def min_cv_length(self) -> int:
        return self.horizon + self.step * (self.cv_windows - 1) + self.min_train

    def sha256(self) -> str:
        payload = {k: v for k, v in asdict(self).items() if k not in ("n_jobs", "chunk_series")} | {
            "engine": ENGINE_VERSION
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass
class FitResult:
    forecasts: pd.DataFrame  # unique_id, ds, model, forecast, lo_80, hi_80, lo_95, hi_95, is_chosen
    backtest: pd.DataFrame  # BACKTEST_COLUMNS
    cv: pd.DataFrame = field(repr=False)  # CV_COLUMNS (cross-validated series only)


def _model(name: str, season: int):
    from statsforecast import models as m

    return {
        "SeasonalNaive": lambda: m.SeasonalNaive(season_length=season),
        # No trend over a few weeks of daily demand: error and season chosen by AICc (ZNZ);
        # the full ZZZ search is 5x slower and chose trends on noise (docs/forecasting.md).
        "AutoETS": lambda: m.AutoETS(season_length=season, model="ZNZ"),
        # The optimised theta (OTM); the seasonality test and decomposition stay automatic.
        "AutoTheta": lambda: m.AutoTheta(season_length=season, model="OTM"),
        "CrostonOptimized": lambda: m.CrostonOptimized(),
        "ADIDA": lambda: m.ADIDA(),
        "TSB": lambda: m.TSB(alpha_d=0.2, alpha_p=0.2),
    }[name]()


def _statsforecast(config: ForecastConfig, names: tuple[str, ...], n_series: int):
    from statsforecast import StatsForecast

    return StatsForecast(
        models=[_model(n, config.season_length) for n in names],
        # A model whose fit fails on a series (degenerate data) forecasts as the baseline.
        fallback_model=_model(BASELINE, config.season_length),
        freq=config.freq,
        # Worker processes only pay off beyond a few hundred series.
        n_jobs=config.n_jobs if n_series >= 500 else 1,
    )


def _chunks(df: pd.DataFrame, size: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """The frame in slices of at most `size` series (and the slice's series count)."""
    ids = df["unique_id"].unique()
    for i in range(0, len(ids), size):
        part = ids[i : i + size]
        yield df[df["unique_id"].isin(part)], len(part)


# Models with a `forward` method are fitted once per series in cross-validation (on the first
# window's history) and rolled forward with those parameters; the others are refitted per window.
FORWARD_MODELS = frozenset({"SeasonalNaive", "AutoETS", "AutoTheta"})


def cross_validate(df: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """statsforecast cross-validation: `cv_windows` windows of `horizon` periods, `cv_step`
    apart. Columns: CV_COLUMNS (`cutoff` is the window's last training period, `y` the
    actual, one column of point forecasts per model). FORWARD_MODELS are fitted once (on the
    first window's history) and rolled forward over the later windows; the cheap Croston-type
    models are refitted every window."""
    keys = ["unique_id", "ds", "cutoff", "y"]
    groups = [
        (tuple(m for m in config.models if m in FORWARD_MODELS), False),
        (tuple(m for m in config.models if m not in FORWARD_MODELS), True),
    ]
    parts = []
    for chunk, n in _chunks(df, config.chunk_series):
        merged = None
        for names, refit in groups:
            if not names:
                continue
            cv = _statsforecast(config, names, n).cross_validation(
                df=chunk,
                h=config.horizon,
                n_windows=config.cv_windows,
                step_size=config.step,
                refit=refit,
            )
            merged = cv if merged is None else merged.merge(cv, on=keys)
        parts.append(merged)
    cv = pd.concat(parts, ignore_index=True)
    return cv[[*keys, *config.models]]


def _seasonal_naive_scale(df: pd.DataFrame, before: pd.Series, season: int) -> pd.Series:
    """Per series, the in-sample MAE of the seasonal naive forecast on the history up to (and
    including) `before` (the first CV cutoff): the MASE denominator."""
    hist = df.merge(before.rename("first_cutoff"), left_on="unique_id", right_index=True)
    hist = hist[hist["ds"] <= hist["first_cutoff"]].sort_values(["unique_id", "ds"])
    diff = (hist["y"] - hist.groupby("unique_id")["y"].shift(season)).abs()
    return diff.groupby(hist["unique_id"]).mean()


def conformal_half_widths(abs_errors: np.ndarray, level: int) -> float:
    """Split-conformal half width: the ceil((n + 1) * level) / n empirical quantile of the
    absolute errors (the finite-sample correction; infinite, i.e. the largest error, when n is
    too small for the level)."""
    n = len(abs_errors)
    rank = int(np.ceil((n + 1) * level / 100))
    return float(np.sort(abs_errors)[min(rank, n) - 1])


def backtest(df: pd.DataFrame, cv: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """Accuracy of each model on each cross-validated series (BACKTEST_COLUMNS) and the choice:
    the lowest MSE (ties: the earlier model of `config.models`).

    MAE, MSE, WAPE and bias over all CV points; MASE = MAE / the in-sample seasonal naive MAE before
    the first window (null when that is 0); coverage is cross-conformal: each window's points are
    checked against intervals calibrated on the *other* windows' errors only.
    """
    first_cutoff = cv.groupby("unique_id")["cutoff"].min()
    scale = _seasonal_naive_scale(df, first_cutoff, config.season_length)
    rows = []
    for uid, g in cv.groupby("unique_id", sort=False):
        y = g["y"].to_numpy(float)
        windows = g["cutoff"].to_numpy()
        total = y.sum()
        s = scale.get(uid, np.nan)
        for name in config.models:
            err = g[name].to_numpy(float) - y
            abs_err = np.abs(err)
            covered = {lvl: 0 for lvl in LEVELS}
            for w in np.unique(windows):
                inside = windows == w
                for lvl in LEVELS:
                    half = conformal_half_widths(abs_err[~inside], lvl)
                    covered[lvl] += int((abs_err[inside] <= half).sum())
            mae = abs_err.mean()
            rows.append(
                {
                    "unique_id": uid,
                    "model": name,
                    "n_windows": len(np.unique(windows)),
                    "mae": mae,
                    "mse": float((err**2).mean()),
                    "mase": mae / s if s and np.isfinite(s) and s > 0 else np.nan,
                    "wape": abs_err.sum() / total if total > 0 else np.nan,
                    "bias": err.sum() / total if total > 0 else np.nan,
                    "coverage_80": covered[80] / len(y),
                    "coverage_95": covered[95] / len(y),
                }
            )
    out = pd.DataFrame(rows, columns=[c for c in BACKTEST_COLUMNS if c != "is_chosen"])
    order = {m: i for i, m in enumerate(config.models)}
    ranked = out.assign(_o=out["model"].map(order)).sort_values(["unique_id", "mse", "_o"])
    chosen = ranked.drop_duplicates("unique_id")[["unique_id", "model"]]
    out = out.merge(chosen.assign(is_chosen=True), on=["unique_id", "model"], how="left")
    out["is_chosen"] = out["is_chosen"].notna()
    return out[list(BACKTEST_COLUMNS)]


def _pad_short(df: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """SeasonalNaive needs more than one season: a shorter series is padded with zero-demand
    periods before its first one (the SKU did not sell there before)."""
    need = 2 * config.season_length
    sizes = df.groupby("unique_id")["ds"].agg(["min", "size"])
    short = sizes[sizes["size"] < need]
    if short.empty:
        return df
    offset = pd.tseries.frequencies.to_offset(config.freq)
    pads = [
        pd.DataFrame(
            {
                "unique_id": uid,
                "ds": pd.date_range(
                    end=row["min"] - offset, periods=need - row["size"], freq=offset
                ),
                "y": 0.0,
            }
        )
        for uid, row in short.iterrows()
    ]
    return pd.concat([*pads, df], ignore_index=True).sort_values(["unique_id", "ds"])


def _forecast_frame(raw: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """statsforecast's wide forecast (Model, Model-lo-80, ...) as long rows per model."""
    parts = []
    for name in names:
        part = raw[["unique_id", "ds"]].copy()
        part["model"] = name
        part["forecast"] = raw[name].to_numpy(float)
        for lvl in LEVELS:
            part[f"lo_{lvl}"] = raw[f"{name}-lo-{lvl}"].to_numpy(float)
            part[f"hi_{lvl}"] = raw[f"{name}-hi-{lvl}"].to_numpy(float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def fit_and_forecast(df: pd.DataFrame, config: ForecastConfig) -> FitResult:
    """Select, refit and forecast every series of `df` (unique_id, ds, y; complete, regular).

    Series with at least `config.min_cv_length` periods are cross-validated; all candidate
    models are forecast with split-conformal intervals from their CV errors and the best is
    flagged. Shorter series get SeasonalNaive (flagged chosen) with its native intervals.
    Forecasts are clipped at 0 (demand is never negative)."""
    df = df[["unique_id", "ds", "y"]].sort_values(["unique_id", "ds"]).reset_index(drop=True)
    sizes = df.groupby("unique_id").size()
    long_ids = sizes.index[sizes >= config.min_cv_length]
    long_df = df[df["unique_id"].isin(long_ids)]
    short_df = df[~df["unique_id"].isin(long_ids)]
    forecasts, backtests, cvs = [], [], []

    if not long_df.empty:
        cv = cross_validate(long_df, config)
        bt = backtest(long_df, cv, config)
        cvs.append(cv)
        backtests.append(bt)
        points = pd.concat(
            [
                _statsforecast(config, config.models, n).forecast(df=chunk, h=config.horizon)
                for chunk, n in _chunks(long_df, config.chunk_series)
            ],
            ignore_index=True,
        )
        long = points.melt(
            id_vars=["unique_id", "ds"],
            value_vars=list(config.models),
            var_name="model",
            value_name="forecast",
        )
        # Half widths per series x model from all CV windows' absolute errors.
        errors = cv.melt(
            id_vars=["unique_id", "y"], value_vars=list(config.models), var_name="model"
        )
        errors["abs_err"] = (errors["value"] - errors["y"]).abs()
        halves = errors.groupby(["unique_id", "model"])["abs_err"].agg(
            **{
                f"half_{lvl}": (lambda e, lvl=lvl: conformal_half_widths(e.to_numpy(), lvl))
                for lvl in LEVELS
            }
        )
        long = long.merge(halves.reset_index(), on=["unique_id", "model"])
        for lvl in LEVELS:
            long[f"lo_{lvl}"] = long["forecast"] - long[f"half_{lvl}"]
            long[f"hi_{lvl}"] = long["forecast"] + long[f"half_{lvl}"]
        chosen = bt.loc[bt["is_chosen"], ["unique_id", "model"]].assign(is_chosen=True)
        long = long.merge(chosen, on=["unique_id", "model"], how="left")
        forecasts.append(long.drop(columns=[f"half_{lvl}" for lvl in LEVELS]))

    if not short_df.empty:
        padded = _pad_short(short_df, config)
        raw = pd.concat(
            [
                _statsforecast(config, (BASELINE,), n).forecast(
                    df=chunk, h=config.horizon, level=list(LEVELS)
                )
                for chunk, n in _chunks(padded, config.chunk_series)
            ],
            ignore_index=True,
        )
        forecasts.append(_forecast_frame(raw, (BASELINE,)).assign(is_chosen=True))

    out = pd.concat(forecasts, ignore_index=True)
    out["is_chosen"] = out["is_chosen"].eq(True)
    for col in ("forecast", "lo_80", "hi_80", "lo_95", "hi_95"):
        out[col] = out[col].clip(lower=0.0)
    empty_bt = pd.DataFrame(columns=list(BACKTEST_COLUMNS))
    return FitResult(
        forecasts=out,
        backtest=pd.concat(backtests, ignore_index=True) if backtests else empty_bt,
        cv=pd.concat(cvs, ignore_index=True) if cvs else pd.DataFrame(columns=list(CV_COLUMNS)),
    )


# ---------------------------------------------------------------------------------------------
# The refresh over the build warehouse


class ForecastError(Exception):
    pass


@dataclass(frozen=True)
class RefreshResult:
    forecast_run_id: str
    cutoff_date: str
    written: bool  # False: this run id was already there, nothing written
    series: int
    cross_validated_series: int
    forecast_rows: int
    backtest_rows: int
    chosen_models: dict[str, int]
    seconds: float


def load_demand(con: duckdb.DuckDBPyConnection, cutoff: date | None) -> tuple[pd.DataFrame, date]:
    """Daily units per SKU x destination country (platforms summed) up to the cutoff, from
    marts.fct_demand_daily; the cutoff defaults to its last order day."""
    try:
        (last,) = con.execute("select max(order_date) from marts.fct_demand_daily").fetchone()
    except duckdb.CatalogException as exc:
        raise ForecastError(
            "marts.fct_demand_daily is missing from the build warehouse: run `crossdock build`"
        ) from exc
    if last is None:
        raise ForecastError("marts.fct_demand_daily is empty: no placed orders to forecast")
    cutoff = cutoff or last
    if cutoff > last:
        raise ForecastError(f"cutoff {cutoff} is after the last day of demand ({last})")
    df = con.execute(
        """
        select sku || '|' || destination_country as unique_id, order_date as ds,
               sum(units)::double as y
        from marts.fct_demand_daily
        where order_date <= ?
        group by sku, destination_country, order_date
        order by unique_id, ds
        """,
        [cutoff],
    ).df()
    if df.empty:
        raise ForecastError(f"no demand on or before the cutoff {cutoff}")
    df["ds"] = pd.to_datetime(df["ds"])
    return df, cutoff


def demand_fingerprint(df: pd.DataFrame) -> str:
    """sha256 of the demand the models see (order-independent)."""
    ordered = df.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    return hashlib.sha256(pd.util.hash_pandas_object(ordered, index=False).to_numpy()).hexdigest()


def run_id_for(cutoff: date, config: ForecastConfig, fingerprint: str) -> str:
    digest = hashlib.sha256(f"{cutoff}|{config.sha256()}|{fingerprint}".encode()).hexdigest()
    return f"fc-{cutoff:%Y%m%d}-{digest[:12]}"


def _split_series(frame: pd.DataFrame) -> pd.DataFrame:
    ids = frame["unique_id"].astype(str)
    return frame.assign(
        series_id=ids,
        sku=ids.str.rsplit("|", n=1).str[0],
        destination_country=ids.str.rsplit("|", n=1).str[-1],
    )


def refresh(
    con: duckdb.DuckDBPyConnection,
    cutoff: date | None = None,
    config: ForecastConfig | None = None,
) -> RefreshResult:
    """Fit, select and forecast every series from the warehouse on `con`, and append the run in
    one transaction. The caller holds the writer slot (pool or pipeline lock)."""
    config = config or ForecastConfig()
    t0 = time.perf_counter()
    ensure_tables(con)
    df, cutoff = load_demand(con, cutoff)
    run_id = run_id_for(cutoff, config, demand_fingerprint(df))
    series = df["unique_id"].nunique()
    exists = con.execute(
        "select count(*) from forecasts.forecast_runs where forecast_run_id = ?", [run_id]
    ).fetchone()[0]
    if exists:
        return RefreshResult(run_id, cutoff.isoformat(), False, series, 0, 0, 0, {}, 0.0)

    fit = fit_and_forecast(df, config)
    fc = _split_series(fit.forecasts)
    fc["target_date"] = fc["ds"].dt.date
    fc["horizon_days"] = (fc["ds"] - pd.Timestamp(cutoff)).dt.days.astype("int32")
    fc = fc.assign(forecast_run_id=run_id, cutoff_date=cutoff, forecast_units=fc["forecast"])
    fc = fc[
        [
            "forecast_run_id",
            "cutoff_date",
            "series_id",
            "sku",
            "destination_country",
            "target_date",
            "horizon_days",
            "model",
            "is_chosen",
            "forecast_units",
            "lo_80",
            "hi_80",
            "lo_95",
            "hi_95",
        ]
    ]
    bt = _split_series(fit.backtest).assign(forecast_run_id=run_id, cutoff_date=cutoff)
    bt = bt[
        [
            "forecast_run_id",
            "cutoff_date",
            "series_id",
            "sku",
            "destination_country",
            "model",
            "is_chosen",
            "n_windows",
            "mase",
            "wape",
            "bias",
            "coverage_80",
            "coverage_95",
        ]
    ].astype({"n_windows": "int32"})
    seconds = round(time.perf_counter() - t0, 2)
    run = pd.DataFrame(
        [
            {
                "forecast_run_id": run_id,
                "cutoff_date": cutoff,
                "created_at": datetime.now(UTC).replace(tzinfo=None),
                "horizon_days": config.horizon,
                "season_length": config.season_length,
                "models": ",".join(config.models),
                "series_count": series,
                "config_sha256": config.sha256(),
                "seconds": seconds,
            }
        ]
    )
    con.execute("begin transaction")
    try:
        con.register("new_run", run)
        con.register("new_forecasts", fc)
        con.register("new_backtest", bt)
        con.execute("insert into forecasts.forecast_runs by name select * from new_run")
        con.execute("insert into forecasts.forecasts by name select * from new_forecasts")
        con.execute("insert into forecasts.backtest_accuracy by name select * from new_backtest")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for view in ("new_run", "new_forecasts", "new_backtest"):
            con.unregister(view)
    chosen = fc.loc[fc["is_chosen"]].drop_duplicates("series_id")["model"].value_counts()
    return RefreshResult(
        forecast_run_id=run_id,
        cutoff_date=cutoff.isoformat(),
        written=True,
        series=series,
        cross_validated_series=int(fit.backtest["unique_id"].nunique()),
        forecast_rows=len(fc),
        backtest_rows=len(bt),
        chosen_models={str(k): int(v) for k, v in chosen.items()},
        seconds=seconds,
    )


# ---------------------------------------------------------------------------------------------
# The marts over the forecast tables (dbt models tagged `forecast`), gated and published


FORECAST_TAG = "forecast"


def build_forecast_marts(settings: Settings) -> dict[str, object]:
    """`dbt build --select tag:forecast` (models and their tests); a selection that matches no
    model yet builds nothing and is not an error."""
    from crossdock.dq import EVERY_MART, mark_ungated
    from crossdock.warehouse import BUILD_VARS, BuildFailed, run_dbt

    with duckdb.connect(str(settings.build_path)) as con:
        # the forecast marts of the last manifest (every mart before the first one exists)
        mark_ungated(con, forecast_marts(settings) or [EVERY_MART])
    proc = run_dbt(
        settings,
        "build",
        "--fail-fast",
        *BUILD_VARS,
        "--select",
        f"tag:{FORECAST_TAG}",
        "--exclude-resource-type",  # unit tests run in full builds and CI: a refresh changes
        "unit_test",  # data, not logic
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise BuildFailed(f"dbt build --select tag:{FORECAST_TAG} failed:\n{tail}")
    run = json.loads((settings.dbt_target_dir / "run_results.json").read_text())
    built = [r["unique_id"] for r in run["results"] if r["unique_id"].startswith("model.")]
    tests = [r for r in run["results"] if not r["unique_id"].startswith("model.")]
    return {
        "models": [u.rsplit(".", 1)[-1] for u in built],
        "tests_passed": sum(r["status"] == "pass" for r in tests),
        "seconds": round(run.get("elapsed_time", 0.0), 2),
    }


def forecast_marts(settings: Settings) -> list[str]:
    """The marts tagged `forecast` in the last dbt manifest."""
    manifest = settings.dbt_target_dir / "manifest.json"
    if not manifest.exists():
        return []
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return sorted(
        n["name"]
        for n in nodes
        if n["resource_type"] == "model"
        and FORECAST_TAG in n.get("tags", [])
        and n["schema"] == "marts"
    )


def gate_forecast_marts(settings: Settings, run_id: str = "adhoc") -> list:
    """Validate the forecast-tagged marts with their GX suites (quality/suites/marts/), as the
    warehouse gate validates every mart (chunked above its row limit), and record the results in
    dq_results; a forecast mart without a suite fails the gate, as none is published ungated."""
    from crossdock.dq import clear_ungated, store, sync_to_warehouse, validate_mart
    from quality.gates import GateFailed
    from quality.suites.marts import SUITES

    marts = forecast_marts(settings)
    unsuited = [m for m in marts if m not in SUITES]
    if unsuited:
        raise ForecastError(f"forecast marts without a GX suite: {', '.join(unsuited)}")
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        results = [validate_mart(con, mart, SUITES[mart]) for mart in marts]
    passed = all(r.success for r in results)
    if results:
        store(settings).record(results, stage="marts", run_id=run_id)
        with duckdb.connect(str(settings.build_path)) as con:
            sync_to_warehouse(settings, con)
            if passed:
                clear_ungated(con, marts)
    if not passed:
        raise GateFailed(results)
    return results
