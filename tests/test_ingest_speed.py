"""What makes ingest fast must not change what it does: imports deferred, readers swapped, the
ledger written in one transaction per feed (issue 7; the figures are in docs/benchmarks.md)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crossdock.config import REPO_ROOT
from crossdock.ledger import Ledger, LedgerEntry
from ingestion import carrier_tracking_webhook, shopify_orders_json
from ingestion.contract import FeedError


def run_python_process(
    code: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    return out


def run_python(code: str, env: dict[str, str] | None = None) -> str:
    return run_python_process(code, env=env).stdout


def test_gx_loads_without_scipy_stats_and_altair_until_an_expectation_needs_them():
    code = """
import sys
import quality  # crossdock reaches GX through this package, which defers the two
from quality.gates import context, validate
from quality.suites.landing import SUITES
import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

frame = pd.DataFrame({"declaration_id": ["D1"], "event_at": [pd.Timestamp("2025-03-02")],
                      "status": ["HELD"], "_source_line": [2]})
landing = validate(frame, SUITES["customs_clearance_events"](), "b", line_column="_source_line")
deferred = [type(sys.modules[m]).__name__ for m in ("scipy.stats", "altair")]
suite = gx.ExpectationSuite(name="kl")
context()
suite.add_expectation(gxe.ExpectColumnKLDivergenceToBeLessThan(
    column="a", partition_object={"values": [1, 2], "weights": [0.5, 0.5]}, threshold=0.1))
kl = validate(pd.DataFrame({"a": [1, 2, 1, 2]}), suite, "b")
from scipy.stats import entropy
print(deferred, landing.success, kl.success, type(sys.modules["scipy.stats"]).__name__,
      round(float(entropy([0.5, 0.5])), 4))
"""
    assert run_python(code).split() == [
        "['_Deferred',",
        "'_Deferred']",
        "True",
        "True",
        "module",
        "0.6931",
    ]


def test_the_cli_imports_neither_gx_nor_dbt_up_front():
    code = "import sys, crossdock.cli; print(sorted(m for m in ('great_expectations', "
    code += "'dbt', 'crossdock.warehouse', 'crossdock.forecast') if m in sys.modules))"
    assert run_python(code).strip() == "[]"


def test_the_cli_still_reports_a_rejected_file_as_a_failed_step(tmp_path: Path):
    day = tmp_path / "landing" / "customs" / "clearance_events" / "2025-03-02"
    day.mkdir(parents=True)
    (day / "clearance_x_20250302.csv").write_text("declaration_id,status\nD1,HELD\n")
    span = ["--start", "2025-03-02", "--end", "2025-03-02"]
    out = subprocess.run(
        [sys.executable, "-m", "crossdock.cli", "ingest", *span, "--family", "customs"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"CROSSDOCK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 1, out.stderr
    assert "crossdock ingest failed" in out.stderr
    assert "clearance_x_20250302.csv: missing required column(s) event_at" in out.stderr


def entry(n: int, feed: str | None = "f") -> LedgerEntry:
    return LedgerEntry(f"sha{n}", feed, f"file{n}", f"x/file{n}", "2025-03-02", 1, f"e/{n}", 1, 0)  # type: ignore[arg-type]


def test_record_many_is_all_or_nothing_and_a_session_holds_no_transaction(tmp_path: Path):
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path)
    with ledger.session():
        assert ledger.record_many([entry(1), entry(2)]) == 2
        # Committed at once: another connection sees the rows while the session is open.
        assert len(Ledger(path).entries()) == 2
        with pytest.raises(sqlite3.IntegrityError):
            ledger.record_many([entry(3), entry(4, feed=None)])  # feed is not null
        assert ledger.record_many([entry(2), entry(5)]) == 1  # known content is left alone
        assert ledger.record(entry(6)) and not ledger.record(entry(6))
    assert sorted(e.file_sha256 for e in Ledger(path).entries()) == [
        "sha1",
        "sha2",
        "sha5",
        "sha6",
    ]


@pytest.mark.parametrize("text", ["{", "[", "f", '{"event": "x", "msg": {}}\n{'])
def test_a_webhook_file_cut_to_a_lone_bracket_is_rejected_as_invalid_json(
    tmp_path: Path, text: str
):
    path = tmp_path / "t.jsonl"
    path.write_text(text)
    with pytest.raises(FeedError, match=r"^t\.jsonl:\d+: invalid JSON"):
        carrier_tracking_webhook.read_webhook_lines(path, "t.jsonl")


def test_shopify_loader_matches_json_and_locates_objects_on_any_layout():
    page = {
        "orders": [
            {
                "name": "SHP-1",
                "note_attributes": [{"name": "ship_by_date", "value": "2025-03-04"}],
                "shipping_address": {"country_code": "DE"},
                "line_items": [
                    {"sku": "A", "properties": [{"name": "_hs_code", "value": "010121"}]},
                    {"sku": "B {not a brace}", "price": 1.5e3, "origin_location": None},
                ],
            },
            {"name": "SHP-2 \u00fc\\n", "line_items": []},
        ]
    }
    for text, lines in (
        (json.dumps(page, indent=2), None),
        (json.dumps(page), [1, 1]),
        (json.dumps(page, indent=1).replace("\n", "\r\n"), None),
    ):
        doc = shopify_orders_json.load_located(text)
        assert doc == json.loads(text)
        items = doc["orders"][0]["line_items"]
        assert all(isinstance(i, shopify_orders_json._Located) for i in items)
        found = [i.line for i in items]
        if lines is None:  # pretty-printed: the line where each item's object opens
            text_lines = text.splitlines()
            assert [text_lines[n - 1].strip() for n in found] == ["{", "{"]
            assert found[0] < found[1]
        else:
            assert found == lines


GATE_WORKER_RUN = """
import json, sys
from pathlib import Path
from crossdock import ingest
from crossdock.config import Settings

settings = Settings.from_env()
out = {}
for day in sys.argv[1:]:
    if day == "kill":  # the worker dies between two ingests: the next gates run in-process
        ingest._WORKER._proc.kill()
        ingest._WORKER._proc.wait()
        continue
    report = ingest.ingest(settings, "customs", day)
    out[day] = {
        "landed": report.rows_landed,
        "quarantined": report.rows_quarantined,
        "gx_here": "great_expectations" in sys.modules,
        "worker": ingest._WORKER is not None,
    }
print(json.dumps(out))
"""


def _clearance_day(home: Path, day: str) -> None:
    folder = home / "landing" / "customs" / "clearance_events" / day
    folder.mkdir(parents=True)
    rows = [f"D{day}-{i},{day}T10:{i:02d}:00+01:00,RELEASED," for i in range(40)]
    rows.append(f"D{day}-x,{day}T11:00:00+01:00,VANISHED,")  # not a clearance status: quarantined
    (folder / f"clearance_broker_{day}.csv").write_text(
        "declaration_id,event_at,status,remarks\n" + "\n".join(rows) + "\n"
    )


def test_landing_gates_run_in_a_worker_process_and_fall_back_to_this_one(tmp_path: Path):
    """The ingesting process never imports GX (its worker does); the worker's verdict is the
    same as an in-process gate's, which takes over when the worker dies."""
    days = ["2025-03-01", "2025-03-02"]
    for day in days:
        _clearance_day(tmp_path, day)
    env = {"CROSSDOCK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = run_python_process(GATE_WORKER_RUN, days[0], "kill", days[1], env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    by_worker, in_process = result[days[0]], result[days[1]]
    assert by_worker == {"landed": 40, "quarantined": 1, "gx_here": False, "worker": True}
    assert in_process == {"landed": 40, "quarantined": 1, "gx_here": True, "worker": False}
    assert "gating in this process" in out.stderr
    quarantine = sorted((tmp_path / "lake" / "quarantine").glob("*/*.parquet"))
    assert len(quarantine) == 2
    import polars as pl

    reasons = pl.read_parquet(quarantine).select("value", "reason").unique().rows()
    assert reasons == [("VANISHED", "failed expect_column_values_to_be_in_set")]


def test_a_forked_child_starts_its_own_gate_worker():
    code = """
import os
from crossdock import ingest
parent = ingest.gate_worker()._proc.pid
read, write = os.pipe()
if (child := os.fork()) == 0:
    os.write(write, str(ingest.gate_worker()._proc.pid).encode())
    os._exit(0)
os.waitpid(child, 0)
print(parent != int(os.read(read, 32)), ingest.gate_worker()._proc.pid == parent)
"""
    assert run_python(code).split() == ["True", "True"]
