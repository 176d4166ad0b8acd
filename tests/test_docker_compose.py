"""docker-compose.yml cannot be started here (no Docker engine), so check what can be checked."""

from __future__ import annotations

import re
from pathlib import Path

import airflow
import yaml

from crossdock.config import REPO_ROOT, WRITER_POOL

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}


def test_services_and_dependencies():
    services = COMPOSE["services"]
    assert set(services) == AIRFLOW_SERVICES | {"postgres"}
    for name in AIRFLOW_SERVICES:
        svc = services[name]
        assert "postgres" in svc["depends_on"], name
        assert ".:/opt/crossdock" in svc["volumes"], name
        env = svc["environment"]
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/crossdock/dags"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["CROSSDOCK_HOME"] == "/opt/crossdock/data"
    for name, svc in services.items():
        for dep in svc.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown {dep}"


def test_every_airflow_setting_is_a_real_option():
    """Each AIRFLOW__SECTION__OPTION names an option of the installed Airflow's config template."""
    template = yaml.safe_load(
        (Path(airflow.__file__).parent / "config_templates" / "config.yml").read_text()
    )
    env = COMPOSE["services"]["airflow-scheduler"]["environment"]
    settings = [k for k in env if k.startswith("AIRFLOW__")]
    assert len(settings) >= 5
    for key in settings:
        section, option = re.fullmatch(r"AIRFLOW__([A-Z_]+?)__([A-Z_]+)", key).groups()
        assert option.lower() in template[section.lower()]["options"], key


def test_init_creates_the_writer_pool_with_one_slot():
    command = " ".join(COMPOSE["services"]["airflow-init"]["command"])
    assert f"airflow pools set {WRITER_POOL} 1" in command
    assert "airflow db migrate" in command
