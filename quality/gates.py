"""Run a GX suite on a batch held in memory and reduce the result to what a pipeline needs.

GX 1.x cannot validate DuckDB through SQLAlchemy (duckdb_engine makes every expectation fail with an
IndexError, GX issue #11579), so every gate validates a pandas frame: a landed batch before it is
written to the lake, or a mart read from the build warehouse over Arrow.

Severity: an expectation's meta `severity` is "error" (the default: a failure fails the gate, so
its task fails and nothing is published) or "warn" (the failure is recorded and the run goes on).
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine

from quality.results import ERROR, SEVERITIES, WARN, GateFailed, GateResult, Outcome

__all__ = ["ERROR", "SEVERITIES", "WARN", "GateFailed", "GateResult", "Outcome"]


def severity_of(config: Any) -> str:
    severity = (config.meta or {}).get("severity", ERROR)
    if severity not in SEVERITIES:
        raise ValueError(f"{config.type}: severity {severity!r} is not one of {SEVERITIES}")
    return severity


@cache
def context() -> Any:
    """The process's ephemeral GX context: suites and batches live in memory only."""
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    # GX fingerprints every in-memory batch below this size (pandas' hash of every cell, twice
    # per validation: a third of a landing gate's time) only to store it in batch metadata,
    # which the gates never read. 0 turns the fingerprint off.
    pandas_execution_engine.HASH_THRESHOLD = 0
    return ctx


@cache
def _batch_definition() -> Any:
    asset = context().data_sources.add_pandas("crossdock").add_dataframe_asset("batch")
    return asset.add_batch_definition_whole_dataframe("whole")


def _json_safe(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def validate(
    frame: pd.DataFrame,
    suite: gx.ExpectationSuite,
    batch: str,
    line_column: str | None = None,
    row_positions: bool = False,
) -> GateResult:
    """Validate `frame` against `suite`.

    `line_column` maps unexpected rows back to file lines; `row_positions` asks GX for the
    position of every unexpected row (result format COMPLETE), for quarantining them.
    """
    started = time.perf_counter()
    batch_ = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch_.validate(suite, result_format="COMPLETE" if row_positions else "SUMMARY")
    outcomes = []
    for r in result.results:
        config = r.expectation_config
        details = r.result or {}
        rows: list[int] = []
        if not r.success:
            index = (
                details.get("unexpected_index_list")
                or details.get("partial_unexpected_index_list")
                or []
            )
            rows = [i for i in index if isinstance(i, int)]
        severity = severity_of(config)
        lines: list[int] = []
        if line_column and rows:
            lines = [int(frame[line_column].iloc[i]) for i in rows[:20]]
        outcomes.append(
            Outcome(
                expectation=config.type,
                column=config.kwargs.get("column"),
                success=bool(r.success),
                unexpected_count=details.get("unexpected_count"),
                observed=_json_safe(details.get("observed_value")),
                sample=_json_safe(details.get("partial_unexpected_list") or []),
                lines=lines,
                rows=rows if row_positions else [],
                blocking=severity == ERROR
                and ((config.meta or {}).get("on_failure", "quarantine") == "block" or not rows),
                severity=severity,
                kwargs=json_safe_kwargs(config.kwargs),
            )
        )
    # A failed `warn` expectation is recorded but does not fail the gate.
    success = not any(o.failed_error for o in outcomes)
    seconds = round(time.perf_counter() - started, 3)
    return GateResult(suite.name, batch, success, len(frame), outcomes, seconds=seconds)


def json_safe_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: _json_safe(v) for k, v in kwargs.items() if k != "batch_id"}
