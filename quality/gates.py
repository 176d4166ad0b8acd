"""Run a GX suite on a batch held in memory and reduce the result to what a pipeline needs.

GX 1.x cannot validate DuckDB through SQLAlchemy (duckdb_engine makes every expectation fail with an
IndexError, GX issue #11579), so every gate validates a pandas frame: a landed batch before it is
written to the lake, or a mart read from the build warehouse over Arrow.

Severity: an expectation's meta `severity` is "error" (the default: a failure fails the gate, so
its task fails and nothing is published) or "warn" (the failure is recorded and the run goes on).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine

ERROR, WARN = "error", "warn"
SEVERITIES = (ERROR, WARN)


@dataclass(frozen=True)
class Outcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    observed: Any
    sample: list[Any] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # source lines of the sample, when known
    # Positions of every unexpected row (row-level expectations only); not kept in reports.
    rows: list[int] = field(default_factory=list, repr=False, compare=False)
    blocking: bool = True  # False: its unexpected rows may be quarantined instead
    severity: str = ERROR  # "warn": a failure is recorded, never blocks or quarantines
    kwargs: dict[str, Any] = field(default_factory=dict, repr=False)
    # What the outcome covers (mart gates, crossdock.dq): "whole" (the batch), "delta" (the rows
    # not in the last validated snapshot) or "table" (a whole-table check computed in DuckDB);
    # scope_rows: the rows it covered (None: the batch's rows).
    scope: str = "whole"
    scope_rows: int | None = None

    @property
    def quarantinable(self) -> bool:
        return not self.success and self.severity == ERROR and not self.blocking and bool(self.rows)

    @property
    def failed_error(self) -> bool:
        return not self.success and self.severity == ERROR

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        detail = f"{self.unexpected_count} unexpected" if self.unexpected_count else ""
        if self.sample:
            detail += f", e.g. {self.sample[:5]}"
        if self.lines:
            detail += f" at line(s) {self.lines[:5]}"
        if self.observed is not None and not self.sample:
            detail += f" observed {self.observed}"
        return f"{self.expectation}{where}: {detail.strip(', ')}"


@dataclass(frozen=True)
class GateResult:
    suite: str
    batch: str
    success: bool
    rows: int
    outcomes: list[Outcome]
    key: str = ""  # what identifies the validated content (landing: its files' sha256s)
    seconds: float = 0.0

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.failures if o.severity == WARN]

    def describe(self) -> str:
        if not self.failures:
            return f"{self.suite} on {self.batch}: {len(self.outcomes)} expectations passed"
        lines = [f"{self.suite} on {self.batch}: {len(self.failures)} expectation(s) failed"]
        lines += [f"  - [{o.severity}] {o.describe()}" for o in self.failures]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for o in out["outcomes"]:
            o.pop("rows")
            o.pop("kwargs")
        return out


class GateFailed(Exception):
    def __init__(self, gates: list[GateResult], detail: str = "") -> None:
        self.gates = gates
        message = "\n".join(g.describe() for g in gates if not g.success)
        super().__init__(message + (f"\n{detail}" if detail else ""))


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
