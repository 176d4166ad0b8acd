"""Shared fixtures. Airflow is pointed at a throwaway home before anything imports it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from crossdock.config import DAGS_DIR, REPO_ROOT

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="crossdock-test-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        "GX_ANALYTICS_ENABLED": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
)

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data sets beside the repo. Missing data fails the test loudly, never skips it."""
    if not (SHARED_DATA / "README.md").exists():
        pytest.fail(
            f"../shared/data is missing (looked in {SHARED_DATA}); tests marked shared_data need "
            "the real public data sets beside the repository",
            pytrace=False,
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory):
    """The dbt project built once by the pipeline's own build over the hand-made fixture lake of
    tests/test_dbt_project.py; modules that only read it share it (open it read-only)."""
    from crossdock.config import Settings
    from crossdock.warehouse import build
    from tests.test_dbt_project import write_fixture_lake

    settings = Settings(home=tmp_path_factory.mktemp("fixture-build"))
    write_fixture_lake(settings.lake)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def published_run(tmp_path_factory: pytest.TempPathFactory):
    """A small simulated run, built and published (tests/analytics_run.py): the serving snapshot
    the sql, export, notebook and dashboard tests read. Open it read-only."""
    from crossdock.config import Settings
    from tests.analytics_run import publish_small_run

    settings = Settings(home=tmp_path_factory.mktemp("published-run"))
    publish_small_run(settings)
    return settings
