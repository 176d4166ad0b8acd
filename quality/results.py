"""What a gate found: plain dataclasses with no Great Expectations import, so the process that
ingests (and unpickles a gate worker's result, crossdock.ingest) never pays GX's import."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

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
