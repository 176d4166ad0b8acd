"""Data-quality results: the durable store, the warehouse gate, `dq_results`, and the Data Docs.

- Every gate result (landing batches during ingest, marts and warehouse checks before publish) is
  appended to the `dq_results` table of the ledger's SQLite file: ingest never opens the DuckDB
  build file, and SQLite serialises the ingest families' short writes. A result's id derives from
  what was validated (landing: its files' sha256s; warehouse: the run), so a replay or a retried
  task adds no duplicate.
- `sync_to_warehouse` copies the rows the build file lacks into `dq.dq_results` (a table dbt does
  not manage, so full refreshes keep it); publishing copies it into the serving snapshot.
- `gate_warehouse` validates every mart (in chunks of CHUNK_ROWS rows when larger) and the
  in-warehouse aggregates of quality/suites/warehouse.py, records everything, renders the Data
  Docs, then raises GateFailed if an `error` expectation failed.
- `render_data_docs` writes static HTML from the store (GX's own Data Docs need a file-backed
  context with stored validation results; the gates validate in an ephemeral context).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
import time
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from crossdock.config import Settings
from crossdock.ledger import Ledger, connect_sqlite

DQ_SCHEMA = "dq"
CHUNK_ROWS = 1_048_576  # marts larger than this are validated chunk by chunk (a multiple of 2048)
DOCS_RUNS = 30  # runs shown in the Data Docs page

COLUMNS = (
    "result_id",
    "run_id",
    "stage",
    "suite",
    "batch",
    "batch_key",
    "expectation_index",
    "expectation",
    "column_name",
    "kwargs",
    "severity",
    "success",
    "observed_value",
    "unexpected_count",
    "rows_validated",
    "validated_at",
)
STORE_DDL = """
create table if not exists dq_results (
    result_id         text primary key,
    run_id            text not null,
    stage             text not null,   -- landing | marts | warehouse
    suite             text not null,
    batch             text not null,
    batch_key         text not null,
    expectation_index integer not null,
    expectation       text not null,
    column_name       text,
    kwargs            text not null,   -- JSON
    severity          text not null,   -- error | warn
    success           integer not null,
    observed_value    text,            -- JSON
    unexpected_count  integer,
    rows_validated    integer not null,
    validated_at      text not null
);
create index if not exists dq_results_by_run on dq_results (run_id);
"""
WAREHOUSE_DDL = f"""
create table if not exists {DQ_SCHEMA}.dq_results (
    result_id varchar primary key,
    run_id varchar not null,
    stage varchar not null,
    suite varchar not null,
    batch varchar not null,
    batch_key varchar not null,
    expectation_index integer not null,
    expectation varchar not null,
    column_name varchar,
    kwargs varchar not null,
    severity varchar not null,
    success boolean not null,
    observed_value varchar,
    unexpected_count bigint,
    rows_validated bigint not null,
    validated_at timestamptz not null
)"""


class DqStore:
    """The append-only `dq_results` table beside the ledger (same SQLite file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(STORE_DDL)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect_sqlite(self.path)

    def record(self, gates: list[Any], *, stage: str, run_id: str) -> int:
        """Append the gates' outcomes in one transaction; returns how many rows were new."""
        now = datetime.now(UTC).isoformat()
        rows = []
        for gate in gates:
            # Landing: the same files validated by the same suite are one result, whatever the
            # batch was called. Warehouse: one result per run, mart and expectation.
            content = stage == "landing" and gate.key
            batch_key = gate.key if content else f"run:{run_id}"
            scope = batch_key if content else f"{batch_key}|{gate.batch}"
            for i, o in enumerate(gate.outcomes):
                ident = f"{stage}|{scope}|{gate.suite}|{i}|{o.expectation}"
                rows.append(
                    (
                        hashlib.sha256(ident.encode()).hexdigest()[:32],
                        run_id,
                        stage,
                        gate.suite,
                        gate.batch,
                        batch_key,
                        i,
                        o.expectation,
                        o.column,
                        json.dumps(o.kwargs, sort_keys=True, default=str),
                        o.severity,
                        int(o.success),
                        None if o.observed is None else json.dumps(o.observed, default=str),
                        o.unexpected_count,
                        gate.rows,
                        now,
                    )
                )
        with self._connect() as con:
            con.execute("begin immediate")
            before = con.total_changes
            con.executemany(
                f"insert into dq_results ({', '.join(COLUMNS)}) values"
                f" ({', '.join('?' * len(COLUMNS))}) on conflict (result_id) do nothing",
                rows,
            )
            new = con.total_changes - before
            con.execute("commit")
        return new

    def frame(self, where: str = "true", params: tuple = ()) -> pd.DataFrame:
        with self._connect() as con:
            cur = con.execute(
                f"select {', '.join(COLUMNS)} from dq_results where {where}"
                " order by validated_at, result_id",
                params,
            )
            frame = pd.DataFrame(cur.fetchall(), columns=list(COLUMNS))
        frame["success"] = frame["success"].astype(bool)
        return frame


def store(settings: Settings) -> DqStore:
    return DqStore(settings.ledger_path)


def sync_to_warehouse(settings: Settings, con: duckdb.DuckDBPyConnection) -> int:
    """Insert the store's results the warehouse lacks into dq.dq_results; returns how many."""
    con.execute(f"create schema if not exists {DQ_SCHEMA}")
    con.execute(WAREHOUSE_DDL)
    have = {r[0] for r in con.execute(f"select result_id from {DQ_SCHEMA}.dq_results").fetchall()}
    frame = store(settings).frame()
    new = frame[~frame["result_id"].isin(have)]
    if new.empty:
        return 0
    con.register("dq_new", new)
    try:
        con.execute(
            f"insert into {DQ_SCHEMA}.dq_results select {', '.join(COLUMNS[:-1])},"
            " validated_at::timestamptz from dq_new"
        )
    finally:
        con.unregister("dq_new")
    return len(new)


# --- the warehouse gate -----------------------------------------------------------------------


def _merge_chunks(parts: list[Any], batch: str) -> Any:
    """One GateResult from the results of the same suite over consecutive chunks of a mart."""
    from dataclasses import replace

    from quality.gates import GateResult

    outcomes = []
    for per_chunk in zip(*(p.outcomes for p in parts), strict=True):
        first = next((o for o in per_chunk if not o.success), per_chunk[0])
        counts = [o.unexpected_count for o in per_chunk if o.unexpected_count is not None]
        outcomes.append(
            replace(
                first,
                success=all(o.success for o in per_chunk),
                unexpected_count=sum(counts) if counts else None,
                sample=[s for o in per_chunk for s in o.sample][:20],
            )
        )
    return GateResult(
        parts[0].suite,
        batch,
        not any(o.failed_error for o in outcomes),
        sum(p.rows for p in parts),
        outcomes,
        seconds=round(sum(p.seconds for p in parts), 3),
    )


def validate_mart(
    con: duckdb.DuckDBPyConnection, mart: str, make_suite: Any, chunk_rows: int = CHUNK_ROWS
) -> Any:
    """Validate one mart; above `chunk_rows` rows, chunk by chunk (bounded memory).

    Chunked, a uniqueness expectation holds within each chunk only; the mart's primary key is
    unique over the whole table by its dbt test, which runs in the build before any gate.
    """
    from quality.gates import validate

    batch = f"marts.{mart}"
    rows = con.execute(f"select count(*) from marts.{mart}").fetchall()[0][0]
    table_columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [mart],
        ).fetchall()
    ]
    suite = make_suite()
    # Only the columns the suite reads cross into pandas (a fraction of a wide mart's bytes).
    select = ", ".join(f'"{c}"' for c in suite_columns(suite, table_columns))
    if rows <= chunk_rows:
        return validate(con.sql(f"select {select} from marts.{mart}").df(), suite, batch=batch)
    cur = con.execute(f"select {select} from marts.{mart}")
    parts = []
    while not (frame := cur.fetch_df_chunk(max(chunk_rows // 2048, 1))).empty:
        parts.append(validate(frame, make_suite(), batch=f"{batch}[chunk {len(parts) + 1}]"))
    return _merge_chunks(parts, batch)


def suite_columns(suite: Any, table_columns: list[str]) -> list[str]:
    """The table's columns that `suite`'s expectations read (their column arguments and any
    column named in a row condition), in table order; the first column when the suite reads
    none (row-count expectations still need the rows)."""
    needed: set[str] = set()
    for expectation in suite.expectations:
        kwargs = expectation.configuration.kwargs
        needed.update(kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k))
        needed.update(kwargs.get("column_list") or [])
        if condition := kwargs.get("row_condition"):
            # A string or, in GX 1.24, a dict holding it: search its text (over-inclusion is safe).
            text = str(condition)
            needed.update(c for c in table_columns if re.search(rf"\b{re.escape(c)}\b", text))
    unknown = needed - set(table_columns)
    if unknown:  # let GX report the missing column rather than a binder error here
        return table_columns
    return [c for c in table_columns if c in needed] or table_columns[:1]


def _lake_files(lake: Path, entity: str) -> list[Path]:
    from crossdock.warehouse import PLACEHOLDER_NAME

    return [p for p in sorted((lake / entity).glob("*/*.parquet")) if p.name != PLACEHOLDER_NAME]


def reconciliation_frame(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> tuple[pd.DataFrame, list[str]]:
    """Per lake entity: files and rows in the ledger vs in the lake; and the offending files."""
    from crossdock.warehouse import lake_sources

    by_path = {e.lake_path: e.rows_landed for e in Ledger(settings.ledger_path).entries()}
    records, problems = [], []
    for entity in lake_sources():
        files = _lake_files(settings.lake, entity)
        lake_rows: dict[str, int] = {}
        if files:
            listed = ", ".join(f"'{p}'" for p in files)
            for name, n in con.execute(
                f"select file_name, num_rows from parquet_file_metadata([{listed}])"
            ).fetchall():
                lake_rows[Path(name).relative_to(settings.lake).as_posix()] = n
        ledger = {p: n for p, n in by_path.items() if p.split("/", 1)[0] == entity}
        unrecorded = sorted(lake_rows.keys() - ledger.keys())
        missing = sorted(ledger.keys() - lake_rows.keys())
        problems += [f"{settings.lake / p}: in the lake, not in the ledger" for p in unrecorded]
        problems += [f"{settings.lake / p}: in the ledger, missing from the lake" for p in missing]
        problems += [
            f"{settings.lake / p}: {lake_rows[p]} rows in the lake, {n} in the ledger"
            for p, n in ledger.items()
            if p in lake_rows and lake_rows[p] != n
        ]
        records.append(
            {
                "entity": entity,
                "ledger_files": len(ledger),
                "lake_files": len(lake_rows),
                "unrecorded_files": len(unrecorded),
                "missing_files": len(missing),
                "ledger_rows": sum(ledger.values()),
                "lake_rows": sum(lake_rows.values()),
            }
        )
    return pd.DataFrame(records), problems


REFERENTIAL_SQL = """
select
    (select count(*) from marts.fct_shipment_events as e
     where not exists (select 1 from marts.fct_shipment_journeys as j
                       where j.tracking_number = e.tracking_number)) as events_without_shipment,
    (select count(*) from marts.fct_customs_declarations as d
     where d.tracking_number is null
        or not exists (select 1 from marts.fct_shipment_journeys as j
                       where j.tracking_number = d.tracking_number))
        as declarations_without_shipment
"""


def freshness_frame(settings: Settings, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Newest delivery day of each required lake entity (lag behind the newest of any feed) and
    of each incremental mart (lag behind the newest delivery of the feed it is built from)."""
    from crossdock.warehouse import lake_sources

    newest: dict[str, Any] = {}
    for entity in lake_sources(optional=False):
        files = _lake_files(settings.lake, entity)
        days = [p.parent.name.removeprefix("delivery_date=") for p in files]
        newest[entity] = max(days) if days else None
    top = max((d for d in newest.values() if d), default=None)
    records = [
        {"entity": e, "kind": "feed", "newest_delivery": d, "lag_days": _days(top, d)}
        for e, d in newest.items()
    ]
    for mart, entity in INCREMENTAL_MARTS.items():
        (day,) = con.execute(f"select max(delivery_date)::varchar from marts.{mart}").fetchall()[0]
        lag = _days(newest.get(entity), day)
        records.append({"entity": f"marts.{mart}", "kind": "mart", "newest_delivery": day,
                        "lag_days": lag})  # fmt: skip
    return pd.DataFrame(records)


# Incremental marts and the lake entity whose delivery days they follow.
INCREMENTAL_MARTS = {"fct_shipment_events": "carrier_tracking_events"}


def _days(newer: str | None, older: str | None) -> int | None:
    if not newer or not older:
        return None
    return (pd.Timestamp(newer) - pd.Timestamp(older)).days


def on_time_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    from quality.suites.warehouse import ON_TIME_MIN_DELIVERIES

    return con.execute(
        """
        with daily as (
            select delivered_date, count(*) as deliveries,
                   avg(case when is_on_time then 1.0 else 0.0 end) as on_time_rate
            from marts.fct_shipment_journeys
            where is_delivered and source_system = 'crossdock' and delivered_date is not null
            group by delivered_date
            having count(*) >= ?
        )
        select delivered_date, deliveries, on_time_rate,
               on_time_rate - lag(on_time_rate) over (order by delivered_date) as daily_move
        from daily order by delivered_date
        """,
        [ON_TIME_MIN_DELIVERIES],
    ).df()


def gate_warehouse(settings: Settings, run_id: str, *, chunk_rows: int = CHUNK_ROWS) -> list[Any]:
    """Validate every mart and the warehouse aggregates; record and render every result; raise
    GateFailed (naming each failure) when an `error` expectation failed."""
    from quality.gates import GateFailed, validate
    from quality.suites.marts import SUITES as MART_SUITES
    from quality.suites.warehouse import SUITES as WAREHOUSE_SUITES

    results, problems = [], []
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        for mart, make_suite in MART_SUITES.items():
            results.append(validate_mart(con, mart, make_suite, chunk_rows))
        recon, problems = reconciliation_frame(settings, con)
        frames = {
            "lake_reconciliation": recon,
            "referential_integrity": con.execute(REFERENTIAL_SQL).df(),
            "freshness": freshness_frame(settings, con),
            "on_time_drift": on_time_frame(con),
        }
    for name, frame in frames.items():
        results.append(validate(frame, WAREHOUSE_SUITES[name](), batch=f"warehouse.{name}"))
    dq = store(settings)
    dq.record([r for r in results if r.batch.startswith("marts.")], stage="marts", run_id=run_id)
    dq.record(
        [r for r in results if r.batch.startswith("warehouse.")], stage="warehouse", run_id=run_id
    )
    with duckdb.connect(str(settings.build_path)) as con:
        sync_to_warehouse(settings, con)
    render_data_docs(settings)
    if not all(r.success for r in results):
        raise GateFailed(results, detail="\n".join(problems[:50]))
    return results


# --- timings ----------------------------------------------------------------------------------


def gate_share(run_dir: Path, wall_seconds: float | None = None) -> dict[str, float]:
    """Seconds spent in GX gates during one run (ingest batches and the warehouse gate), from
    the run's step reports, against the steps' total and the run's wall time when given."""
    gates = steps = 0.0
    for report in run_dir.glob("*.json"):
        data = json.loads(report.read_text())
        if not isinstance(data, dict) or "seconds" not in data:
            continue
        steps += data["seconds"]
        if report.stem == "gate_marts":
            gates += data["seconds"]
        else:
            gates += data.get("gate_seconds", 0.0)
    out = {"gate_seconds": round(gates, 1), "step_seconds": round(steps, 1)}
    out["share_of_steps"] = round(gates / steps, 3) if steps else 0.0
    if wall_seconds:
        out["wall_seconds"] = round(wall_seconds, 1)
        out["share_of_wall"] = round(gates / wall_seconds, 3)
    return out


# --- Data Docs --------------------------------------------------------------------------------


def data_docs_path(settings: Settings) -> Path:
    return settings.home / "docs" / "dq" / "index.html"


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;
font-size:13px;text-align:left;vertical-align:top}th{background:#f3f3f3}
.ok{color:#186a3b}.error{color:#b03a2e;font-weight:bold}.warn{color:#9a6700;font-weight:bold}
details{margin:.2em 0}summary{cursor:pointer}code{font-size:12px}"""


def _status(ok: bool, severity: str) -> str:
    if ok:
        return '<span class="ok">passed</span>'
    return f'<span class="{severity}">failed ({severity})</span>'


def _count(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def render_data_docs(settings: Settings, runs: int = DOCS_RUNS) -> Path:
    """Static HTML of the stored results, newest run first: one page, no network, no JS."""
    started = time.perf_counter()
    frame = store(settings).frame()
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>crossdock data quality</title>",
        f"<style>{_CSS}</style></head><body><h1>crossdock data quality</h1>",
        f"<p>{len(frame)} expectation results from {frame['run_id'].nunique()} run(s) in "
        f"<code>{e(str(settings.ledger_path))}</code> (table <code>dq_results</code>; in the "
        f"warehouse <code>{DQ_SCHEMA}.dq_results</code>). Generated "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}.</p>",
    ]
    order = frame.groupby("run_id")["validated_at"].max().sort_values(ascending=False)
    for run_id in order.index[:runs]:
        run = frame[frame["run_id"] == run_id]
        errors = int((~run["success"] & (run["severity"] == "error")).sum())
        warns = int((~run["success"] & (run["severity"] == "warn")).sum())
        parts.append(
            f"<h2>run {e(run_id)}</h2><p>{run['batch'].nunique()} validations, {len(run)} "
            f"expectations: {errors} error failure(s), {warns} warning(s)</p>"
            "<table><tr><th>stage</th><th>suite</th><th>batch</th><th>rows</th>"
            "<th>expectations</th><th>status</th></tr>"
        )
        for (stage, suite_name, batch), group in run.groupby(
            ["stage", "suite", "batch"], sort=True
        ):
            failed = group[~group["success"]]
            worst = "error" if (failed["severity"] == "error").any() else "warn"
            rows = "".join(
                f"<tr><td>{e(str(r.expectation))}</td><td>{e(str(r.column_name or ''))}</td>"
                f"<td>{e(r.severity)}</td><td>{_status(r.success, r.severity)}</td>"
                f"<td>{_count(r.unexpected_count)}</td>"
                f"<td><code>{e(str(r.observed_value or '')[:200])}</code></td>"
                f"<td><code>{e(str(r.kwargs)[:300])}</code></td></tr>"
                for r in group.itertuples()
            )
            parts.append(
                f"<tr><td>{e(stage)}</td><td>{e(suite_name)}</td><td>{e(batch)}<details>"
                "<summary>expectations</summary><table><tr><th>expectation</th><th>column</th>"
                "<th>severity</th><th>result</th><th>unexpected</th><th>observed</th>"
                f"<th>arguments</th></tr>{rows}</table></details></td>"
                f"<td>{int(group['rows_validated'].max())}</td><td>{len(group)}</td>"
                f"<td>{_status(failed.empty, worst)}</td></tr>"
            )
        parts.append("</table>")
    parts.append(
        f"<p>Rendered in {time.perf_counter() - started:.2f} s by crossdock.dq.</p></body></html>"
    )
    out = data_docs_path(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(out)
    return out
