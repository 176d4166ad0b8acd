"""Run the crossdock DAGs through Airflow itself, for a range of delivery days.

Airflow reads its configuration once per process, so the runs happen in a child process
(`python -m crossdock.orchestrate`) whose environment points Airflow at a SQLite metadata database
under `$CROSSDOCK_HOME/airflow` and at the repository's dags/ folder. Each DAG run is a real
`dag.test()` run: tasks go through Airflow's task runner, XComs, Asset events and state.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date, timedelta

from crossdock.config import DAGS_DIR, FAMILIES, WRITER_POOL, Settings


def airflow_env(settings: Settings) -> dict[str, str]:
    home = settings.airflow_home
    return {
        "CROSSDOCK_HOME": str(settings.home),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "GX_ANALYTICS_ENABLED": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def weekly_cutoff_before(start: date, end: date) -> date | None:
    """The cutoff of the weekly forecast refresh (Mondays, on data to the Sunday before) at least
    a week before `end`, if the window [start, end] holds two weeks of data before it."""
    cutoff = end - timedelta(days=7)
    cutoff -= timedelta(days=(cutoff.weekday() + 1) % 7)  # back to a Sunday
    return cutoff if (cutoff - start).days >= 13 else None


def run_through_airflow(settings: Settings, start: date, end: date, run_id: str) -> dict:
    """Spawn the Airflow child for [start, end]; return its result (state of each DAG run)."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    log_path = settings.runs_dir / run_id / "airflow.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **airflow_env(settings), "CROSSDOCK_RUN_ID": run_id}
    with log_path.open("w") as log:
        proc = subprocess.run(
            [sys.executable, "-m", "crossdock.orchestrate", start.isoformat(), end.isoformat()],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    result_path = settings.runs_dir / run_id / "dag_runs.json"
    if not result_path.exists():
        tail = "\n".join(log_path.read_text().splitlines()[-30:])
        raise RuntimeError(f"Airflow run failed before reporting (exit {proc.returncode}):\n{tail}")
    result = json.loads(result_path.read_text())
    result["log"] = str(log_path)
    return result


def _ensure_metadata_db(settings: Settings) -> None:
    if not (settings.airflow_home / "airflow.db").exists():
        airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
        subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True)
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        WRITER_POOL,
        slots=1,
        description="Serialises DuckDB build-file writers",
        include_deferred=False,
    )


def _main(start: date, end: date) -> int:
    import pendulum
    from airflow.dag_processing.dagbag import DagBag

    settings = Settings.from_env()
    _ensure_metadata_db(settings)
    bag = DagBag(dag_folder=str(DAGS_DIR))
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    runs: list[dict] = []
    ok = True
    for day in days_between(start, end):
        for family in FAMILIES:
            # A manual run's data interval is the last complete day before its logical date.
            logical = pendulum.datetime(day.year, day.month, day.day, tz="UTC").add(days=1)
            dag_run = bag.get_dag(f"crossdock_ingest_{family}").test(logical_date=logical)
            runs.append({"dag_id": dag_run.dag_id, "day": day.isoformat(), "state": dag_run.state})
            ok = ok and dag_run.state == "success"
        if not ok:
            break
    if ok:
        # The warehouse publish updates the demand marts' Asset, which schedules the forecast.
        # Before that one (all the data), the refresh the weekly schedule made a week earlier,
        # when the window has one: its forecasts meet actuals, so forecast accuracy has rows.
        weekly = weekly_cutoff_before(start, end)
        plan = [("crossdock_warehouse", None)]
        if weekly:
            plan.append(("crossdock_forecast", {"cutoff": weekly.isoformat()}))
        plan.append(("crossdock_forecast", None))
        for dag_id, conf in plan:
            dag_run = bag.get_dag(dag_id).test(run_conf=conf)
            runs.append({"dag_id": dag_run.dag_id, "day": None, "state": dag_run.state})
            if conf:
                runs[-1]["conf"] = conf
            ok = dag_run.state == "success"
            if not ok:
                break
    out = settings.runs_dir / os.environ.get("CROSSDOCK_RUN_ID", "adhoc") / "dag_runs.json"
    out.write_text(json.dumps({"success": ok, "dag_runs": runs}, indent=2))
    return 0 if ok else 1


def run_dag(settings: Settings, dag_id: str, run_id: str) -> str:
    """Run one DAG with dag.test() in the Airflow child process; return its final state."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **airflow_env(settings), "CROSSDOCK_RUN_ID": run_id}
    proc = subprocess.run(
        [sys.executable, "-m", "crossdock.orchestrate", "--dag", dag_id],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("dag_run_state=")]
    if not lines:
        raise RuntimeError(
            f"{dag_id} did not report (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return lines[-1].split("=", 1)[1]


def _main_one(dag_id: str) -> int:
    from airflow.dag_processing.dagbag import DagBag

    _ensure_metadata_db(Settings.from_env())
    dag_run = DagBag(dag_folder=str(DAGS_DIR)).get_dag(dag_id).test()
    print(f"dag_run_state={dag_run.state}")
    return 0 if dag_run.state == "success" else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("start", type=date.fromisoformat, nargs="?")
    parser.add_argument("end", type=date.fromisoformat, nargs="?")
    parser.add_argument("--dag", help="run only this DAG once (dag.test())")
    args = parser.parse_args()
    if args.dag:
        sys.exit(_main_one(args.dag))
    if args.start is None or args.end is None:
        parser.error("start and end are required without --dag")
    sys.exit(_main(args.start, args.end))
