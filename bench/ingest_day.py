"""Ingest one delivery day of every feed family through crossdock.steps, timing the GX gates.

    CROSSDOCK_HOME=... python -m bench.ingest_day 2025-03-02

The same work as `crossdock ingest --start D --end D` (crossdock.steps.ingest_day: the three
families side by side, each parse, validate, quarantine, land, ledger), run under bench.measure
for wall time and peak RSS. The time spent in the landing gates (crossdock.ingest's `_gate`: the
batch sent to the gate worker process, to pandas and its GX suite there, the result back) is
summed by wrapping that function; the step reports give the rows. The gates run while the next
feed is parsed, and the worker imports GX meanwhile: `gate_s` is the time the families' gate
threads waited on the worker, summed over the threads (the first gates' waits include the rest
of that import), `reported_gate_s` the validations' own seconds in the worker. Both overlap
parsing, so neither is a share of `ingest_s` to subtract.
Prints one JSON line.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import crossdock.ingest as ingest_module
from crossdock import steps
from crossdock.config import FAMILIES, Settings


def _timed(fn: Callable[..., Any], total: list[float]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            total[0] += time.perf_counter() - t0

    return wrapper


def main() -> int:
    day = sys.argv[1]
    settings = Settings.from_env()
    gate_s = [0.0]
    # The gate entry point of crossdock.ingest: `_gate` (to pandas + GX), else GX's `validate`.
    hook = "_gate" if hasattr(ingest_module, "_gate") else "validate"
    setattr(ingest_module, hook, _timed(getattr(ingest_module, hook), gate_s))
    t0 = time.perf_counter()
    reports = steps.ingest_day(day, settings, FAMILIES)  # as `crossdock ingest` does
    wall = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "day": day,
                "ingest_s": round(wall, 2),
                "gate_s": round(gate_s[0], 2),
                "gate_hook": f"crossdock.ingest.{hook}",
                # The gates' own seconds as the step reports record them (crossdock.dq).
                "reported_gate_s": round(sum(r.get("gate_seconds") or 0.0 for r in reports), 2),
                "files_landed": sum(r["files_landed"] for r in reports),
                "files_skipped": sum(r["files_skipped"] for r in reports),
                "rows_landed": sum(r["rows_landed"] for r in reports),
                "rows_quarantined": sum(r["rows_quarantined"] for r in reports),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
