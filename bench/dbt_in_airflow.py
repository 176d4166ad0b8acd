"""How should dbt run inside Airflow? One `dbt build` task against one invocation per model.

astronomer-cosmos's default (local execution mode) renders one Airflow task per dbt model, and each
task runs its own dbt invocation: start-up, project parse and adapter connection, once per model.
This measures exactly that cost on crossdock's project, against a warehouse home that already has a
landed lake (run `crossdock run` first, or pass --home):

    python -m bench.dbt_in_airflow --home data

It does not add Airflow's own per-task overhead (worker process, task runner), which only widens
the gap.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from crossdock.config import Settings
from crossdock.warehouse import BUILD_VARS, build, run_dbt


def _timed(settings: Settings, *args: str) -> float:
    t0 = time.perf_counter()
    proc = run_dbt(settings, *args, *BUILD_VARS)  # the pipeline's vars: dbt parses partially
    if proc.returncode != 0:
        raise SystemExit(f"dbt {' '.join(args)} failed:\n{proc.stdout[-2000:]}")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=Path("data"))
    args = parser.parse_args()
    settings = Settings(home=args.home.resolve())

    # Untimed: what crossdock's build does around dbt (lake placeholders, reference tables, the
    # forecast tables), and a first build so that both timings below start warm.
    build(settings)
    one_build = _timed(settings, "build")
    manifest = json.loads((settings.dbt_target_dir / "manifest.json").read_text())
    models = [
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"]["materialized"] != "ephemeral"
    ]
    # In dependency order, as the per-model tasks would run: dbt's own selector order.
    per_model = 0.0
    for name in sorted(models, key=lambda m: (m.split("_")[0] != "stg", m.startswith("fct"), m)):
        per_model += _timed(settings, "build", "--select", name)
    result = {
        "models": len(models),
        "one_build_task_s": round(one_build, 1),
        "one_task_per_model_s": round(per_model, 1),
        "per_model_overhead_s": round((per_model - one_build) / len(models), 2),
        "ratio_per_model_vs_one_build": round(per_model / one_build, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
