"""Data-quality results: the durable store, the warehouse gate, `dq_results`, and the Data Docs.

- Every gate result (landing batches during ingest, marts and warehouse checks before publish) is
  appended to the `dq_results` table of the ledger's SQLite file: ingest never opens the DuckDB
  build file, and SQLite serialises the ingest families' short writes. A result's id derives from
  what was validated (landing: its files' sha256s; warehouse: the run), so a replay or a retried
  task adds no duplicate.
- `sync_to_warehouse` copies the rows the build file lacks into `dq.dq_results` (a table dbt does
  not manage, so full refreshes keep it); publishing copies it into the serving snapshot.
- `gate_warehouse` validates every mart (`gate_mart`: a large mart's row expectations on the rows
  changed since the last published snapshot, its whole-table expectations over the whole mart)
  and the in-warehouse aggregates of quality/suites/warehouse.py, records everything (with what
  each result covered: `scope`, `rows_validated`), renders the Data Docs, writes what it passed
  into `dq.gated_marts` (published with the build: what the next gate may skip), then raises
  GateFailed if an `error` expectation failed.
- `render_data_docs` writes static HTML from the store (GX's own Data Docs need a file-backed
  context with stored validation results; the gates validate in an ephemeral context).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from crossdock.config import Settings
from crossdock.ledger import Ledger, connect_sqlite

if TYPE_CHECKING:  # pandas loads on first use: ingest imports this module before it needs it
    import pandas as pd

log = logging.getLogger(__name__)

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
    "scope",
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
    validated_at      text not null,
    scope             text not null default 'whole'  -- whole | delta | table (crossdock.dq)
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
    validated_at timestamptz not null,
    scope varchar not null default 'whole'
)"""


class DqStore:
    """The append-only `dq_results` table beside the ledger (same SQLite file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(STORE_DDL)
            # Stores written before `scope` existed: every result then covered its whole batch.
            if "scope" not in {r[1] for r in con.execute("pragma table_info(dq_results)")}:
                con.execute("alter table dq_results add column scope text not null default 'whole'")

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
            validated = batch_key if content else f"{batch_key}|{gate.batch}"
            for i, o in enumerate(gate.outcomes):
                ident = f"{stage}|{validated}|{gate.suite}|{i}|{o.expectation}"
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
                        gate.rows if o.scope_rows is None else o.scope_rows,
                        now,
                        o.scope,
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
        import pandas as pd

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
    con.execute(
        f"alter table {DQ_SCHEMA}.dq_results add column if not exists scope varchar default 'whole'"
    )
    have = {r[0] for r in con.execute(f"select result_id from {DQ_SCHEMA}.dq_results").fetchall()}
    frame = store(settings).frame()
    new = frame[~frame["result_id"].isin(have)]
    if new.empty:
        return 0
    con.register("dq_new", new)
    try:
        names = ", ".join(COLUMNS)
        cast = ", ".join("validated_at::timestamptz" if c == "validated_at" else c for c in COLUMNS)
        con.execute(f"insert into {DQ_SCHEMA}.dq_results ({names}) select {cast} from dq_new")
    finally:
        con.unregister("dq_new")
    return len(new)


# --- what publish may serve --------------------------------------------------------------------
#
# A build marks the marts it may change as ungated before dbt runs (every mart for `crossdock
# build`, the forecast marts for the forecast refresh's build); a gate that passes clears the
# marts it validated; publish refuses while any is left. So a failed gate, or a build whose gate
# never ran, blocks every later publish of those marts, whichever DAG publishes next: the
# forecast DAG after a failed warehouse gate publishes nothing. A build file without the table
# (one made before it existed, or not by crossdock) has no such record and is not blocked.

UNGATED = f"{DQ_SCHEMA}.ungated_marts"
EVERY_MART = "*"  # marked by a build of every model


class PublishRefused(Exception):
    """The build holds marts that changed since their last passing gate."""


def mark_ungated(con: duckdb.DuckDBPyConnection, marts: list[str]) -> None:
    """Before a build that may change `marts` (EVERY_MART: all of them): publish refuses them
    until a gate passes them. Committed before dbt starts, so a killed build is covered too."""
    con.execute(f"create schema if not exists {DQ_SCHEMA}")
    con.execute(
        f"create table if not exists {UNGATED} (mart varchar primary key, marked_at timestamptz)"
    )
    con.executemany(
        f"insert into {UNGATED} values (?, now()) on conflict do nothing", [[m] for m in marts]
    )


def clear_ungated(con: duckdb.DuckDBPyConnection, marts: list[str] | None) -> None:
    """A gate passed `marts` (None: every mart, the warehouse gate's whole suite set)."""
    if not _has_ungated_table(con):
        return
    if marts is None:
        con.execute(f"delete from {UNGATED}")
    elif marts:
        con.execute(f"delete from {UNGATED} where mart in ?", [marts])


def ungated_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The marts changed since their last passing gate (EVERY_MART: a build of every model)."""
    if not _has_ungated_table(con):
        return []
    return [r[0] for r in con.execute(f"select mart from {UNGATED} order by mart").fetchall()]


def refuse_ungated(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Raise PublishRefused when `con`'s build holds marts no passing gate has validated."""
    if ungated := ungated_marts(con):
        what = (
            "every mart (a build whose gate failed or has not run)"
            if EVERY_MART in ungated
            else ", ".join(ungated)
        )
        raise PublishRefused(
            f"{path}: not published: {what} changed since the last passing gate; run"
            " `crossdock gate` (or the forecast DAG's gate) and publish once it passes"
        )


def _has_ungated_table(con: duckdb.DuckDBPyConnection) -> bool:
    (n,) = con.execute(
        "select count(*) from information_schema.tables where table_catalog = current_database()"
        " and table_schema = ? and table_name = 'ungated_marts'",
        [DQ_SCHEMA],
    ).fetchone()
    return bool(n)


# --- the mart gates ---------------------------------------------------------------------------
#
# A mart of DELTA_MIN_ROWS rows or more is gated in two parts:
# - row expectations (ROW_EXPECTATIONS: a row's outcome depends on that row's values only) run on
#   the rows that changed since the last published snapshot, when that snapshot vouches for the
#   mart (see `Snapshot`): the build's rows, projected on the columns those expectations read,
#   that have no equal row in the snapshot. Every other row equals a row that already passed the
#   same expectations. Without a vouching snapshot they run on the whole mart, in chunks.
# - whole-table expectations (everything else: row counts, uniqueness, aggregates, any `mostly`)
#   always run over the whole mart: the TABLE_IN_DUCKDB ones as DuckDB queries whose small result
#   GX validates, any other in one GX frame of the columns it reads.
# Smaller marts are validated whole in one GX frame, as the landing batches are.

DELTA_MIN_ROWS = 100_000
SNAPSHOT_ALIAS = "gate_snapshot"  # the serving snapshot, attached read-only during the gate
VOUCHED = f"{DQ_SCHEMA}.gated_marts"  # per mart: its rows passed these row expectations
VOUCHED_DDL = f"""
create table if not exists {VOUCHED} (
    mart varchar primary key,
    suite_fingerprint varchar not null,   -- the suite's expectations and reference sets
    row_count bigint not null,
    content_fingerprint varchar not null, -- sum of hash() over the row expectations' columns
    run_id varchar not null,
    gated_at timestamptz not null
)"""

ROW_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_value_lengths_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        "expect_column_values_to_be_in_reference",  # quality/reference_expectation.py
    }
)
TABLE_IN_DUCKDB = frozenset(
    {
        "expect_column_values_to_be_unique",  # reduced to the rows whose value repeats
        "expect_compound_columns_to_be_unique",  # reduced to the rows whose tuple repeats
        "expect_table_row_count_to_be_between",  # the count, as a one-row frame
        "expect_table_row_count_to_equal",
    }
)


def expectation_scope(config: Any) -> str:
    """ "row" when the expectation can be checked on changed rows alone, else "table". A suite
    can force "table" with meta {"scope": "table"}; an unknown type is "table" (never dropped)."""
    forced = (config.meta or {}).get("scope")
    if forced not in (None, "table"):
        raise ValueError(f"{config.type}: meta scope {forced!r} must be 'table' or absent")
    mostly = config.kwargs.get("mostly")
    if forced is None and config.type in ROW_EXPECTATIONS and (mostly is None or mostly >= 1):
        return "row"
    return "table"


def suite_fingerprint(suite: Any) -> str:
    """What the suite checks: every expectation's type, arguments and meta, and the content of
    the reference tables it names. A snapshot gated by another suite vouches for nothing."""
    from quality.gates import json_safe_kwargs
    from quality.reference_expectation import REFERENCES

    parts = []
    for e in suite.expectations:
        config = e.configuration
        parts.append([config.type, json_safe_kwargs(config.kwargs), config.meta or {}])
        if reference := config.kwargs.get("reference"):
            parts.append(sorted(REFERENCES[reference]()))
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Snapshot:
    """The last published snapshot, attached read-only as `alias`, and what it vouches for:
    per mart (suite fingerprint, rows, content fingerprint) as the gate that passed it wrote."""

    alias: str
    vouched: dict[str, tuple[str, int, str]]


@contextmanager
def attached_snapshot(
    con: duckdb.DuckDBPyConnection, settings: Settings
) -> Iterator[Snapshot | None]:
    """Attach the serving snapshot to the gate's connection, read-only, for the gate's duration.

    A read-only attachment takes no lock that blocks other readers, and publish never writes the
    serving file (it renames a new copy over it), so neither waits on the gate; the snapshot is
    detached before the gate returns. None when nothing was published or it cannot be read."""
    path = settings.serving_path
    if not path.exists():
        yield None
        return
    quoted = str(path).replace("'", "''")
    try:
        con.execute(f"attach '{quoted}' as {SNAPSHOT_ALIAS} (read_only)")
    except duckdb.Error as exc:  # validate whole rather than fail the gate
        log.warning("serving snapshot %s not attached (%s): marts validated whole", path, exc)
        yield None
        return
    try:
        vouched: dict[str, tuple[str, int, str]] = {}
        (has_table,) = con.execute(
            "select count(*) from information_schema.tables where table_catalog = ?"
            " and table_schema = ? and table_name = 'gated_marts'",
            [SNAPSHOT_ALIAS, DQ_SCHEMA],
        ).fetchone()
        if has_table:
            for mart, suite_fp, rows, content_fp in con.execute(
                "select mart, suite_fingerprint, row_count, content_fingerprint"
                f" from {SNAPSHOT_ALIAS}.{VOUCHED}"
            ).fetchall():
                vouched[mart] = (suite_fp, rows, content_fp)
        yield Snapshot(SNAPSHOT_ALIAS, vouched)
    finally:
        con.execute(f"detach {SNAPSHOT_ALIAS}")


@dataclass(frozen=True)
class MartGate:
    """One mart's gate: its result, how its row expectations ran ("whole", "delta"), why not on
    the delta, and what it vouches for in the next gate (None: nothing, e.g. it failed)."""

    result: Any
    row_mode: str
    reason: str = ""
    vouch: tuple[str, int, str] | None = None


def validate_mart(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    make_suite: Any,
    chunk_rows: int = CHUNK_ROWS,
    *,
    snapshot: Snapshot | None = None,
    delta_min_rows: int = DELTA_MIN_ROWS,
) -> Any:
    """Validate one mart (see `gate_mart`); its GateResult."""
    return gate_mart(
        con, mart, make_suite, chunk_rows, snapshot=snapshot, delta_min_rows=delta_min_rows
    ).result


def gate_mart(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    make_suite: Any,
    chunk_rows: int = CHUNK_ROWS,
    *,
    snapshot: Snapshot | None = None,
    delta_min_rows: int = DELTA_MIN_ROWS,
) -> MartGate:
    """Validate one mart of the build (`con`'s default catalog). Below `delta_min_rows` rows:
    the whole suite on the whole mart in one frame (above `chunk_rows`, chunk by chunk, where a
    uniqueness holds per chunk only). Otherwise whole-table expectations over the whole mart and
    row expectations on the rows not in `snapshot` when it vouches for the mart, else on all."""
    from quality.gates import GateResult

    started = time.perf_counter()
    batch = f"marts.{mart}"
    relation = f"marts.{mart}"
    (rows,) = con.execute(f"select count(*) from {relation}").fetchone()
    table_columns = [c for c, _ in _schema(con, _catalog(con), mart)]
    suite = make_suite()
    if rows < delta_min_rows:
        select = _select(suite_columns(suite, table_columns))
        query = f"select {select} from {relation}"
        return MartGate(
            _validate_query(con, query, make_suite, batch, chunk_rows, rows),
            "whole",
            f"{rows} rows, under {delta_min_rows}",
        )
    configs = [e.configuration for e in suite.expectations]
    row_idx = [i for i, c in enumerate(configs) if expectation_scope(c) == "row"]
    outcomes: dict[int, Any] = {}
    for i in range(len(configs)):
        if i not in row_idx:
            outcomes[i] = _table_outcome(con, relation, suite.name, configs[i], rows, table_columns)
    row_mode, reason, vouch = "whole", "", None
    if row_idx:
        subset = _subsuite(suite.name, configs, row_idx)
        row_columns = suite_columns(subset(), table_columns)
        select = _select(row_columns)
        fingerprint = suite_fingerprint(suite)
        reason = _why_not_delta(con, snapshot, mart, fingerprint, row_columns)
        known: int | None = rows
        if reason:
            query = f"select {select} from {relation}"
        else:
            known = None
            row_mode = "delta"
            other = f"{snapshot.alias}.marts.{mart}"  # type: ignore[union-attr]
            same = " and ".join(f'b."{c}" is not distinct from s."{c}"' for c in row_columns)
            query = (
                f"select {_select(row_columns, 'b')} from {relation} b"
                f" anti join {other} s on {same}"
            )
        part = _validate_query(con, query, subset, batch, chunk_rows, known)
        validated = [e.configuration for e in subset().expectations]
        for i, o in zip(row_idx, _in_suite_order(validated, part.outcomes), strict=True):
            outcomes[i] = replace(o, scope=row_mode, scope_rows=part.rows)
    ordered = [outcomes[i] for i in range(len(configs))]
    success = not any(o.failed_error for o in ordered)
    if success and row_idx:
        vouch = (fingerprint, rows, _content_fingerprint(con, relation, row_columns))
    seconds = round(time.perf_counter() - started, 3)
    result = GateResult(suite.name, batch, success, rows, ordered, seconds=seconds)
    return MartGate(result, row_mode, reason, vouch)


def _in_suite_order(configs: list[Any], outcomes: list[Any]) -> list[Any]:
    """GX reports a suite's results grouped by domain, not in the suite's order: the outcome of
    each of `configs`, in their order (matched on type and arguments)."""
    from quality.gates import json_safe_kwargs

    def key(kind: str, kwargs: dict[str, Any]) -> str:
        return json.dumps([kind, kwargs], sort_keys=True, default=str)

    left = [(key(o.expectation, o.kwargs), o) for o in outcomes]
    ordered = []
    for config in configs:
        wanted = key(config.type, json_safe_kwargs(config.kwargs))
        at = next((n for n, (k, _) in enumerate(left) if k == wanted), None)
        if at is None:
            raise RuntimeError(f"no GX result for {config.type} {config.kwargs}")
        ordered.append(left.pop(at)[1])
    return ordered


def _why_not_delta(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot | None,
    mart: str,
    fingerprint: str,
    row_columns: list[str],
) -> str:
    """Empty when the snapshot vouches for the mart's rows: it was gated by the same suite, has
    the same columns and types, and holds the rows that gate passed; else why not."""
    if snapshot is None:
        return "no published snapshot"
    if mart not in snapshot.vouched:
        return "no validated version in the snapshot"
    suite_fp, _rows, content_fp = snapshot.vouched[mart]
    if suite_fp != fingerprint:
        return "the suite changed since the snapshot was gated"
    if _schema(con, snapshot.alias, mart) != _schema(con, _catalog(con), mart):
        return "the mart's columns changed"
    other = f"{snapshot.alias}.marts.{mart}"
    if _content_fingerprint(con, other, row_columns) != content_fp:
        return "the snapshot's rows are not the ones its gate passed"
    return ""


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    (name,) = con.execute("select current_database()").fetchone()
    return name


def _schema(con: duckdb.DuckDBPyConnection, catalog: str, mart: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = ?"
        " and table_schema = 'marts' and table_name = ? order by ordinal_position",
        [catalog, mart],
    ).fetchall()


def _content_fingerprint(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> str:
    """Order-free fingerprint of a relation's rows projected on `columns`."""
    (rows, total) = con.execute(
        f"select count(*), coalesce(sum(hash({_select(columns)})::hugeint), 0)::varchar"
        f" from {relation}"
    ).fetchone()
    return f"{rows}:{total}"


def _select(columns: list[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{c}"' for c in columns)


def _subsuite(name: str, configs: list[Any], indexes: list[int]) -> Any:
    """A builder of the suite made of `configs[i]` for i in `indexes`, in that order."""
    from quality.suites.common import suite

    return lambda: suite(name, *(configs[i].to_domain_obj() for i in indexes))


def _validate_query(
    con: duckdb.DuckDBPyConnection,
    query: str,
    make_suite: Any,
    batch: str,
    chunk_rows: int,
    rows: int | None = None,
) -> Any:
    """Validate a query's rows (`rows` of them, when known) against a suite: in one frame, or
    chunk by chunk of `chunk_rows` rows when more or unknown (one merged GateResult)."""
    from quality.gates import validate

    if rows is not None and rows <= chunk_rows:
        return validate(con.execute(query).df(), make_suite(), batch=batch)
    cur = con.execute(query)
    parts: list[Any] = []
    while True:
        frame = cur.fetch_df_chunk(max(chunk_rows // 2048, 1))
        if frame.empty and parts:
            break
        parts.append(validate(frame, make_suite(), batch=f"{batch}[chunk {len(parts) + 1}]"))
        if frame.empty:
            break
    if len(parts) == 1:
        return replace(parts[0], batch=batch)
    return _merge_chunks(parts, batch)


def _table_outcome(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    name: str,
    config: Any,
    rows: int,
    table_columns: list[str],
) -> Any:
    """A whole-table expectation's outcome over the whole relation (`rows` rows)."""
    import pandas as pd

    from quality.gates import json_safe_kwargs, validate
    from quality.suites.common import suite

    kwargs = config.kwargs
    expectation = config.to_domain_obj()
    simple = not kwargs.get("row_condition") and (kwargs.get("mostly") or 1) >= 1
    if config.type in TABLE_IN_DUCKDB and simple:
        if config.type.startswith("expect_table_row_count"):
            # GX validates the count as a one-row frame, under the same bounds and severity.
            frame = pd.DataFrame({"row_count": [rows]})
            proxy = _row_count_proxy(config)
            (o,) = validate(frame, suite(name, proxy), batch=relation).outcomes
            return replace(
                o,
                expectation=config.type,
                column=None,
                observed=rows,
                unexpected_count=None,
                sample=[],
                kwargs=json_safe_kwargs(config.kwargs),
                scope="table",
                scope_rows=rows,
            )
        frame = _repeated_rows(con, relation, config)
        (o,) = validate(frame, suite(name, expectation), batch=relation).outcomes
        return replace(o, scope="table", scope_rows=rows)
    # Anything else: GX over the whole mart's columns it reads, in one frame.
    columns = suite_columns(suite(name, config.to_domain_obj()), table_columns)
    frame = con.execute(f"select {_select(columns)} from {relation}").df()
    (o,) = validate(frame, suite(name, expectation), batch=relation).outcomes
    return replace(o, scope="whole", scope_rows=rows)


def _row_count_proxy(config: Any) -> Any:
    import great_expectations.expectations as gxe

    kwargs, meta = config.kwargs, config.meta
    if config.type == "expect_table_row_count_to_equal":
        return gxe.ExpectColumnValuesToBeInSet(
            column="row_count", value_set=[kwargs["value"]], meta=meta
        )
    return gxe.ExpectColumnValuesToBeBetween(
        column="row_count",
        min_value=kwargs.get("min_value"),
        max_value=kwargs.get("max_value"),
        strict_min=kwargs.get("strict_min", False),
        strict_max=kwargs.get("strict_max", False),
        meta=meta,
    )


def _repeated_rows(con: duckdb.DuckDBPyConnection, relation: str, config: Any) -> pd.DataFrame:
    """The rows a uniqueness expectation can fail on: those whose (non-null) value or tuple
    appears more than once in the whole relation. GX on them gives the whole table's result."""
    kwargs = config.kwargs
    if config.type == "expect_column_values_to_be_unique":
        columns, ignore = [kwargs["column"]], "any_value_is_missing"  # GX's map leaves nulls out
    else:
        columns = list(kwargs["column_list"])
        ignore = kwargs.get("ignore_row_if") or "all_values_are_missing"

    def keep(alias: str) -> str:
        nulls = [f"{c} is null" for c in _select(columns, alias).split(", ")]
        return {
            "all_values_are_missing": f"not ({' and '.join(nulls)})",
            "any_value_is_missing": f"not ({' or '.join(nulls)})",
            "never": "true",
        }[ignore]

    select = _select(columns)
    repeated = (
        f"select {select} from {relation} t where {keep('t')} group by all having count(*) > 1"
    )
    (groups,) = con.execute(f"select count(*) from ({repeated})").fetchone()
    if not groups:
        return con.execute(f"select {select} from {relation} limit 0").df()
    same = " and ".join(f'r."{c}" is not distinct from d."{c}"' for c in columns)
    return con.execute(
        f"select {_select(columns, 'r')} from {relation} r semi join ({repeated}) d on {same}"
        f" where {keep('r')}"
    ).df()


def _merge_chunks(parts: list[Any], batch: str) -> Any:
    """One GateResult from the results of the same suite over consecutive chunks of a mart."""
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
    import pandas as pd

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
    import pandas as pd

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
    return (date.fromisoformat(newer) - date.fromisoformat(older)).days


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


def gate_warehouse(
    settings: Settings,
    run_id: str,
    *,
    chunk_rows: int = CHUNK_ROWS,
    delta_min_rows: int = DELTA_MIN_ROWS,
) -> list[Any]:
    """Validate every mart (against the last published snapshot, see `gate_mart`) and the
    warehouse aggregates; record and render every result; raise GateFailed (naming each
    failure) when an `error` expectation failed."""
    from quality.gates import GateFailed, validate
    from quality.suites.marts import SUITES as MART_SUITES
    from quality.suites.warehouse import SUITES as WAREHOUSE_SUITES

    results, problems = [], []
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        with attached_snapshot(con, settings) as snapshot:
            marts = [
                gate_mart(
                    con, mart, make_suite, chunk_rows, snapshot=snapshot,
                    delta_min_rows=delta_min_rows,
                )
                for mart, make_suite in MART_SUITES.items()
            ]  # fmt: skip
        for m in marts:
            delta = [o.scope_rows for o in m.result.outcomes if o.scope == "delta"]
            log.info(
                "%s: %d rows, row expectations on %s%s (%.1f s)", m.result.batch, m.result.rows,
                f"{delta[0]} changed rows" if delta else "all rows",
                f" ({m.reason})" if m.reason else "", m.result.seconds,
            )  # fmt: skip
        results += [m.result for m in marts]
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
    passed = all(r.success for r in results)
    with duckdb.connect(str(settings.build_path)) as con:
        sync_to_warehouse(settings, con)
        record_vouched(con, marts, run_id)
        if passed:  # every mart's suite and the warehouse checks: publish may serve them
            clear_ungated(con, None)
    render_data_docs(settings)
    if not passed:
        raise GateFailed(results, detail="\n".join(problems[:50]))
    return results


def record_vouched(con: duckdb.DuckDBPyConnection, marts: list[MartGate], run_id: str) -> None:
    """Replace the build's `dq.gated_marts` with what this gate passed: published with the
    build, it lets the next gate validate only the rows that changed since."""
    con.execute(f"create schema if not exists {DQ_SCHEMA}")
    con.execute(VOUCHED_DDL)
    rows = [
        (m.result.batch.removeprefix("marts."), *m.vouch, run_id, datetime.now(UTC))
        for m in marts
        if m.vouch is not None
    ]
    con.execute("begin")
    con.execute(f"delete from {VOUCHED}")
    if rows:
        con.executemany(f"insert into {VOUCHED} values (?, ?, ?, ?, ?, ?)", rows)
    con.execute("commit")


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
    import pandas as pd

    return "" if value is None or pd.isna(value) else str(int(value))


SCOPE_WORDS = {
    "whole": "whole",
    "delta": "rows changed since the last snapshot",
    "table": "whole table, in DuckDB",
}


def _scopes(group: pd.DataFrame) -> str:
    """What a validation covered, e.g. "rows changed since the last snapshot: 12,345 rows (9
    expectations); whole table, in DuckDB: 6,590,125 rows (3)"."""
    parts = []
    for scope, part in group.groupby("scope", sort=False):
        rows = int(part["rows_validated"].max())
        words = SCOPE_WORDS.get(str(scope), str(scope))
        parts.append(f"{html.escape(words)}: {rows:,} rows ({len(part)} expectations)")
    return "; ".join(parts)


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
            "<th>validated</th><th>expectations</th><th>status</th></tr>"
        )
        for (stage, suite_name, batch), group in run.groupby(
            ["stage", "suite", "batch"], sort=True
        ):
            failed = group[~group["success"]]
            worst = "error" if (failed["severity"] == "error").any() else "warn"
            rows = "".join(
                f"<tr><td>{e(str(r.expectation))}</td><td>{e(str(r.column_name or ''))}</td>"
                f"<td>{e(str(r.scope))}</td><td>{_count(r.rows_validated)}</td>"
                f"<td>{e(r.severity)}</td><td>{_status(r.success, r.severity)}</td>"
                f"<td>{_count(r.unexpected_count)}</td>"
                f"<td><code>{e(str(r.observed_value or '')[:200])}</code></td>"
                f"<td><code>{e(str(r.kwargs)[:300])}</code></td></tr>"
                for r in group.itertuples()
            )
            parts.append(
                f"<tr><td>{e(stage)}</td><td>{e(suite_name)}</td><td>{e(batch)}<details>"
                "<summary>expectations</summary><table><tr><th>expectation</th><th>column</th>"
                "<th>scope</th><th>rows</th>"
                "<th>severity</th><th>result</th><th>unexpected</th><th>observed</th>"
                f"<th>arguments</th></tr>{rows}</table></details></td>"
                f"<td>{int(group['rows_validated'].max())}</td><td>{_scopes(group)}</td>"
                f"<td>{len(group)}</td>"
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
