"""The dbt project's tooling: sqlfluff, project-structure checks, source freshness, dbt docs.

- sqlfluff lints every model with dbt_project/.sqlfluff and finds nothing.
- The checks of dbt-project-evaluator that matter here run over dbt's manifest.json (the package
  itself is on the dbt hub, which `dbt deps` cannot reach): naming and folders, primary-key
  tests, documentation, staging reads only sources, no source fan-out, layers read only
  earlier layers, marts are contracted, exposures read marts.
- `dbt source freshness` runs against the fixture lake and reports every lake source.
- `dbt docs generate` on a fixture build catalogues every mart with its columns.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

from crossdock.config import DBT_PROJECT_DIR, Settings
from crossdock.warehouse import MARTS_SCHEMA, generate_docs, lake_sources, run_dbt

# ---------------------------------------------------------------------------------------------
# sqlfluff


def _lint(paths: tuple[str, ...]) -> list[dict]:
    config = FluffConfig.from_path(str(DBT_PROJECT_DIR))
    return Linter(config=config).lint_paths(paths, processes=1).as_records()


def test_every_model_is_lint_clean_with_the_house_sqlfluff_config():
    started = time.monotonic()
    records = _lint((str(DBT_PROJECT_DIR),))
    seconds = time.monotonic() - started

    linted = {Path(r["filepath"]).resolve() for r in records}
    models = {p.resolve() for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")}
    assert models <= linted, f"not linted: {sorted(str(p) for p in models - linted)}"

    findings = [
        f"{Path(r['filepath']).relative_to(DBT_PROJECT_DIR.parent)}:{v['start_line_no']}:"
        f"{v['code']} {v['description']}"
        for r in records
        for v in r["violations"]
        if not v.get("warning")
    ]
    assert findings == [], f"{len(findings)} sqlfluff findings ({seconds:.1f} s):\n" + "\n".join(
        findings
    )


BAD_MODEL = """\
WITH Orders AS (SELECT * FROM {{ ref('stg_marketplace__order_lines') }})
SELECT
    O.Order_ID
    , COUNT(*) n
    , {{ dbt.cast('max(o.quantity)', dbt.type_int()) }} as most
FROM Orders O
GROUP BY 1
"""


def test_the_lint_config_catches_house_style_breaches():
    """Uppercase, leading commas, implicit aliases: found, so the clean result above means
    something. The probe also renders dbt's macros and `ref` through the templater."""
    config = FluffConfig.from_path(str(DBT_PROJECT_DIR))
    probe = DBT_PROJECT_DIR / "models" / "probe.sql"  # never written: linted from the string
    violations = Linter(config=config).lint_string(BAD_MODEL, fname=str(probe)).violations
    codes = {v.rule_code() for v in violations}
    assert {"CP01", "CP02", "CP03", "LT04", "AL01", "AL02"} <= codes, codes
    assert not codes & {"TMP", "PRS"}, [v.desc() for v in violations]


# ---------------------------------------------------------------------------------------------
# dbt-project-evaluator's checks over the manifest of a fixture build


@pytest.fixture(scope="module")
def manifest(fixture_build: Settings) -> dict:
    return json.loads((fixture_build.dbt_target_dir / "manifest.json").read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "crossdock"
    }


def _layer(node: dict) -> str:
    return Path(node["original_file_path"]).parts[1]  # models/<layer>/...


def _parents(manifest: dict, uid: str) -> list[str]:
    return manifest["parent_map"].get(uid, [])


NAMING = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_")}


def test_models_are_named_for_their_folder(manifest: dict):
    wrong = [
        n["original_file_path"]
        for n in _models(manifest).values()
        if not n["name"].startswith(NAMING[_layer(n)])
    ]
    assert wrong == []
    staging_names = [n["name"] for n in _models(manifest).values() if _layer(n) == "staging"]
    assert all(re.fullmatch(r"stg_[a-z0-9]+__[a-z0-9_]+", name) for name in staging_names)


def test_every_model_has_a_primary_key_test(manifest: dict):
    """unique + not_null on the same column (dbt-project-evaluator's missing_primary_key_tests)."""
    tested: dict[str, dict[str, set[str]]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if node["resource_type"] != "test" or meta.get("name") not in ("unique", "not_null"):
            continue
        column = node.get("column_name") or meta.get("kwargs", {}).get("column_name")
        for model in node["depends_on"]["nodes"]:
            tested.setdefault(model, {}).setdefault(column, set()).add(meta["name"])
    missing = [
        n["name"]
        for uid, n in _models(manifest).items()
        if not any({"unique", "not_null"} <= kinds for kinds in tested.get(uid, {}).values())
    ]
    assert missing == []


def test_every_model_and_column_is_documented(manifest: dict):
    undocumented = [n["name"] for n in _models(manifest).values() if not n["description"].strip()]
    assert undocumented == []
    columns = [
        f"{n['name']}.{c}"
        for n in _models(manifest).values()
        for c, col in n["columns"].items()
        if not col["description"].strip()
    ]
    assert columns == []
    sources = [s["unique_id"] for s in manifest["sources"].values() if not s["description"].strip()]
    assert sources == []


def test_staging_reads_one_source_and_only_sources(manifest: dict):
    """Staging models select from exactly one source, nothing else reads a source directly,
    and each source table feeds exactly one staging model (no source fan-out)."""
    readers: dict[str, list[str]] = {}
    for uid, node in _models(manifest).items():
        parents = _parents(manifest, uid)
        sources = [p for p in parents if p.startswith("source.")]
        if _layer(node) == "staging":
            assert len(sources) == 1 and len(parents) == 1, (node["name"], parents)
        else:
            assert sources == [], (node["name"], sources)
        for source in sources:
            readers.setdefault(source, []).append(node["name"])
    fanned_out = {s: r for s, r in readers.items() if len(r) > 1}
    assert fanned_out == {}


def test_layers_only_read_downstream_in_order(manifest: dict):
    """staging <- intermediate <- marts: nothing reads a later layer, and no staging model
    reads another staging model."""
    models = _models(manifest)
    order = {"staging": 0, "intermediate": 1, "marts": 2}
    upstream_reads = []
    for uid, node in models.items():
        for parent in _parents(manifest, uid):
            if parent not in models:
                continue
            parent_layer = _layer(models[parent])
            if order[parent_layer] > order[_layer(node)]:
                upstream_reads.append(f"{node['name']} <- {models[parent]['name']}")
    assert upstream_reads == []
    # A staging model reading another staging model is a rename of a rename.
    chained = [
        f"{n['name']} <- {models[p]['name']}"
        for uid, n in models.items()
        if _layer(n) == "staging"
        for p in _parents(manifest, uid)
        if p in models and _layer(models[p]) == "staging"
    ]
    assert chained == []


def test_no_hard_coded_relations(manifest: dict):
    """Models reach other relations only through ref() and source()."""
    pattern = re.compile(r"\b(from|join)\s+(?!\{\{)([a-z_]+\.[a-z_]+|'[^']*\.parquet')", re.I)
    hard_coded = [
        f"{n['original_file_path']}: {m.group(0)}"
        for n in _models(manifest).values()
        for m in pattern.finditer(re.sub(r"\{#.*?#\}", "", n["raw_code"], flags=re.S))
    ]
    assert hard_coded == []


def test_marts_are_contracted_tables_and_exposures_read_marts(manifest: dict):
    models = _models(manifest)
    for node in models.values():
        if _layer(node) == "marts":
            assert node["config"]["contract"]["enforced"], node["name"]
            assert node["schema"] == MARTS_SCHEMA, node["name"]
            assert all(c.get("data_type") for c in node["columns"].values()), node["name"]
    exposures = manifest["exposures"]
    assert exposures, "dbt_project/models/exposures.yml declares the marts' readers"
    for exposure in exposures.values():
        parents = exposure["depends_on"]["nodes"]
        assert parents, exposure["name"]
        assert all(_layer(models[p]) == "marts" for p in parents), exposure["name"]
        assert exposure["owner"]["name"] == "crossdock team", exposure["name"]
    marts = {uid for uid, n in models.items() if _layer(n) == "marts"}
    assert set(exposures["exposure.crossdock.serving_snapshot"]["depends_on"]["nodes"]) == marts


# dim_dates is generated (a date spine from calendar_days), so it has no parent by design.
ROOT_MODEL_EXCEPTIONS = {"dim_dates"}
# Build bookkeeping, not a concept: every incremental model reads the build's batch of files
# from it (macros/in_build_batch.sql), so it fans out and is "rejoined" by design.
BOOKKEEPING_MODELS = {"stg_crossdock__build_batch_files"}
# (A, C): an incremental C reads the build batch's rows of A only to find the keys they touch,
# which the models between them (aggregates of A) no longer know; C's data comes through those.
# Not a data dependency: neither a rejoin nor a fan-out.
BATCH_KEY_READS = {
    ("stg_marketplace__order_lines", "dim_sellers"),
    ("stg_marketplace__order_lines", "fct_forecast_accuracy_weekly"),
    ("stg_customs__declarations", "fct_landed_costs"),
    ("stg_customs__clearance_events", "fct_customs_declarations"),
    ("stg_marketplace__order_lines", "fct_demand_daily"),
    ("stg_marketplace__order_lines", "fct_inventory_daily"),
}


def test_no_root_models_fan_out_or_rejoined_upstream_concepts(manifest: dict):
    """dbt-project-evaluator's root models, model fan-out (a model with more than 3 leaf
    children) and rejoining of upstream concepts (A -> B -> C and A -> C where C is B's only
    child), and unused sources."""
    models = _models(manifest)

    def children(uid: str) -> list[str]:
        return [c for c in manifest["child_map"].get(uid, []) if c in models]

    def model_parents(uid: str) -> list[str]:
        return [p for p in _parents(manifest, uid) if p in models or p.startswith("source.")]

    roots = [n["name"] for uid, n in models.items() if not model_parents(uid)]
    assert sorted(set(roots) - ROOT_MODEL_EXCEPTIONS) == []
    fan_outs = {
        n["name"]: leaves
        for uid, n in models.items()
        if n["name"] not in BOOKKEEPING_MODELS
        and len(
            leaves := [
                models[c]["name"]
                for c in children(uid)
                if not children(c) and (n["name"], models[c]["name"]) not in BATCH_KEY_READS
            ]
        )
        > 3
    }
    assert fan_outs == {}
    rejoins = [
        f"{models[a]['name']} -> {models[b]['name']} -> {models[c]['name']}"
        for c in models
        for b in model_parents(c)
        if b in models and children(b) == [c]
        for a in model_parents(b)
        if a in model_parents(c)
        and a.split(".")[-1] not in BOOKKEEPING_MODELS
        and (a.split(".")[-1], models[c]["name"]) not in BATCH_KEY_READS
    ]
    assert rejoins == []
    unused = [uid for uid in manifest["sources"] if not manifest["child_map"].get(uid)]
    assert unused == []


def test_models_sources_and_their_yaml_live_in_the_right_folders(manifest: dict):
    """Staging models sit in staging/<source name>/ beside that source's YAML; every model's
    properties YAML (descriptions, tests) sits in the model's own folder."""
    models = _models(manifest)
    for uid, node in models.items():
        folder = Path(node["original_file_path"]).parent
        patch = node["patch_path"].split("://", 1)[-1]
        assert Path(patch).parent == folder, (node["name"], patch)
        if _layer(node) == "staging":
            (source,) = _parents(manifest, uid)
            source_node = manifest["sources"][source]
            assert folder.name == source_node["source_name"], node["name"]
            assert Path(source_node["original_file_path"]).parent == folder, source


# ---------------------------------------------------------------------------------------------
# A fixture build: source freshness and dbt docs


def test_source_freshness_reports_each_lake_feed_by_its_latest_delivery_day(
    fixture_build: Settings,
):
    proc = run_dbt(fixture_build, "source", "freshness")
    # The fixture's deliveries are in 2024: stale against today's clock, which is an `error`
    # status (exit 1), not a failure to run.
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    results = json.loads((fixture_build.dbt_target_dir / "sources.json").read_text())["results"]
    measured = {r["unique_id"].rsplit(".", 1)[-1]: r for r in results}
    # Every required feed, nothing for the optional ones (declared without freshness).
    assert set(measured) == set(lake_sources(optional=False))
    for entity, result in measured.items():
        days = sorted(
            p.name.removeprefix("delivery_date=") for p in (fixture_build.lake / entity).iterdir()
        )
        assert result["max_loaded_at"].startswith(f"{days[-1]}T00:00:00"), (entity, result)
        assert result["status"] in ("pass", "warn", "error"), result
        assert result["criteria"]["warn_after"] == {"count": 2, "period": "day"}
        assert result["criteria"]["error_after"] == {"count": 4, "period": "day"}


def test_docs_generate_catalogues_every_mart_with_its_columns(fixture_build: Settings):

    index = generate_docs(fixture_build)
    assert index == fixture_build.home / "docs" / "dbt" / "index.html"
    html = index.read_text()
    assert "fct_shipment_journeys" in html  # the static page embeds manifest and catalog

    manifest = json.loads((index.parent / "manifest.json").read_text())
    catalog = json.loads((index.parent / "catalog.json").read_text())["nodes"]
    marts = {uid: node for uid, node in _models(manifest).items() if _layer(node) == "marts"}
    assert marts and set(marts) <= set(catalog), sorted(set(marts) - set(catalog))
    for uid, node in marts.items():
        entry = catalog[uid]
        assert entry["metadata"]["schema"] == MARTS_SCHEMA
        assert entry["metadata"]["type"].lower() in ("base table", "table"), entry["metadata"]
        assert set(entry["columns"]) == set(node["columns"]), node["name"]
    # The project's checks read tables in `marts` only: nothing else is published there.
    published = {
        e["metadata"]["name"] for e in catalog.values() if e["metadata"]["schema"] == MARTS_SCHEMA
    }
    assert published == {n["name"] for n in marts.values()}
