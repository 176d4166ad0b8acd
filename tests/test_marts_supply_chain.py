"""Supply-chain marts on a real build: the SCMS history through the production ingest path
against an independent SQL reading of the raw file, and incremental vs full-refresh builds.

One home, built once (fixture lake + this module's tracking rows + the real SCMS file; the
area's models with their data and unit tests), then: a later delivery (late and out-of-order
checkpoints, a redelivered duplicate, a file landing late for an earlier day, a late order
line) built incrementally, the same batch built again (a failed build retried), the same build
again with nothing new, and a --full-refresh build of the same lake. Each build stages its
batch of files as `crossdock build` does (crossdock.warehouse.stage_build_batch). Expected
values are computed by hand from the rows below.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from crossdock.config import Settings
from crossdock.ingest import ingest
from crossdock.reference.export import export_reference
from crossdock.warehouse import (
    BUILD_VARS,
    BuildFailed,
    commit_build_batch,
    mart_fingerprints,
    prepare_lake,
    run_dbt,
    stage_build_batch,
)
from tests.test_dbt_project import (
    ORDER_LINE_SCHEMA,
    TRACKING_SCHEMA,
    checkpoint,
    d,
    order_line,
    ts,
    write_fixture_lake,
    write_lake_file,
)

SCMS = "scms_delivery_history_dev/SCMS_Delivery_History_Dataset.dev_pre2014.csv.gz"
MARTS = ("fct_shipment_events", "fct_shipment_journeys", "fct_carrier_lane_performance")
# incremental intermediate tables, compared without their `_dbt_invocation_id` lineage
INTERMEDIATES = ("int_tracking_events_deduplicated", "int_tracking_events_pivoted_to_shipments")
SELECT = ("--select", "+fct_shipment_events", "+fct_carrier_lane_performance")


def write_first_deliveries(lake: Path) -> None:
    """Order AMZ-7001 (ordered 03-01 10:00, promised 03-09) and its shipments, delivered 03-05.

    7Z001: label 03-01 12:00, accepted 03-02 08:00, arrived in destination 03-05 10:00.
    7Z002: accepted 03-02 09:00, delivered 03-07 09:00 (terminal, never touched again).
    7Z003: accepted 03-04 00:00 and then silence (lost after 14 days without a scan).
    7Z004 (order AMZ-7002, whose order line has not arrived yet): accepted 03-02 09:00,
           delivered 03-06 09:00.
    """
    write_lake_file(
        lake,
        "marketplace_order_lines",
        "2024-03-01",
        "orders_amazon_7001.csv",
        [
            order_line(
                "AMZ-7001",
                1,
                1,
                10.0,
                ordered_at=ts("2024-03-01T10:00:00"),
                promised_delivery_date=d("2024-03-09"),
            )
        ],
        ORDER_LINE_SCHEMA,
    )
    write_lake_file(
        lake,
        "carrier_tracking_events",
        "2024-03-05",
        "tracking_7z_20240305.jsonl",
        [
            checkpoint("7Z001", "AMZ-7001", "2024-03-01T12:00:00", "InfoReceived_001"),
            checkpoint("7Z001", "AMZ-7001", "2024-03-02T08:00:00", "InTransit_002"),
            checkpoint("7Z001", "AMZ-7001", "2024-03-05T10:00:00", "InTransit_004"),
            checkpoint("7Z002", "AMZ-7001", "2024-03-02T09:00:00", "InTransit_002"),
            checkpoint("7Z002", "AMZ-7001", "2024-03-07T09:00:00", "Delivered_001"),
            checkpoint("7Z003", "AMZ-7001", "2024-03-04T00:00:00", "InTransit_002"),
            checkpoint("7Z004", "AMZ-7002", "2024-03-02T09:00:00", "InTransit_002"),
            checkpoint("7Z004", "AMZ-7002", "2024-03-06T09:00:00", "Delivered_001"),
        ],
        TRACKING_SCHEMA,
    )


def write_later_deliveries(lake: Path) -> None:
    """After the first build (whose newest delivery day is 03-10, so the window starts 03-07):

    03-20: 7Z001 delivered 03-09 15:00.
    03-22: 7Z001's sorting scan of 03-03 and out-for-delivery of 03-09 08:00 (both late and
           out of order: the delivery, which happened later, arrived on 03-20), and its
           acceptance scan again (a redelivered duplicate).
    03-04: a file landing late for a day long built (before the first build's newest day,
           03-10): 1Z004 (label only so far) accepted 03-03 10:00.
    03-09: the order line of AMZ-7002 (promised 03-05), so 7Z004, delivered and untouched
           otherwise, gets its promise: one day late.
    """
    write_lake_file(
        lake,
        "marketplace_order_lines",
        "2024-03-09",
        "orders_amazon_7002.csv",
        [order_line("AMZ-7002", 1, 1, 10.0, promised_delivery_date=d("2024-03-05"))],
        ORDER_LINE_SCHEMA,
    )
    write_lake_file(
        lake,
        "carrier_tracking_events",
        "2024-03-20",
        "tracking_7z_20240320.jsonl",
        [checkpoint("7Z001", "AMZ-7001", "2024-03-09T15:00:00", "Delivered_001")],
        TRACKING_SCHEMA,
    )
    write_lake_file(
        lake,
        "carrier_tracking_events",
        "2024-03-22",
        "tracking_7z_20240322.jsonl",
        [
            checkpoint("7Z001", "AMZ-7001", "2024-03-03T06:00:00", "InTransit_003"),
            checkpoint("7Z001", "AMZ-7001", "2024-03-09T08:00:00", "OutForDelivery_001"),
            {
                **checkpoint("7Z001", "AMZ-7001", "2024-03-02T08:00:00", "InTransit_002"),
                "webhook_event_id": "wh-redelivered-7z001",
                "sent_at": ts("2024-03-22T01:00:00"),
            },
        ],
        TRACKING_SCHEMA,
    )
    write_lake_file(
        lake,
        "carrier_tracking_events",
        "2024-03-04",
        "tracking_1z004_20240304.jsonl",
        [checkpoint("1Z004", "AMZ-1002", "2024-03-03T10:00:00", "InTransit_002")],
        TRACKING_SCHEMA,
    )


def _dbt(settings: Settings, command: str, *args: str, commit: bool = True) -> None:
    """dbt on this area's models and their parents only (the whole project is tested elsewhere),
    on the batch of lake files not built yet, as crossdock.warehouse.build runs it; with
    `commit=False` the batch is not marked built, like a build that failed after dbt."""
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.build_path)) as con:
        stage_build_batch(settings, con, full_refresh="--full-refresh" in args)
    proc = run_dbt(
        settings, command, *SELECT, "--indirect-selection", "cautious", *BUILD_VARS, *args
    )
    if proc.returncode != 0:
        raise BuildFailed("\n".join((proc.stdout + proc.stderr).splitlines()[-40:]))
    if commit:
        with duckdb.connect(str(settings.build_path)) as con:
            commit_build_batch(con)


def _fingerprints(settings: Settings) -> dict[str, dict[str, object]]:
    prints = mart_fingerprints(settings.build_path)
    out = {m: prints[m] for m in MARTS}
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        for table in INTERMEDIATES:
            (rows, sha) = con.execute(
                "select count(*), sha256(coalesce(string_agg(row_md5, '' order by row_md5), ''))"
                " from (select md5(t::varchar) as row_md5"
                f" from (select * exclude (_dbt_invocation_id) from intermediate.{table}) t)"
            ).fetchone()
            out[table] = {"rows": rows, "sha256": sha[:16]}
    return out


def _rows(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        return con.execute(sql).fetchall()


@dataclass(frozen=True)
class Built:
    settings: Settings
    scms_path: Path
    first: dict[str, list[tuple]]  # rows after the first build
    incremental: dict[str, dict[str, object]]
    batch_again: dict[str, dict[str, object]]
    incremental_again: dict[str, dict[str, object]]
    full_refresh: dict[str, dict[str, object]]


STATUS_SQL = (
    "select tracking_number, shipment_status, is_on_time from marts.fct_shipment_journeys"
    " where source_system = 'crossdock' order by 1"
)


@pytest.fixture(scope="module")
def built(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    settings = Settings(home=tmp_path_factory.mktemp("crossdock"))
    write_fixture_lake(settings.lake)
    write_first_deliveries(settings.lake)
    # The real SCMS file through the production ingest path, as `crossdock run` delivers it.
    day_dir = settings.landing / "carrier" / "scms" / "2014-01-01"
    day_dir.mkdir(parents=True)
    shutil.copy(shared_data / SCMS, day_dir)
    assert ingest(settings, "carrier", "2014-01-01").rows_landed == 7754
    # What the pipeline's build does first, then models, data tests and unit tests of the area.
    prepare_lake(settings.lake)
    export_reference(settings.lake)
    _dbt(settings, "build")
    first = {"status": _rows(settings, STATUS_SQL)}

    write_later_deliveries(settings.lake)
    _dbt(settings, "build", commit=False)  # incremental, with the batch's scoped data tests
    incremental = _fingerprints(settings)
    _dbt(settings, "run")  # the same batch again: a failed build retried
    batch_again = _fingerprints(settings)
    _dbt(settings, "run")  # nothing new
    incremental_again = _fingerprints(settings)
    _dbt(settings, "run", "--full-refresh")
    full_refresh = _fingerprints(settings)
    yield Built(
        settings,
        shared_data / SCMS,
        first,
        incremental,
        batch_again,
        incremental_again,
        full_refresh,
    )


# --- incremental ------------------------------------------------------------------------------


def test_first_build_statuses(built: Built):
    assert built.first["status"] == [
        ("1Z001", "delivered", True),
        ("1Z002", "delivered", False),
        ("1Z003", "delivered", True),
        ("1Z004", "label_created", None),
        ("7Z001", "in_transit", None),
        ("7Z002", "delivered", True),
        ("7Z003", "in_transit", None),  # last scan 03-04, lake clock 03-10: 6 days
        ("7Z004", "delivered", None),  # no order line yet, so no promise
        ("9Z001", "delivered", True),
    ]


def test_incremental_build_equals_full_refresh(built: Built):
    assert built.incremental == built.full_refresh
    assert all(p["rows"] for p in built.incremental.values())


def test_incremental_build_without_new_data_changes_nothing(built: Built):
    assert built.incremental_again == built.incremental


def test_building_the_same_batch_twice_changes_nothing(built: Built):
    assert built.batch_again == built.incremental


def test_late_out_of_order_and_duplicate_events(built: Built):
    rows = _rows(
        built.settings,
        "select event_sequence, subtag, delivery_date, arrival_rank, arrival_lag_days,"
        " is_late_arrival, is_out_of_order, times_delivered"
        " from marts.fct_shipment_events where tracking_number = '7Z001' order by 1",
    )
    assert rows == [
        # arrivals: the 03-05 file's three payloads (1-3), 03-20 (4), the 03-22 payloads (5, 6)
        (1, "InfoReceived_001", date(2024, 3, 5), 1, 4, True, False, 1),
        (2, "InTransit_002", date(2024, 3, 5), 2, 3, True, False, 2),
        (3, "InTransit_003", date(2024, 3, 22), 5, 19, True, True, 1),
        (4, "InTransit_004", date(2024, 3, 5), 3, 0, False, False, 1),
        (5, "OutForDelivery_001", date(2024, 3, 22), 6, 13, True, True, 1),
        (6, "Delivered_001", date(2024, 3, 20), 4, 11, True, False, 1),
    ]


def test_journey_after_late_events(built: Built):
    row = _rows(
        built.settings,
        "select shipment_status, handed_to_carrier_at, first_scan_at, out_for_delivery_at,"
        " delivered_at, is_on_time, days_late, first_mile_hours, last_mile_hours, transit_days,"
        " event_count, last_delivery_date"
        " from marts.fct_shipment_journeys where tracking_number = '7Z001'",
    )
    assert row == [
        (
            "delivered",
            datetime(2024, 3, 2, 8),
            datetime(2024, 3, 2, 8),
            datetime(2024, 3, 9, 8),
            datetime(2024, 3, 9, 15),
            True,  # delivered on the promised day
            0,
            Decimal("22.00"),  # ordered 03-01 10:00 -> first scan 03-02 08:00
            Decimal("7.00"),  # out for delivery 08:00 -> delivered 15:00
            Decimal("7.29"),  # 7 days 7 hours
            6,
            date(2024, 3, 22),
        )
    ]


def test_lost_by_silence_and_late_file_for_an_earlier_day(built: Built):
    rows = _rows(
        built.settings,
        "select tracking_number, shipment_status, lost_reason, lost_at, handed_to_carrier_at"
        " from marts.fct_shipment_journeys where tracking_number in ('1Z004', '7Z002', '7Z003')"
        " order by 1",
    )
    assert rows == [
        # the late 03-04 file was picked up; last scan 03-03, lake clock 03-22: 19 days > 14
        (
            "1Z004",
            "lost",
            "no_scan_for_14_days",
            datetime(2024, 3, 3, 10),
            datetime(2024, 3, 3, 10),
        ),
        ("7Z002", "delivered", None, None, datetime(2024, 3, 2, 9)),
        # never touched again, but not terminal: reprocessed, 18 days without a scan
        ("7Z003", "lost", "no_scan_for_14_days", datetime(2024, 3, 4), datetime(2024, 3, 4)),
    ]


def test_late_order_line_reaches_a_delivered_shipment(built: Built):
    rows = _rows(
        built.settings,
        "select promised_delivery_date, delivered_date, is_on_time, days_late, ordered_at"
        " from marts.fct_shipment_journeys where tracking_number = '7Z004'",
    )
    assert rows == [(date(2024, 3, 5), date(2024, 3, 6), False, 1, datetime(2024, 3, 1, 10))]


# --- SCMS against the raw file ----------------------------------------------------------------


def _independent_scms(path: Path) -> list[tuple]:
    """On-time % and lead time per (mode, country name), straight from the raw file.

    A shipment is an ASN/DN number; it is scheduled and delivered when its last line is and
    ordered when its first PO was sent to the vendor; lead time is in days.
    """
    sql = f"""
        with raw as (
            select * from read_csv('{path}', header = true, all_varchar = true)
        ),
        lines as (
            select
                "ASN/DN #" as asn,
                "Country" as country,
                nullif("Shipment Mode", 'N/A') as mode,
                strptime("Scheduled Delivery Date", '%d-%b-%y')::date as scheduled,
                strptime("Delivered to Client Date", '%d-%b-%y')::date as delivered,
                coalesce(
                    try_strptime("PO Sent to Vendor Date", '%d-%b-%y'),
                    try_strptime("PO Sent to Vendor Date", '%m/%d/%y')
                )::date as po_sent
            from raw
        ),
        shipments as (
            select asn, min(country) as country, min(mode) as mode, max(scheduled) as scheduled,
                   max(delivered) as delivered, min(po_sent) as po_sent
            from lines group by asn
        )
        select
            mode, country, count(*) as shipments,
            round(avg(case when delivered <= scheduled then 1.0 else 0.0 end), 6) as on_time,
            count(po_sent) as with_lead_time,
            quantile_cont(delivered - po_sent, 0.5) as lead_p50,
            quantile_cont(delivered - po_sent, 0.9) as lead_p90
        from shipments group by all
    """
    return duckdb.execute(sql).fetchall()


def test_scms_on_time_and_lead_time_by_mode_and_country_equal_the_raw_file(built: Built):
    raw = _independent_scms(built.scms_path)
    # Country names map to ISO2 through the shipments themselves: a one-to-one mapping.
    names = duckdb.execute(
        f"""select distinct "ASN/DN #", "Country" from read_csv('{built.scms_path}',
            header = true, all_varchar = true)"""
    ).fetchall()
    with duckdb.connect(str(built.settings.build_path), read_only=True) as con:
        iso2 = dict(
            con.execute(
                "select asn_dn_number, destination_country from marts.fct_shipment_journeys"
                " where source_system = 'scms'"
            ).fetchall()
        )
        mart = con.execute(
            """select service, destination_country, count(*),
                   round(avg(case when is_on_time then 1.0 else 0.0 end), 6),
                   count(order_to_delivery_days),
                   quantile_cont(order_to_delivery_days, 0.5),
                   quantile_cont(order_to_delivery_days, 0.9)
               from marts.fct_shipment_journeys where source_system = 'scms' group by all"""
        ).fetchall()
        lanes = con.execute(
            """select service, destination_country, sum(shipments),
                   round(sum(on_time_shipments) / sum(delivered_shipments), 6)
               from marts.fct_carrier_lane_performance where source_system = 'scms'
               group by all"""
        ).fetchall()
    mapping = {name: iso2[asn] for asn, name in names}
    assert len(iso2) == len(names) == 5545  # every ASN/DN, one country each
    assert len(set(mapping.values())) == len(mapping) == 40

    def as_float(v: object) -> float | None:
        return None if v is None else round(float(v), 6)

    expected = {
        (mode, mapping[country]): (n, float(on_time), lead_n, as_float(p50), as_float(p90))
        for mode, country, n, on_time, lead_n, p50, p90 in raw
    }
    got = {
        (mode, country): (n, float(on_time), lead_n, as_float(p50), as_float(p90))
        for mode, country, n, on_time, lead_n, p50, p90 in mart
    }
    assert got == expected
    assert sum(v[0] for v in got.values()) == 5545
    assert {k: (v[0], v[1]) for k, v in expected.items()} == {
        (mode, country): (n, float(on_time)) for mode, country, n, on_time in lanes
    }


def test_scms_shipments_in_the_journeys(built: Built):
    # ASN-8 (line 1 of the file): Côte d'Ivoire, Air, scheduled and delivered 2-Jun-06,
    # PO "Date Not Captured", so no lead time.
    row = _rows(
        built.settings,
        "select service, destination_country, promised_delivery_date, delivered_date,"
        " is_on_time, days_late, ordered_at, order_to_delivery_days, shipment_status, carrier"
        " from marts.fct_shipment_journeys where asn_dn_number = 'ASN-8'",
    )
    assert row == [
        ("Air", "CI", date(2006, 6, 2), date(2006, 6, 2), True, 0, None, None, "delivered", None)
    ]


# --- delivering the SCMS file in `crossdock run` ----------------------------------------------


def test_run_delivers_the_scms_file_into_the_first_day_of_the_run(tmp_path: Path):
    from crossdock.cli import _parser
    from crossdock.pipeline import deliver_scms_file

    source = tmp_path / "scms.csv.gz"
    source.write_bytes(b"not parsed here")
    settings = Settings(home=tmp_path / "home")
    target = deliver_scms_file(settings, source, date(2025, 2, 3))
    assert target == settings.landing / "carrier" / "scms" / "2025-02-03" / "scms.csv.gz"
    assert target.read_bytes() == source.read_bytes()
    mtime = target.stat().st_mtime_ns
    deliver_scms_file(settings, source, date(2025, 2, 3))  # same content: left alone
    assert target.stat().st_mtime_ns == mtime
    with pytest.raises(FileNotFoundError, match="SCMS file not found"):
        deliver_scms_file(settings, tmp_path / "missing.csv.gz", date(2025, 2, 3))
    assert _parser().parse_args(["run", "--scms-file", str(source)]).scms_file == source


def test_scms_file_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from crossdock.cli import _parser

    monkeypatch.setenv("CROSSDOCK_SCMS_FILE", str(tmp_path / "scms.csv.gz"))
    assert _parser().parse_args(["run"]).scms_file == tmp_path / "scms.csv.gz"
    monkeypatch.delenv("CROSSDOCK_SCMS_FILE")
    assert _parser().parse_args(["run"]).scms_file is None
