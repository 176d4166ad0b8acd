"""Build the warehouse with dbt, gate its marts, and fingerprint their content."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl
import yaml

if TYPE_CHECKING:
    from quality.gates import GateResult

from crossdock.config import DBT_PROJECT_DIR, Settings
from crossdock.forecast_store import ensure_tables
from crossdock.lake import write_atomic
from crossdock.reference.export import export_reference
from ingestion import FEEDS

MARTS_SCHEMA = "marts"


class BuildFailed(Exception):
    pass


@dataclass(frozen=True)
class BuildResult:
    models: int
    tests_passed: int
    unit_tests_passed: int
    seconds: float


# An optional feed nobody delivered is read as this zero-row file with the contract's schema.
PLACEHOLDER_PARTITION = "delivery_date=1970-01-01"
PLACEHOLDER_NAME = "_contract.parquet"


def _lake_tables() -> list[dict]:
    sources = yaml.safe_load(
        (DBT_PROJECT_DIR / "models" / "staging" / "lake" / "_lake__sources.yml").read_text()
    )["sources"]
    return [t for src in sources if src["name"] == "lake" for t in src["tables"]]


def lake_sources(*, optional: bool | None = None) -> list[str]:
    """The lake entities the dbt project reads (its `lake` source tables).

    `optional=True` / `False` selects the feeds a deployment may or must deliver.
    """
    return [
        t["name"]
        for t in _lake_tables()
        if optional is None or bool(t.get("meta", {}).get("optional")) == optional
    ]


def _has_landed(lake: Path, entity: str) -> bool:
    return any(p.name != PLACEHOLDER_NAME for p in (lake / entity).glob("*/*.parquet"))


def prepare_lake(lake: Path) -> None:
    """Make every lake source readable: required feeds must have landed; an optional feed with
    no landed file gets a zero-row placeholder with its contract's schema (removed again once
    real files land), because `read_parquet` fails on a glob that matches nothing."""
    missing = [e for e in lake_sources(optional=False) if not _has_landed(lake, e)]
    if missing:
        raise BuildFailed(
            f"no landed data yet for {', '.join(sorted(missing))} in {lake}: "
            "ingest at least one delivery of every feed before building"
        )
    contracts = {f.contract.entity: f.contract for f in FEEDS}
    lineage = {"_source_file": pl.String, "_source_line": pl.Int64, "_file_sha256": pl.String}
    for entity in lake_sources(optional=True):
        placeholder = lake / entity / PLACEHOLDER_PARTITION / PLACEHOLDER_NAME
        if _has_landed(lake, entity):
            placeholder.unlink(missing_ok=True)
        elif not placeholder.exists():
            schema = {**contracts[entity].polars_schema(), **lineage}
            write_atomic(pl.DataFrame(schema=schema), placeholder)


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def _dbt_or_fail(settings: Settings, *args: str) -> None:
    """Run dbt; a non-zero exit raises BuildFailed with the end of dbt's output."""
    proc = run_dbt(settings, *args)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise BuildFailed(f"dbt {args[0]} failed (exit {proc.returncode}):\n{tail}")


def run_dbt(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the dbt CLI of this environment on the project, against the settings' warehouse."""
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings.dbt_env()}
    return subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


META_SCHEMA = "crossdock_meta"
SHA256_OR_EMPTY = re.compile(r"[0-9a-f]{64}|")  # "": a zero-row lake file has no lineage
# Data tests with `where: "__build_batch__"` test the rows of the files a build adds: every row
# in a first or full-refresh build, the new files' rows in an increment
# (macros/get_where_subquery.sql). Every crossdock dbt invocation passes the same vars, so dbt's
# partial parsing stays valid from one build to the next.
BUILD_VARS = ("--vars", json.dumps({"tests_on_build_batch": True}))


def stage_build_batch(
    settings: Settings, con: duckdb.DuckDBPyConnection, *, full_refresh: bool
) -> bool:
    """Write the lake files that this build adds to `crossdock_meta.build_batch_files`:
    incremental models and scoped tests read what is new from there. Every lake file on a full
    refresh or a first build (returns True then: the build starts from scratch).

    The lake, not the ledger, is what dbt reads, so the batch is the lake's files (by path)
    not yet in `built_files`, with the `_file_sha256` their rows carry. `built_files` is
    appended only after dbt succeeded (commit_build_batch): a failed or killed build leaves
    its files in the next batch, and incremental models replace the keys they touch, so
    building a file twice changes nothing.
    """
    con.execute(f"create schema if not exists {META_SCHEMA}")
    con.execute(
        f"create table if not exists {META_SCHEMA}.built_files ("
        " lake_path varchar primary key, file_sha256 varchar not null,"
        " entity varchar not null, delivery_date date not null, built_at timestamptz not null)"
    )
    con.execute(
        f"create or replace table {META_SCHEMA}.build_batch_files ("
        " lake_path varchar primary key, file_sha256 varchar not null,"
        " entity varchar not null, delivery_date date not null)"
    )
    marts = con.execute(
        "select count(*) from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
    ).fetchone()
    built_count = con.execute(f"select count(*) from {META_SCHEMA}.built_files").fetchone()
    # as build_batch_literals decides it: nothing built before (a first build, a full refresh,
    # or a warehouse built before the batch existed) means the batch is every lake file
    from_scratch = full_refresh or not (marts and marts[0]) or not (built_count and built_count[0])
    if from_scratch:
        con.execute(f"delete from {META_SCHEMA}.built_files")
    built_rows = con.execute(f"select lake_path from {META_SCHEMA}.built_files").fetchall()
    built = {r[0] for r in built_rows}
    new = [
        p
        for entity in lake_sources()
        for p in sorted((settings.lake / entity).glob("delivery_date=*/*.parquet"))
        if p.name != PLACEHOLDER_NAME and p.relative_to(settings.lake).as_posix() not in built
    ]
    if new:
        # one scan of the new files' lineage column (a lake file holds one delivered file)
        shas = dict(
            con.execute(
                "select distinct filename, _file_sha256 from read_parquet(?, filename = true,"
                " hive_partitioning = false, union_by_name = true)",
                [[str(p) for p in new]],
            ).fetchall()
        )
        bad = sorted(str(p) for p in new if not SHA256_OR_EMPTY.fullmatch(shas.get(str(p), "")))
        if bad:  # the batch is inlined into SQL as literals: only hex digests may pass
            raise BuildFailed(f"lake files without a sha256 _file_sha256 lineage: {bad[:5]}")
        con.executemany(
            f"insert into {META_SCHEMA}.build_batch_files values (?, ?, ?, ?)",
            [
                (
                    p.relative_to(settings.lake).as_posix(),
                    shas.get(str(p), ""),  # a zero-row file has no rows to build
                    p.parent.parent.name,
                    p.parent.name.removeprefix("delivery_date="),
                )
                for p in new
            ],
        )
    return from_scratch


def commit_build_batch(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the batch's files as built (after a successful dbt build) and empty the batch, so
    a later dbt run outside `crossdock build` (the forecast refresh) has nothing new to apply."""
    con.execute(
        f"insert into {META_SCHEMA}.built_files"
        f" select *, now() from {META_SCHEMA}.build_batch_files on conflict do nothing"
    )
    con.execute(f"delete from {META_SCHEMA}.build_batch_files")


def build(settings: Settings, *, full_refresh: bool = False) -> BuildResult:
    """`dbt build`: models, then their data and unit tests; a failing test fails the build.

    Incremental facts update in place; `full_refresh` rebuilds them from the whole lake (needed
    after a change of their columns: they refuse a schema change rather than guess).
    """
    prepare_lake(settings.lake)
    export_reference(settings.lake)  # the dbt `reference` source: <lake>/reference/*.parquet
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    from crossdock.dq import EVERY_MART, mark_ungated, sync_to_warehouse

    with duckdb.connect(str(settings.build_path)) as con:
        ensure_tables(con)  # the dbt `forecasts` source exists before the first refresh
        from_scratch = stage_build_batch(settings, con, full_refresh=full_refresh)
        mark_ungated(con, [EVERY_MART])  # publish waits for the gate that passes this build
    args = ["build", "--fail-fast", *BUILD_VARS]
    if full_refresh:
        args.append("--full-refresh")
    if not from_scratch:
        # unit tests check the project's logic, not data: they run in full-refresh and first
        # builds (and in CI), not again in every increment
        args += ["--exclude-resource-type", "unit_test"]
    _dbt_or_fail(settings, *args)
    with duckdb.connect(str(settings.build_path)) as con:
        sync_to_warehouse(settings, con)  # the landing gates' results recorded since the last build
        commit_build_batch(con)
    run = json.loads((settings.dbt_target_dir / "run_results.json").read_text())
    kinds: dict[str, int] = {}
    for r in run["results"]:
        kind = r["unique_id"].split(".")[0]
        if r["status"] in ("success", "pass"):
            kinds[kind] = kinds.get(kind, 0) + 1
    return BuildResult(
        models=kinds.get("model", 0),
        tests_passed=kinds.get("test", 0),
        unit_tests_passed=kinds.get("unit_test", 0),
        seconds=round(run.get("elapsed_time", 0.0), 2),
    )


def generate_docs(settings: Settings) -> Path:
    """`dbt docs generate --static` over the build warehouse (the catalog reads its tables) into
    <home>/docs/dbt/: index.html is self-contained; catalog.json and manifest.json beside it."""
    if not settings.build_path.exists():
        raise FileNotFoundError(
            f"no build warehouse at {settings.build_path}: run `crossdock build` first"
        )
    _dbt_or_fail(settings, "docs", "generate", "--static", *BUILD_VARS)
    out = settings.home / "docs" / "dbt"
    out.mkdir(parents=True, exist_ok=True)
    target = settings.dbt_target_dir
    shutil.copyfile(target / "static_index.html", out / "index.html")
    for name in ("catalog.json", "manifest.json"):
        shutil.copyfile(target / name, out / name)
    return out / "index.html"


def gate_marts(settings: Settings, run_id: str = "adhoc") -> list[GateResult]:
    """Validate every mart (its GX suite; a large mart's row expectations only on the rows that
    changed since the last published snapshot, its whole-table ones over the whole mart) and the
    warehouse checks (lake vs ledger, referential integrity, freshness, on-time drift); record
    every result in dq_results and the Data Docs; raise GateFailed if an `error` expectation
    failed. See crossdock.dq.gate_warehouse and crossdock.dq.gate_mart."""
    from crossdock.dq import gate_warehouse

    return gate_warehouse(settings, run_id)


def mart_fingerprints(db_path: Path) -> dict[str, dict[str, object]]:
    """Row count and content hash of each mart, independent of row order and physical layout."""
    out: dict[str, dict[str, object]] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables"
            " where table_schema = ? order by table_name",
            [MARTS_SCHEMA],
        ).fetchall()
        for (table,) in tables:
            rows = con.execute(f"select count(*) from {MARTS_SCHEMA}.{table}").fetchone()[0]
            # Each row rendered as text and hashed, the row hashes sorted: equal content gives an
            # equal hash. (Aggregating the rows' text itself exceeds DuckDB's maximum string size
            # at 1M orders: fct_shipment_events, 6.6M rows.)
            (sha,) = con.execute(
                "select sha256(coalesce(string_agg(row_md5, '' order by row_md5), ''))"
                f" from (select md5(t::varchar) as row_md5 from {MARTS_SCHEMA}.{table} t)"
            ).fetchone()
            out[table] = {"rows": rows, "sha256": sha[:16]}
    return out
