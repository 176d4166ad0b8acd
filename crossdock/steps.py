"""The pipeline's steps, as the DAG tasks and the CLI both call them.

Each step does its work through the library and writes a small JSON report under
`$CROSSDOCK_HOME/runs/<run id>/<step>.json` (success with its figures, or failure with the error),
which the run summary reads back.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from crossdock.config import FAMILIES, Settings

# A step's expected failures, by module: bad data, a failed gate or build, a refused publish. No
# retry mends them. Each is looked up only if its module was imported (it cannot have been raised
# otherwise), so `crossdock ingest` never imports dbt's side or the forecast's for this.
STEP_FAILURES = {
    "crossdock.dq": "PublishRefused",
    "crossdock.forecast": "ForecastError",
    "crossdock.ingest": "IngestFailed",
    "crossdock.warehouse": "BuildFailed",
    "quality.results": "GateFailed",
}


def step_failures() -> tuple[type[Exception], ...]:
    return tuple(
        getattr(sys.modules[module], name)
        for module, name in STEP_FAILURES.items()
        if module in sys.modules
    )


@contextmanager
def failing_fast() -> Iterator[None]:
    """In an Airflow task: a step's expected failure fails the task at once, with no retries
    (nothing downstream runs); anything else (a crash, a lock, a full disk) is retried."""
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, step_failures()):
            raise
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(str(exc)) from exc


def run_id() -> str:
    return os.environ.get("CROSSDOCK_RUN_ID", "adhoc")


def _step(
    settings: Settings | None, step: str, work: Callable[[Settings], dict[str, Any]]
) -> dict[str, Any]:
    settings = settings or Settings.from_env()
    folder = settings.runs_dir / run_id()
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        payload = {"status": "success", **work(settings)}
    except Exception as exc:
        # Failed gates count in the run's totals (and its gate time) too.
        gates = getattr(exc, "gates", [])
        payload = {
            "status": "failed",
            "error": str(exc),
            "gates": _gate_summary(gates),
            "gate_seconds": round(sum(g.seconds for g in gates), 3),
        }
        raise
    finally:
        # Step wall time; crossdock.dq.gate_share sums it with the gates' own seconds.
        payload["seconds"] = round(time.perf_counter() - started, 3)
        (folder / f"{step}.json").write_text(json.dumps(payload, indent=2, default=str))
    return payload


def _gate_summary(gates: list) -> list[dict[str, Any]]:
    return [
        {
            "suite": g.suite,
            "batch": g.batch,
            "rows": g.rows,
            "success": g.success,
            "expectations": len(g.outcomes),
            "warnings": len(g.warnings),
            "seconds": g.seconds,
        }
        for g in gates
    ]


def ingest(family: str, day: str, settings: Settings | None = None) -> dict[str, Any]:
    from crossdock.ingest import ingest

    def work(s: Settings) -> dict[str, Any]:
        report = ingest(s, family, day, run_id())
        return {
            "files_landed": len(report.landed),
            "files_skipped": len(report.skipped),
            "rows_landed": report.rows_landed,
            "rows_quarantined": report.rows_quarantined,
            "gates": _gate_summary(report.gates),
            "gate_seconds": report.gate_seconds,
        }

    return _step(settings, f"ingest-{family}-{day}", work)


def ingest_day(
    day: str, settings: Settings | None = None, families: Sequence[str] = FAMILIES
) -> list[dict[str, Any]]:
    """`ingest` of each family for `day`, side by side, one thread each, as their Airflow DAGs
    run: one family's wait on its gates is another's parse time. The families share nothing but
    the ledger file (SQLite, one short transaction per feed) and the gate worker. Every family
    runs to its end; then the first failure, in family order, is raised. Reports in that order."""
    from concurrent.futures import ThreadPoolExecutor

    settings = settings or Settings.from_env()
    with ThreadPoolExecutor(len(families), "crossdock-family") as pool:
        runs = [pool.submit(ingest, family, day, settings) for family in families]
    for run in runs:
        if (exc := run.exception()) is not None:
            raise exc
    return [run.result() for run in runs]


def build(settings: Settings | None = None, *, full_refresh: bool = False) -> dict[str, Any]:
    from crossdock.warehouse import build

    return _step(settings, "build", lambda s: asdict(build(s, full_refresh=full_refresh)))


def gate_marts(settings: Settings | None = None) -> dict[str, Any]:
    from crossdock.warehouse import gate_marts

    def work(s: Settings) -> dict[str, Any]:
        from crossdock.dq import data_docs_path

        gates = gate_marts(s, run_id())
        return {"gates": _gate_summary(gates), "data_docs": str(data_docs_path(s))}

    return _step(settings, "gate_marts", work)


def publish(settings: Settings | None = None) -> dict[str, Any]:
    return _step(settings, "publish", _publish_and_derive)


def _publish_and_derive(s: Settings) -> dict[str, Any]:
    """Publish the snapshot, then refresh what is derived from it: the marts as Parquet and the
    static dashboard (both read the published file, never the build)."""
    from crossdock import dashboard
    from crossdock.export import export_marts
    from crossdock.publish import publish

    published = asdict(publish(s))
    parquet = export_marts(s)
    published["parquet"] = {"version": parquet["version"], "marts": len(parquet["marts"])}
    published["dashboard"] = str(dashboard.build(s))
    return published


def refresh_forecasts(
    settings: Settings | None = None, *, cutoff: str | None = None, horizon: int | None = None
) -> dict[str, Any]:
    """The forecast refresh on the build warehouse (crossdock.forecast.refresh); the caller holds
    the writer slot (the DAG's pool, or the CLI's pipeline lock)."""
    from datetime import date

    import duckdb

    from crossdock.forecast import ForecastConfig, ForecastError, refresh

    def work(s: Settings) -> dict[str, Any]:
        if not s.build_path.exists():
            raise ForecastError(
                f"no build warehouse at {s.build_path}: run `crossdock build` first"
            )
        config = ForecastConfig(**({"horizon": horizon} if horizon else {}))
        with duckdb.connect(str(s.build_path)) as con:
            result = refresh(con, date.fromisoformat(cutoff) if cutoff else None, config)
        return asdict(result)

    return _step(settings, "refresh_forecasts", work)


def build_forecast_marts(settings: Settings | None = None) -> dict[str, Any]:
    """`dbt build --select tag:forecast`: the marts over the forecast tables (none selected is
    not an error)."""
    from crossdock.forecast import build_forecast_marts

    return _step(settings, "build_forecast_marts", build_forecast_marts)


def gate_forecast_marts(settings: Settings | None = None) -> dict[str, Any]:
    from crossdock.forecast import gate_forecast_marts

    def work(s: Settings) -> dict[str, Any]:
        gates = gate_forecast_marts(s, run_id())
        return {
            "gates": _gate_summary(gates),
            "gate_seconds": round(sum(g.seconds for g in gates), 3),
        }

    return _step(settings, "gate_forecast_marts", work)


def publish_forecasts(settings: Settings | None = None) -> dict[str, Any]:
    """The same publish (and its Parquet export and dashboard), reported as the forecast DAG's
    (the run summary prefers it)."""
    return _step(settings, "publish_forecasts", _publish_and_derive)
