"""docker-compose.yml cannot be started here (no Docker engine), so check what can be checked."""

from __future__ import annotations

import importlib.util
import py_compile
import re
import tomllib
from pathlib import Path

import airflow
import duckdb
import pytest
import yaml

from crossdock.config import DBT_PROJECT_DIR, REPO_ROOT, WRITER_POOL

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
SUPERSET_SERVICES = {"superset-init", "superset"}


def test_services_and_dependencies():
    services = COMPOSE["services"]
    assert set(services) == AIRFLOW_SERVICES | SUPERSET_SERVICES | {"postgres"}
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


# ---------------------------------------------------------------------------------------------
# Superset (profile "bi") on the published snapshot

SUPERSET_DIR = REPO_ROOT / "bi" / "superset"


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "generate_datasets", SUPERSET_DIR / "generate_datasets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_superset_reads_only_the_serving_folder_read_only():
    services = COMPOSE["services"]
    for name in SUPERSET_SERVICES:
        svc = services[name]
        assert svc["profiles"] == ["bi"], name  # `docker compose up -d` alone stays Airflow only
        assert svc["build"]["dockerfile"] == "bi/superset/Dockerfile"
        data_mounts = [v for v in svc["volumes"] if v.startswith(("./data", "."))]
        assert "./data/serving:/srv/crossdock/serving:ro" in data_mounts, name
        # Nothing else of the home (the build file, the lake) and not the working tree.
        assert not [v for v in data_mounts if v.startswith("./data") and not v.endswith(":ro")]
        assert ".:/opt/crossdock" not in svc["volumes"]
        assert "./bi/superset:/app/bi/superset:ro" in svc["volumes"]
        config = svc["environment"]["SUPERSET_CONFIG_PATH"]
        assert (SUPERSET_DIR / Path(config).name).is_file()
    assert services["superset"]["depends_on"] == {
        "superset-init": {"condition": "service_completed_successfully"}
    }
    assert services["superset-init"]["command"] == ["bash", "/app/bi/superset/init.sh"]
    init = (SUPERSET_DIR / "init.sh").read_text()
    assert "register_datasets.py /app/bi/superset/datasets.yaml" in init
    assert "superset db upgrade" in init


def test_superset_image_is_pinned_and_reads_the_snapshot_format():
    dockerfile = (SUPERSET_DIR / "Dockerfile").read_text()
    (tag,) = re.findall(r"^FROM apache/superset:(\S+)$", dockerfile, re.M)
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), tag  # a release, never latest
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    (duckdb_pin,) = [d for d in pyproject["project"]["dependencies"] if d.startswith("duckdb==")]
    assert duckdb_pin in dockerfile  # the version that writes the snapshot reads it
    assert re.search(r"duckdb-engine==\d", dockerfile)
    py_compile.compile(str(SUPERSET_DIR / "register_datasets.py"), doraise=True)
    py_compile.compile(str(SUPERSET_DIR / "superset_config.py"), doraise=True)


def test_superset_datasets_are_every_published_mart(tmp_path: Path):
    generator = _load_generator()
    committed = (SUPERSET_DIR / "datasets.yaml").read_text()
    assert committed == generator.render(), "run bi/superset/generate_datasets.py"
    spec = yaml.safe_load(committed)
    exposures = yaml.safe_load((DBT_PROJECT_DIR / "models" / "exposures.yml").read_text())
    (serving,) = [e for e in exposures["exposures"] if e["name"] == "serving_snapshot"]
    published = {ref.removeprefix("ref('").removesuffix("')") for ref in serving["depends_on"]}
    assert {d["table"] for d in spec["datasets"]} == published
    assert all(d["schema"] == "marts" and d["columns"] for d in spec["datasets"])

    uri = spec["database"]["sqlalchemy_uri"]
    match = re.fullmatch(r"duckdb:///(/srv/crossdock/serving/crossdock\.duckdb)\?(.+)", uri)
    assert match, uri
    params = dict(p.split("=") for p in match.group(2).split("&"))
    assert params == {"access_mode": "read_only"}
    # duckdb-engine hands the query parameters to duckdb.connect(config=...): on a real file
    # they open it read-only, and a write fails.
    db = tmp_path / "snapshot.duckdb"
    duckdb.connect(str(db)).execute("create table t as select 1 as x").close()
    with duckdb.connect(str(db), config=params) as con:
        assert con.execute("select x from t").fetchone() == (1,)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("insert into t values (2)")
