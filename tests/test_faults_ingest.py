"""Every simulator fault switch on at once: the documented outcome holds and counts reconcile."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import duckdb
import pytest

from crossdock.config import FAMILIES, Settings
from crossdock.ingest import IngestFailed, ingest
from crossdock.ledger import Ledger
from simulator.faults import DEFAULT_RATE, Faults
from simulator.generate import simulate

START, END = date(2025, 3, 3), date(2025, 3, 6)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(home=tmp_path_factory.mktemp("faults"))
    manifest = simulate(
        settings.landing, START, END, 150, 3, faults=Faults.parse(list(DEFAULT_RATE))
    )
    failed_days = []
    for i in range((END - START).days + 1):
        day = (START + timedelta(days=i)).isoformat()
        for family in FAMILIES:
            try:
                ingest(settings, family, day)
            except IngestFailed:
                failed_days.append((family, day))
    return settings, manifest.faults, failed_days


def lake(settings: Settings, entity: str, sql: str) -> list[tuple]:
    glob = settings.lake / entity / "*" / "*.parquet"
    src = f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
    return duckdb.execute(sql.format(src=src)).fetchall()


def test_rejected_files_are_exactly_the_documented_ones(run):
    settings, faults, failed_days = run
    rejected = Ledger(settings.ledger_path).rejections()
    assert set(rejected) == set(faults["rejected_files"])
    assert failed_days  # a rejected file fails its task
    for path, reason in rejected.items():
        assert path in reason or path.rsplit("/", 1)[1] in reason


def test_every_delivered_file_is_landed_rejected_or_a_skipped_resend(run):
    settings, faults, _ = run
    delivered = {
        p.relative_to(settings.landing).as_posix()
        for p in settings.landing.rglob("*")
        if p.is_file() and p.name != "_manifest.json"
    }
    landed = {e.source_file for e in Ledger(settings.ledger_path).entries()}
    rejected = set(Ledger(settings.ledger_path).rejections())
    resends = {d["copy"] for d in faults["duplicate_files"]}
    assert landed.isdisjoint(rejected) and landed.isdisjoint(resends)
    assert delivered == landed | rejected | resends


def test_delivered_equals_landed_plus_quarantined_per_file(run):
    settings, faults, _ = run
    expected_bad = {f: {r["line"] for r in rows} for f, rows in faults["malformed_rows"].items()}
    for f, cut in faults["truncated_file"].items():
        expected_bad.setdefault(f, set()).add(cut["line"])
    for e in Ledger(settings.ledger_path).entries():
        assert e.rows_delivered == e.rows_landed + e.rows_quarantined, e.source_file
        if e.feed == "carrier_tracking_webhook":
            continue  # rows are checkpoints; malformed payload lines count per payload
        assert e.rows_quarantined == len(expected_bad.get(e.source_file, ())), e.source_file
    quarantined = Counter(
        f for f, _ in lake(settings, "quarantine", "select distinct source_file, line from {src}")
    )
    for f, lines in expected_bad.items():
        if f not in faults["rejected_files"] and not f.startswith("carrier/"):
            assert quarantined[f] == len(lines), f


def test_no_duplicates_land_and_redelivered_checkpoints_are_exact_copies(run):
    settings, _, _ = run
    assert lake(
        settings,
        "marketplace_order_lines",
        "select count(*) - count(distinct (order_id, line_number)) from {src}",
    ) == [(0,)]
    assert lake(
        settings,
        "customs_declarations",
        "select count(*) - count(distinct declaration_id) from {src}",
    ) == [(0,)]
    # A checkpoint may arrive twice (duplicate payload, resend): same event_id, same content.
    assert lake(
        settings,
        "carrier_tracking_events",
        "select count(*) from (select event_id from {src} group by event_id"
        " having count(distinct (tracking_number, event_at, tag, subtag)) > 1)",
    ) == [(0,)]


def test_late_out_of_order_and_drifted_files_land(run):
    settings, faults, _ = run
    for item in faults["late_events"] + faults["out_of_order"]:
        if item["file"] in faults["rejected_files"]:
            continue
        rows = lake(
            settings,
            "carrier_tracking_events",
            f"select count(*) from {{src}} where _source_file = '{item['file']}'"
            f" and tracking_number = '{item['tracking_number']}'",
        )
        assert rows[0][0] > 0, item
    for f in faults["added_column"]:
        if f in faults["rejected_files"]:
            continue
        entity = {
            "orders": "marketplace_order_lines",
            "declarations": "customs_declarations",
            "clearance_events": "customs_clearance_events",
        }[f.split("/")[1]]
        rows = lake(
            settings,
            entity,
            f"select count(partner_reference) from {{src}} where _source_file = '{f}'",
        )
        assert rows[0][0] > 0, f
