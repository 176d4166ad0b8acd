"""The pipeline's steps, as the DAG tasks and the CLI both call them.

Each step does its work through the library and writes a small JSON report under
`$CROSSDOCK_HOME/runs/<run id>/`, which the run summary reads back.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import Any

from crossdock.config import Settings


def run_id() -> str:
    return os.environ.get("CROSSDOCK_RUN_ID", "adhoc")


def _report(settings: Settings, step: str, payload: dict[str, Any]) -> dict[str, Any]:
    folder = settings.runs_dir / run_id()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{step}.json").write_text(json.dumps(payload, indent=2, default=str))
    return payload


def ingest(family: str, day: str, settings: Settings | None = None) -> dict[str, Any]:
    from crossdock.ingest import IngestFailed, ingest

    settings = settings or Settings.from_env()
    step = f"ingest-{family}-{day}"
    try:
        report = ingest(settings, family, day)
    except IngestFailed as exc:
        _report(settings, step, {"status": "failed", "error": str(exc)})
        raise
    return _report(
        settings,
        step,
        {
            "status": "success",
            "files_landed": len(report.landed),
            "files_skipped": len(report.skipped),
            "rows_landed": report.rows_landed,
            "gates": [
                {
                    "suite": g.suite,
                    "batch": g.batch,
                    "success": g.success,
                    "expectations": len(g.outcomes),
                }
                for g in report.gates
            ],
        },
    )


def build(settings: Settings | None = None) -> dict[str, Any]:
    from crossdock.warehouse import BuildFailed, build

    settings = settings or Settings.from_env()
    try:
        result = build(settings)
    except BuildFailed as exc:
        _report(settings, "build", {"status": "failed", "error": str(exc)})
        raise
    return _report(settings, "build", {"status": "success", **asdict(result)})


def gate_marts(settings: Settings | None = None) -> dict[str, Any]:
    from crossdock.warehouse import gate_marts
    from quality.gates import GateFailed

    settings = settings or Settings.from_env()
    try:
        results = gate_marts(settings)
    except GateFailed as exc:
        _report(settings, "gate_marts", {"status": "failed", "error": str(exc)})
        raise
    return _report(
        settings,
        "gate_marts",
        {
            "status": "success",
            "gates": [
                {
                    "suite": r.suite,
                    "rows": r.rows,
                    "success": r.success,
                    "expectations": len(r.outcomes),
                }
                for r in results
            ],
        },
    )


def publish(settings: Settings | None = None) -> dict[str, Any]:
    from crossdock.publish import publish

    settings = settings or Settings.from_env()
    return _report(settings, "publish", {"status": "success", **asdict(publish(settings))})
