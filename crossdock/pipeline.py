"""`crossdock run`: simulate deliveries, run the DAGs through Airflow, print what was published."""

from __future__ import annotations

import fcntl
import filecmp
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from crossdock.config import Settings

# The embedded default: four weeks of simulated deliveries.
DEFAULT_START = date(2025, 2, 3)
DEFAULT_END = date(2025, 3, 2)
DEFAULT_ORDERS_PER_DAY = 300
DEFAULT_SEED = 7


class PipelineBusy(Exception):
    pass


class PipelineFailed(Exception):
    pass


@contextmanager
def exclusive_run(settings: Settings) -> Iterator[None]:
    """One pipeline run per home at a time: a second one is refused, never interleaved."""
    settings.home.mkdir(parents=True, exist_ok=True)
    lock_path = settings.home / ".pipeline.lock"
    with lock_path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise PipelineBusy(
                f"another crossdock run holds {lock_path} ({holder}); not starting a second one"
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat()}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass(frozen=True)
class RunResult:
    run_id: str
    success: bool
    seconds: float
    dag_runs: list[dict]
    simulated: dict | None
    published: dict | None
    gates_passed: int
    gates_total: int
    ingested: dict[str, int]
    dbt: dict | None
    forecast: dict | None
    error: str | None
    airflow_log: str


def _gate_counts(run_dir: Path) -> tuple[int, int]:
    """(passed, total) over every gate the run's step reports recorded."""
    gates = [
        gate
        for report in run_dir.glob("*.json")
        for gate in json.loads(report.read_text()).get("gates", [])
    ]
    return sum(bool(g["success"]) for g in gates), len(gates)


def _ingest_totals(run_dir: Path) -> dict[str, int]:
    keys = ("files_landed", "files_skipped", "rows_landed", "rows_quarantined")
    totals = dict.fromkeys(keys, 0)
    for report in run_dir.glob("ingest-*.json"):
        data = json.loads(report.read_text())
        for k in keys:
            totals[k] += data.get(k, 0)
    return totals


def _first_error(run_dir: Path) -> str | None:
    for report in sorted(run_dir.glob("*.json")):
        data = json.loads(report.read_text())
        if isinstance(data, dict) and data.get("status") == "failed":
            return f"{report.stem}: {data['error']}"
    return None


def deliver_scms_file(settings: Settings, scms_file: Path, day: date) -> Path:
    """Deliver the real SCMS history as a partner would: into landing/carrier/scms/<day>/, so the
    carrier ingest DAG of that day lands it (the ledger skips it when already ingested)."""
    if not scms_file.is_file():
        raise FileNotFoundError(f"SCMS file not found: {scms_file}")
    target = settings.landing / "carrier" / "scms" / day.isoformat() / scms_file.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or not filecmp.cmp(scms_file, target, shallow=False):
        shutil.copyfile(scms_file, target)
    return target


def run(
    settings: Settings,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    orders_per_day: int = DEFAULT_ORDERS_PER_DAY,
    seed: int = DEFAULT_SEED,
    simulate: bool = True,
    scms_file: Path | None = None,
) -> RunResult:
    from crossdock.orchestrate import run_through_airflow

    t0 = time.perf_counter()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    with exclusive_run(settings):
        simulated = None
        if simulate:
            from simulator.generate import simulate as generate

            manifest = generate(
                settings.landing, start, end, orders_per_day, seed, partner_formats=True
            )
            simulated = {k: v for k, v in vars(manifest).items() if k not in ("files", "faults")}
        if scms_file is not None:
            deliver_scms_file(settings, scms_file, start)
        airflow = run_through_airflow(settings, start, end, run_id)
    run_dir = settings.runs_dir / run_id
    passed, total = _gate_counts(run_dir)
    published, forecast_published, dbt, forecast = (
        json.loads(p.read_text()) if p.exists() else None
        for p in (
            run_dir / "publish.json",
            run_dir / "publish_forecasts.json",
            run_dir / "build.json",
            run_dir / "refresh_forecasts.json",
        )
    )
    return RunResult(
        run_id=run_id,
        success=bool(airflow["success"]),
        seconds=round(time.perf_counter() - t0, 1),
        dag_runs=airflow["dag_runs"],
        simulated=simulated,
        # The forecast DAG publishes last: its snapshot holds every mart, forecasts included.
        published=forecast_published or published,
        gates_passed=passed,
        gates_total=total,
        ingested=_ingest_totals(run_dir),
        dbt=dbt,
        forecast=forecast,
        error=None if airflow["success"] else _first_error(run_dir),
        airflow_log=airflow["log"],
    )


EXAMPLE_QUERY = """select carrier, origin_country, destination_country,
       sum(shipments) as shipments,
       round(sum(on_time_shipments) / nullif(sum(delivered_shipments), 0), 3) as on_time_rate,
       max(transit_days_p90) as worst_week_p90_days
from marts.fct_carrier_lane_performance
group by all
order by shipments desc
limit 10;"""


def summary(settings: Settings, result: RunResult) -> str:
    failed = [r for r in result.dag_runs if r["state"] != "success"]
    lines = [
        f"crossdock run {result.run_id}: {'SUCCESS' if result.success else 'FAILED'} "
        f"in {result.seconds:.0f} s",
        f"  DAG runs through Airflow: {len(result.dag_runs) - len(failed)} succeeded, "
        f"{len(failed)} failed",
    ]
    if result.simulated:
        s = result.simulated
        lines.append(
            f"  simulated {s['start']}..{s['end']}: {s['orders']} orders, {s['shipments']} "
            f"shipments, {s['tracking_events']} tracking events, {s['declarations']} declarations"
        )
    i = result.ingested
    lines.append(
        f"  ingested: {i['files_landed']} files ({i['files_skipped']} already ingested), "
        f"{i['rows_landed']} rows landed, {i['rows_quarantined']} quarantined"
    )
    lines.append(f"  GX gates passed: {result.gates_passed}/{result.gates_total}")
    from crossdock.dq import data_docs_path, gate_share

    share = gate_share(settings.runs_dir / result.run_id, result.seconds)
    lines.append(
        f"  gates took {share['gate_seconds']:.0f} s ({share.get('share_of_wall', 0):.0%} of the"
        f" run's wall time); data quality docs: {data_docs_path(settings)}"
    )
    if result.dbt and result.dbt.get("status") == "success":
        d = result.dbt
        lines.append(
            f"  dbt build: {d['models']} models, {d['tests_passed']} data tests and "
            f"{d['unit_tests_passed']} unit tests passed in {d['seconds']:.0f} s"
        )
    f = result.forecast
    if f and f.get("status") == "success":
        chosen = ", ".join(f"{m} {n}" for m, n in f["chosen_models"].items())
        lines.append(
            f"  forecast {f['forecast_run_id']} (cutoff {f['cutoff_date']}): "
            + (
                f"{f['series']} series, {f['cross_validated_series']} cross-validated, "
                f"{f['forecast_rows']} forecast rows in {f['seconds']:.0f} s; chosen: {chosen}"
                if f["written"]
                else "already forecast on this demand, nothing new written"
            )
        )
    if result.error:
        lines.append(f"  error: {result.error}")
    if result.published:
        lines.append("  rows per mart:")
        for mart, info in result.published["marts"].items():
            lines.append(f"    {mart:<34} {info['rows']:>8}")
        lines += [
            f"  serving warehouse (read-only): {result.published['path']}",
            "  try it:",
            f"    duckdb -readonly {result.published['path']}",
            *("    " + q for q in EXAMPLE_QUERY.splitlines()),
        ]
    elif not result.success:
        serving = settings.serving_path
        lines.append(
            f"  nothing published; the last good snapshot keeps serving: {serving}"
            if serving.exists()
            else "  nothing published"
        )
    lines.append(f"  Airflow log: {result.airflow_log}")
    return "\n".join(lines)
