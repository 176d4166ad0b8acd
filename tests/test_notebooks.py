"""The analyst notebooks run top to bottom against a small published run, so they never rot.

Each is stored without outputs, executed with nbclient on this environment's ipykernel with
CROSSDOCK_HOME pointing at the run, and every cell tagged `chart` must draw a figure. The
snapshot must be byte-identical afterwards (the notebooks open it read-only).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from crossdock.config import DBT_PROJECT_DIR, REPO_ROOT, Settings

NOTEBOOKS = REPO_ROOT / "notebooks"
EXPOSED = {
    e["url"]: e
    for e in yaml.safe_load((DBT_PROJECT_DIR / "models" / "exposures.yml").read_text())["exposures"]
    if e["type"] == "notebook"
}


def test_the_notebooks_are_the_exposed_ones_and_stored_without_outputs():
    stored = {f"notebooks/{p.name}" for p in NOTEBOOKS.glob("*.ipynb")}
    assert stored == set(EXPOSED)
    for url in stored:
        nb = nbformat.read(REPO_ROOT / url, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, url


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("url", sorted(EXPOSED))
def test_notebook_runs_and_draws_its_charts(
    url: str, published_run: Settings, monkeypatch: pytest.MonkeyPatch
):
    path = REPO_ROOT / url
    nb = nbformat.read(path, as_version=4)
    before = sha256(published_run.serving_path)
    monkeypatch.setenv("CROSSDOCK_HOME", str(published_run.home))  # the kernel inherits it
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    ).execute()  # raises CellExecutionError naming the failing cell

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(str(published_run.serving_path) in o.get("text", "") for o in outputs), (
        "the notebook must read the run's snapshot from CROSSDOCK_HOME"
    )
    charts = [c for c in nb.cells if "chart" in c.metadata.get("tags", [])]
    assert len(charts) >= 3, url
    for cell in charts:
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert images, f"{url}: chart cell drew nothing:\n{cell.source[:200]}"
    # Every mart the exposure declares is read by the notebook.
    source = "\n".join(c.source for c in nb.cells)
    for ref in EXPOSED[url]["depends_on"]:
        mart = ref.removeprefix("ref('").removesuffix("')")
        assert f"marts.{mart}" in source, f"{url} does not read {mart}"
    assert sha256(published_run.serving_path) == before
