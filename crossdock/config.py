"""Where crossdock keeps things. Everything lives under one home folder (`CROSSDOCK_HOME`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DAGS_DIR = REPO_ROOT / "dags"
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

# Feed families and the Airflow pool that serialises every writer of the DuckDB build file.
FAMILIES = ("marketplace", "carrier", "customs")
WRITER_POOL = "crossdock_duckdb_writer"


@dataclass(frozen=True)
class Settings:
    home: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(home=Path(os.environ.get("CROSSDOCK_HOME", "data")).resolve())

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def lake(self) -> Path:
        return self.home / "lake"

    @property
    def ledger_path(self) -> Path:
        return self.home / "ledger.sqlite"

    @property
    def build_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def build_path(self) -> Path:
        """The DuckDB file dbt writes. Only the pipeline opens it."""
        return self.build_dir / "build.duckdb"

    @property
    def serving_path(self) -> Path:
        """The published, read-only snapshot analysts and BI tools open."""
        return self.home / "serving" / "crossdock.duckdb"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def dbt_log_dir(self) -> Path:
        return self.home / "dbt" / "logs"

    @property
    def runs_dir(self) -> Path:
        """Run reports (gate results, summaries) as JSON."""
        return self.home / "runs"

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt invocation: warehouse path, lake root, no telemetry."""
        return {
            "CROSSDOCK_WAREHOUSE_PATH": str(self.build_path),
            "CROSSDOCK_LAKE": str(self.lake),
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            "DBT_TARGET_PATH": str(self.dbt_target_dir),
            "DBT_LOG_PATH": str(self.dbt_log_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DO_NOT_TRACK": "1",
        }
