"""kill -9 of ingest, the dbt build and publish at seeded points; then re-run.

- Ingest: a child process ingests four delivery days and SIGKILLs itself at a seeded crash point
  (crossdock.crashpoints: after a batch's gates are recorded, between a lake file's write and
  its rename, after the rename, after landing before the ledger row, after the ledger row), again
  and again; then a clean re-run. The lake and ledger must equal a fault-free ingest of the same
  deliveries file for file, byte for byte (so every mart built from them is equal too), with no
  temporary file left, every lake file in the ledger and vice versa, and no duplicate result
  in dq_results.
- dbt build: the build (and its dbt child) is killed from outside just after a seeded n-th mart
  has started; then re-run: every mart equals the fault-free build's content hash.
- Publish: killed at seeded crash points (after the checkpoint, after the copy, after stamping
  the copy, after the rename); then re-run.
After every kill, a fresh process opens the serving snapshot read-only: it is absent (nothing
published yet) or a complete version whose stamped mart hashes equal what it holds.
"""

from __future__ import annotations

import contextlib
import filecmp
import json
import os
import random
import re
import shutil
import signal
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from crossdock.config import FAMILIES, Settings
from crossdock.dq import gate_warehouse
from crossdock.ingest import QUARANTINE_ENTITY, ingest
from crossdock.ledger import Ledger
from crossdock.warehouse import build, mart_fingerprints
from simulator.generate import simulate
from tests.reliability import workers
from tests.test_dbt_project import record_fixture_lake_in_ledger

SEED = 20261130
START, DAYS = date(2025, 3, 3), 4
INGEST_POINTS = (
    "ingest.gated",
    "ingest.landed",
    "ingest.recorded",
    "lake.tmp_written",
    "lake.replaced",
)
PUBLISH_POINTS = ("publish.checkpointed", "publish.copied", "publish.stamped", "publish.replaced")
INGEST_KILLS = int(os.environ.get("CROSSDOCK_RELIABILITY_INGEST_KILLS", 10))
DBT_KILLS = int(os.environ.get("CROSSDOCK_RELIABILITY_DBT_KILLS", 3))
PUBLISH_KILLS = int(os.environ.get("CROSSDOCK_RELIABILITY_PUBLISH_KILLS", 8))
KILLED = -signal.SIGKILL
MART_START = re.compile(r"START sql \w+ model marts\.")

DAY_LIST = [(START + timedelta(days=i)).isoformat() for i in range(DAYS)]


@pytest.fixture(scope="module")
def ctx():
    return workers.context()


def run_child(ctx, target, *args, timeout: float = 300) -> int:
    p = ctx.Process(target=target, args=args)
    p.start()
    p.join(timeout)
    assert p.exitcode is not None, f"{target.__name__} hung"
    return p.exitcode


def serving_state(ctx, home: Path) -> dict | None:
    receiver, sender = ctx.Pipe(duplex=False)
    assert run_child(ctx, workers.read_serving, str(home), sender, timeout=60) == 0
    assert receiver.poll(10), "the serving reader reported nothing"
    state = receiver.recv()
    assert state is None or "error" not in state, state
    return state


def assert_serving_complete(ctx, home: Path, known: dict[str, dict]) -> None:
    """Absent, or one complete version: its stamped hashes are what it holds, and they are the
    hashes of a version this test saw being built."""
    state = serving_state(ctx, home)
    if state is None:
        return
    assert state["actual"] == state["marts"], "snapshot content differs from its own stamp"
    assert any(state["actual"] == marts for marts in known.values()), "unknown snapshot content"


def lake_files(lake: Path) -> dict[str, Path]:
    return {p.relative_to(lake).as_posix(): p for p in lake.rglob("*") if p.is_file()}


def ledger_rows(home: Path) -> list[tuple]:
    return [
        (e.file_sha256, e.feed, e.source_file, e.delivery_date, e.rows_landed, e.lake_path,
         e.rows_delivered, e.rows_quarantined)
        for e in Ledger(Settings(home=home).ledger_path).entries()
    ]  # fmt: skip


def landing_results(home: Path) -> list[tuple]:
    from crossdock.dq import DqStore

    frame = DqStore(Settings(home=home).ledger_path).frame("stage = 'landing'")
    cols = ["result_id", "suite", "batch_key", "expectation", "success", "unexpected_count"]
    return sorted(map(tuple, frame[cols].astype(str).values.tolist()))


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("deliveries") / "landing"
    simulate(landing, START, START + timedelta(days=DAYS - 1), 15, 11, partner_formats=True)
    return landing


@pytest.fixture(scope="module")
def fault_free_ingest(tmp_path_factory: pytest.TempPathFactory, deliveries: Path) -> Path:
    home = tmp_path_factory.mktemp("ingest-fault-free")
    shutil.copytree(deliveries, home / "landing")
    settings = Settings(home=home)
    for day in DAY_LIST:
        for family in FAMILIES:
            ingest(settings, family, day)
    return home


def test_ingest_killed_at_seeded_points_lands_exactly_the_fault_free_lake(
    ctx, tmp_path: Path, deliveries: Path, fault_free_ingest: Path
):
    home = tmp_path / "home"
    shutil.copytree(deliveries, home / "landing")
    rng = random.Random(SEED)
    kills: list[str] = []
    while len(kills) < INGEST_KILLS:
        crash = f"{rng.choice(INGEST_POINTS)}:{rng.randint(1, 3)}"
        code = run_child(ctx, workers.ingest_days, str(home), DAY_LIST, crash)
        assert code in (KILLED, 0), f"ingest child failed with exit {code} ({crash})"
        assert_serving_complete(ctx, home, {})
        if code == 0:
            break  # everything landed before this crash point came up
        kills.append(crash)
    assert len(kills) >= INGEST_KILLS, kills
    assert run_child(ctx, workers.ingest_days, str(home), DAY_LIST, None) == 0

    # The same files, byte for byte, and the same ledger as the fault-free ingest.
    lake, reference = Settings(home=home).lake, Settings(home=fault_free_ingest).lake
    files = lake_files(lake)
    assert [f for f in files if f.endswith(".tmp")] == []
    assert sorted(files) == sorted(lake_files(reference))
    for rel, path in files.items():
        assert filecmp.cmp(path, reference / rel, shallow=False), rel
    assert ledger_rows(home) == ledger_rows(fault_free_ingest)
    # Every lake file has its ledger row and every ledger row its file.
    entries = Ledger(Settings(home=home).ledger_path).entries()
    recorded = {e.lake_path for e in entries}
    recorded |= {
        f"{QUARANTINE_ENTITY}/delivery_date={e.delivery_date}/{Path(e.lake_path).name}"
        for e in entries
        if e.rows_quarantined
    }
    assert set(files) == recorded
    # No duplicate delivered file, no duplicate key landed.
    assert len({e.file_sha256 for e in entries}) == len(entries)
    glob = lake / "marketplace_order_lines" / "*" / "*.parquet"
    dupes = duckdb.execute(
        f"select count(*) - count(distinct (order_id, line_number)) from read_parquet('{glob}')"
    ).fetchall()
    assert dupes == [(0,)]
    # Every gate result once (result ids are unique), and every fault-free result is there. A
    # batch killed half-landed is re-validated as the batch of its remaining files: those
    # results are extra rows under their own batch key, never a second copy of a result.
    results, fault_free = landing_results(home), landing_results(fault_free_ingest)
    assert len({r[0] for r in results}) == len(results)
    assert set(fault_free) <= set(results)
    keys = {r[2] for r in fault_free}
    assert all(r[2] not in keys for r in set(results) - set(fault_free))


def kill_build_at_mart(ctx, home: Path, nth_mart: int, extra_delay: float) -> bool:
    """Start a build; SIGKILL it and its dbt child once the nth mart model has started.
    Returns whether it was killed (False: it finished first)."""
    log = Settings(home=home).dbt_log_dir / "dbt.log"
    offset = log.stat().st_size if log.exists() else 0
    p = ctx.Process(target=workers.build, args=(str(home),))
    p.start()
    deadline = time.monotonic() + 300
    while p.is_alive() and time.monotonic() < deadline:
        started = 0
        if log.exists():
            with log.open("rb") as fh:
                fh.seek(offset)
                started = len(MART_START.findall(fh.read().decode("utf-8", "replace")))
        if started >= nth_mart:
            time.sleep(extra_delay)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    p.join(300)
    assert p.exitcode in (KILLED, 0), f"build child exit {p.exitcode}"
    return p.exitcode == KILLED


def test_build_and_publish_killed_at_seeded_points_recover_the_fault_free_marts(
    ctx, tmp_path: Path, fixture_build: Settings
):
    reference = mart_fingerprints(fixture_build.build_path)
    home = tmp_path / "home"
    shutil.copytree(fixture_build.lake, Settings(home=home).lake)
    rng = random.Random(SEED + 1)
    marts = len(reference)
    dbt_kills = 0
    for _ in range(DBT_KILLS * 2):
        if dbt_kills == DBT_KILLS:
            break
        dbt_kills += kill_build_at_mart(ctx, home, rng.randint(1, marts), rng.uniform(0, 0.5))
        assert_serving_complete(ctx, home, {})
    assert dbt_kills == DBT_KILLS
    build(Settings(home=home))  # the re-run
    assert mart_fingerprints(Settings(home=home).build_path) == reference
    record_fixture_lake_in_ledger(Settings(home=home))  # publish serves only a gated build
    gate_warehouse(Settings(home=home), "gate")

    publish_kills = 0
    for i in range(PUBLISH_KILLS):
        crash = f"{PUBLISH_POINTS[i % len(PUBLISH_POINTS)]}:1"
        if rng.random() < 0.5:
            crash = f"{rng.choice(PUBLISH_POINTS)}:1"
        code = run_child(ctx, workers.publish, str(home), crash)
        assert code == KILLED, (crash, code)
        publish_kills += 1
        assert_serving_complete(ctx, home, {"fault-free": reference})
    assert run_child(ctx, workers.publish, str(home), None) == 0
    state = serving_state(ctx, home)
    assert state["actual"] == reference
    serving = Settings(home=home).serving_path
    assert [p.name for p in serving.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert (
        json.loads(serving.with_name("manifest.json").read_text())["version"] == (state["version"])
    )
    print(f"survived {dbt_kills} dbt build kills and {publish_kills} publish kills")
