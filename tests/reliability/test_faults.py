"""Partner faults, as they reach dq_results.

What each fault switch does at ingest (documented outcome, delivered = landed + quarantined per
file, no duplicates, late / out-of-order / drifted files landing, exactly the documented files
rejected) is proven by tests/test_faults_ingest.py, and each switch's injection by
tests/test_simulator_faults.py. What is added here: every row a gate quarantined has its failed
expectation kept in dq_results, every rejected file's failing gate too, and replaying every
delivery after the faults adds nothing to the ledger, the lake or dq_results.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from crossdock.config import FAMILIES, Settings
from crossdock.dq import DqStore
from crossdock.ingest import IngestFailed, ingest
from crossdock.ledger import Ledger
from simulator.faults import DEFAULT_RATE, Faults
from simulator.generate import simulate

START, END = date(2025, 3, 3), date(2025, 3, 5)
DAYS = [(START + timedelta(days=i)).isoformat() for i in range((END - START).days + 1)]


def ingest_all(settings: Settings) -> list[str]:
    failures = []
    for day in DAYS:
        for family in FAMILIES:
            try:
                ingest(settings, family, day, run_id="faults")
            except IngestFailed as exc:
                failures.append(str(exc))
    return failures


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(home=tmp_path_factory.mktemp("faults-dq"))
    manifest = simulate(
        settings.landing, START, END, 80, 5, faults=Faults.parse(list(DEFAULT_RATE))
    )
    return settings, manifest.faults, ingest_all(settings)


def test_gate_quarantined_rows_and_rejected_files_have_their_failed_expectations_kept(faulty):
    settings, faults, failures = faulty
    assert failures and faults["rejected_files"]
    results = DqStore(settings.ledger_path).frame("stage = 'landing'")
    failed = results[~results["success"]]
    kept = {(r.expectation, r.column_name or "") for r in failed.itertuples()}
    glob = settings.lake / "quarantine" / "*" / "*.parquet"
    by_gate = duckdb.execute(
        f"select distinct reason, \"column\" from read_parquet('{glob}')"
        " where reason like 'failed expect_%'"
    ).fetchall()
    assert by_gate, "the faults quarantined no row through a gate"
    for reason, column in by_gate:
        assert (reason.removeprefix("failed "), column) in kept, (reason, column)
    # A file rejected by a blocking expectation has that failure kept under its own name.
    rejections = Ledger(settings.ledger_path).rejections()
    blocked = [f for f, why in rejections.items() if "expect_" in why]
    for source_file in blocked:
        assert (~results[results["batch"] == source_file]["success"]).any(), source_file
    # Unexpected counts are recorded for every failed row-level expectation.
    assert (failed["unexpected_count"].fillna(0) >= 0).all()


def test_replaying_every_faulty_delivery_adds_nothing(faulty):
    settings, _, _ = faulty
    ledger, dq = Ledger(settings.ledger_path), DqStore(settings.ledger_path)

    def state() -> tuple:
        lake = sorted(p.relative_to(settings.lake) for p in settings.lake.rglob("*.parquet"))
        return ledger_rows(ledger), lake

    before, results_before = state(), dq.frame()
    ingest_all(settings)  # the rejected files fail again; nothing else happens
    assert state() == before
    # The first replay validates each rejected file on its own: new batches (content keys) of
    # the feeds that had a rejection, never a second copy of a result.
    results = dq.frame()
    new = results[~results["result_id"].isin(results_before["result_id"])]
    assert set(new["batch_key"]).isdisjoint(results_before["batch_key"])
    rejected_suites = {f"landing.{f}" for f in rejected_entities(settings)}
    assert set(new["suite"]) <= rejected_suites
    ingest_all(settings)  # any further replay records nothing at all
    assert state() == before and len(dq.frame()) == len(results)


def ledger_rows(ledger: Ledger) -> list[tuple]:
    entries = ledger.entries()
    return [(e.file_sha256, e.lake_path, e.rows_landed, e.rows_quarantined) for e in entries]


def rejected_entities(settings: Settings) -> set[str]:
    from ingestion import FEEDS

    rejected = Ledger(settings.ledger_path).rejections()
    return {
        feed.entity
        for feed in FEEDS
        for path in rejected
        if path.startswith(f"{feed.family}/{feed.folder}/")
    }
