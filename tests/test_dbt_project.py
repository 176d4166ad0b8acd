"""Builds the dbt project against a hand-made fixture lake and checks mart values.

The fixture follows the lake contract of docs/feeds.md,
`<lake>/<entity>/delivery_date=<day>/*.parquet` with the feed columns plus the lineage columns
`_source_file`, `_source_line` and `_file_sha256`.
Expected values below are computed by hand from these rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from crossdock.config import Settings
from crossdock.warehouse import build

LINEAGE = {"_source_file": pl.String, "_source_line": pl.Int64, "_file_sha256": pl.String}

ORDER_LINE_SCHEMA = {
    "order_id": pl.String,
    "line_number": pl.Int32,
    "platform": pl.String,
    "seller_id": pl.String,
    "sku": pl.String,
    "product_category": pl.String,
    "hs_code": pl.String,
    "quantity": pl.Int32,
    "unit_price": pl.Float64,
    "currency": pl.String,
    "ordered_at": pl.Datetime("us"),
    "ship_by_date": pl.Date,
    "promised_delivery_date": pl.Date,
    "ship_from_country": pl.String,
    "ship_to_country": pl.String,
    "order_status": pl.String,
}
TRACKING_SCHEMA = {
    "event_id": pl.String,
    "webhook_event_id": pl.String,
    "sent_at": pl.Datetime("us"),
    "tracking_number": pl.String,
    "carrier": pl.String,
    "service": pl.String,
    "order_id": pl.String,
    "origin_country": pl.String,
    "destination_country": pl.String,
    "event_at": pl.Datetime("us"),
    "tag": pl.String,
    "subtag": pl.String,
    "message": pl.String,
    "location": pl.String,
    "event_country": pl.String,
}
DECLARATION_SCHEMA = {
    "declaration_id": pl.String,
    "tracking_number": pl.String,
    "order_id": pl.String,
    "declared_at": pl.Datetime("us"),
    "broker": pl.String,
    "hs_code": pl.String,
    "goods_description": pl.String,
    "declared_value": pl.Float64,
    "currency": pl.String,
    "incoterm": pl.String,
    "origin_country": pl.String,
    "destination_country": pl.String,
    "duty_amount": pl.Float64,
    "vat_amount": pl.Float64,
}
CLEARANCE_SCHEMA = {
    "declaration_id": pl.String,
    "event_at": pl.Datetime("us"),
    "status": pl.String,
    "remarks": pl.String,
}


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def d(value: str) -> date:
    return date.fromisoformat(value)


def write_lake_file(
    lake: Path, entity: str, delivery_date: str, name: str, rows: list[dict], schema: dict
) -> None:
    """One delivered file: rows get lineage columns and land under the delivery-day partition."""
    sha = hashlib.sha256(f"{entity}/{delivery_date}/{name}".encode()).hexdigest()
    frame = pl.DataFrame(
        [
            {
                **row,
                "_source_file": f"{entity}/{delivery_date}/{name}",
                "_source_line": i,
                "_file_sha256": sha,
            }
            for i, row in enumerate(rows, start=2)
        ],
        schema={**schema, **LINEAGE},
        orient="row",
    )
    folder = lake / entity / f"delivery_date={delivery_date}"
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(folder / f"{Path(name).stem}-{sha[:16]}.parquet")


def order_line(order_id: str, line: int, quantity: int, unit_price: float, **over) -> dict:
    row = {
        "order_id": order_id,
        "line_number": line,
        "platform": "amazon",
        "seller_id": "S-1",
        "sku": f"SKU-{order_id}-{line}",
        "product_category": "toys",
        "hs_code": "950300",
        "quantity": quantity,
        "unit_price": unit_price,
        "currency": "USD",
        "ordered_at": ts("2024-03-01T10:00:00"),
        "ship_by_date": d("2024-03-03"),
        "promised_delivery_date": d("2024-03-10"),
        "ship_from_country": "CN",
        "ship_to_country": "US",
        "order_status": "placed",
    }
    return {**row, **over}


def checkpoint(tracking_number: str, order_id: str, at: str, subtag: str, **over) -> dict:
    event_at = ts(at)
    key = f"{tracking_number}|{event_at.isoformat()}+00:00|{subtag}"
    row = {
        "event_id": hashlib.sha256(key.encode()).hexdigest()[:32],
        "webhook_event_id": f"wh-{tracking_number}-{at[:10]}",
        "sent_at": ts(at[:10] + "T23:59:00"),
        "tracking_number": tracking_number,
        "carrier": "ups",
        "service": "express",
        "order_id": order_id,
        "origin_country": "CN",
        "destination_country": "US",
        "event_at": event_at,
        "tag": subtag.split("_")[0],
        "subtag": subtag,
        "message": subtag,
        "location": "somewhere",
        "event_country": "CN",
    }
    return {**row, **over}


def write_fixture_lake(lake: Path) -> None:
    """A few orders, shipments, checkpoints and declarations; expectations in the tests below.

    Lane CN -> US, ups express, ship week 2024-02-26 (handed to carrier on Sat 2 / Sun 3 March):
      1Z001 (AMZ-1001) handed 03-02 00:00, delivered 03-06 00:00: 4.0 days, promise 03-10, on time
      1Z002 (SHP-2001) handed 03-02 00:00, delivered 03-09 12:00: 7.5 days, promise 03-08, late
      1Z003 (AMZ-1003) handed 03-03 00:00, delivered 03-08 00:00: 5.0 days, promise 03-08, on time;
                       ship_by 03-02, so shipped late
      1Z004 (AMZ-1002) label only, never handed to carrier: not in the lane
    Domestic US -> US, usps ground: 9Z001 (EBY-3001) 3.0 days. WMT-4001 is cancelled, no shipment.
    """
    write_lake_file(
        lake,
        "marketplace_order_lines",
        "2024-03-01",
        "orders_amazon_20240301.csv",
        [
            order_line("AMZ-1001", 1, 2, 12.50),
            order_line("AMZ-1001", 2, 1, 5.25),
            order_line("AMZ-1002", 1, 1, 20.00),
            order_line(
                "AMZ-1003",
                1,
                4,
                2.50,
                ship_by_date=d("2024-03-02"),
                promised_delivery_date=d("2024-03-08"),
            ),
        ],
        ORDER_LINE_SCHEMA,
    )
    write_lake_file(
        lake,
        "marketplace_order_lines",
        "2024-03-01",
        "orders_shopify_20240301.csv",
        [
            order_line(
                "SHP-2001",
                1,
                3,
                9.99,
                platform="shopify",
                seller_id="S-2",
                ordered_at=ts("2024-03-01T12:00:00"),
                promised_delivery_date=d("2024-03-08"),
            ),
        ],
        ORDER_LINE_SCHEMA,
    )
    write_lake_file(
        lake,
        "marketplace_order_lines",
        "2024-03-02",
        "orders_ebay_20240302.csv",
        [
            order_line(
                "EBY-3001",
                1,
                1,
                40.00,
                platform="ebay",
                seller_id="S-3",
                ordered_at=ts("2024-03-02T08:00:00"),
                promised_delivery_date=d("2024-03-06"),
                ship_from_country="US",
            ),
        ],
        ORDER_LINE_SCHEMA,
    )
    write_lake_file(
        lake,
        "marketplace_order_lines",
        "2024-03-02",
        "orders_walmart_20240302.csv",
        [
            order_line(
                "WMT-4001",
                1,
                1,
                15.00,
                platform="walmart",
                seller_id="S-4",
                ordered_at=ts("2024-03-02T09:00:00"),
                order_status="cancelled",
            ),
        ],
        ORDER_LINE_SCHEMA,
    )

    domestic = {
        "carrier": "usps",
        "service": "ground",
        "origin_country": "US",
        "event_country": "US",
    }
    duplicated = checkpoint("1Z002", "SHP-2001", "2024-03-02T06:00:00", "InTransit_003")
    write_lake_file(
        lake,
        "carrier_tracking_events",
        "2024-03-03",
        "tracking_ups_20240303.jsonl",
        [
            checkpoint("1Z001", "AMZ-1001", "2024-03-01T12:00:00", "InfoReceived_001"),
            checkpoint("1Z001", "AMZ-1001", "2024-03-02T00:00:00", "InTransit_002"),
            checkpoint("1Z001", "AMZ-1001", "2024-03-02T06:00:00", "InTransit_003"),
            checkpoint("1Z002", "SHP-2001", "2024-03-01T14:00:00", "InfoReceived_001"),
            checkpoint("1Z002", "SHP-2001", "2024-03-02T00:00:00", "InTransit_002"),
            duplicated,
            checkpoint("1Z003", "AMZ-1003", "2024-03-03T00:00:00", "InTransit_002"),
            checkpoint("1Z004", "AMZ-1002", "2024-03-01T11:00:00", "InfoReceived_001"),
            checkpoint("9Z001", "EBY-3001", "2024-03-02T18:00:00", "InTransit_002", **domestic),
        ],
        TRACKING_SCHEMA,
    )
    write_lake_file(
        lake,
        "carrier_tracking_events",
        "2024-03-10",
        "tracking_ups_20240310.jsonl",
        [
            # redelivered checkpoint: same event_id, later payload and file
            {
                **duplicated,
                "webhook_event_id": "wh-redelivered",
                "sent_at": ts("2024-03-09T23:59:00"),
                "message": "redelivered",
            },
            checkpoint(
                "1Z001", "AMZ-1001", "2024-03-04T08:00:00", "InTransit_004", event_country="US"
            ),
            checkpoint(
                "1Z001", "AMZ-1001", "2024-03-04T12:00:00", "Exception_004", event_country="US"
            ),
            checkpoint(
                "1Z001", "AMZ-1001", "2024-03-05T09:00:00", "InTransit_005", event_country="US"
            ),
            checkpoint(
                "1Z001", "AMZ-1001", "2024-03-05T20:00:00", "OutForDelivery_001", event_country="US"
            ),
            checkpoint(
                "1Z001", "AMZ-1001", "2024-03-06T00:00:00", "Delivered_001", event_country="US"
            ),
            checkpoint(
                "1Z002", "SHP-2001", "2024-03-09T12:00:00", "Delivered_001", event_country="US"
            ),
            checkpoint(
                "1Z003", "AMZ-1003", "2024-03-08T00:00:00", "Delivered_001", event_country="US"
            ),
            checkpoint("9Z001", "EBY-3001", "2024-03-05T18:00:00", "Delivered_001", **domestic),
        ],
        TRACKING_SCHEMA,
    )

    declaration = {
        "order_id": "AMZ-1001",
        "broker": "acme",
        "hs_code": "950300",
        "goods_description": "toys",
        "declared_value": 30.25,
        "currency": "USD",
        "incoterm": "DDP",
        "origin_country": "CN",
        "destination_country": "US",
        "duty_amount": 1.5,
        "vat_amount": 0.0,
    }
    write_lake_file(
        lake,
        "customs_declarations",
        "2024-03-04",
        "declarations_acme_20240304.csv",
        [
            {
                **declaration,
                "declaration_id": "D-1",
                "tracking_number": "1Z001",
                "declared_at": ts("2024-03-04T08:30:00"),
            },
            {
                **declaration,
                "declaration_id": "D-2",
                "tracking_number": "1Z002",
                "order_id": "SHP-2001",
                "declared_at": ts("2024-03-04T00:00:00"),
                "hs_code": "611020",
            },
            {
                **declaration,
                "declaration_id": "D-3",
                "tracking_number": "1Z003",
                "order_id": "AMZ-1003",
                "declared_at": ts("2024-03-05T00:00:00"),
            },
        ],
        DECLARATION_SCHEMA,
    )
    clearance_events = [
        ("D-1", "2024-03-04T08:30:00", "LODGED", ""),
        ("D-1", "2024-03-04T12:00:00", "HELD", "documents missing"),
        ("D-1", "2024-03-04T18:00:00", "INSPECTED", ""),
        ("D-1", "2024-03-05T08:30:00", "RELEASED", ""),
        ("D-2", "2024-03-04T00:00:00", "LODGED", ""),
        ("D-2", "2024-03-04T06:00:00", "RELEASED", ""),
        ("D-3", "2024-03-05T00:00:00", "LODGED", ""),
    ]
    write_lake_file(
        lake,
        "customs_clearance_events",
        "2024-03-05",
        "clearance_acme_20240305.csv",
        [
            {"declaration_id": i, "event_at": ts(at), "status": status, "remarks": remarks}
            for i, at, status, remarks in clearance_events
        ],
        CLEARANCE_SCHEMA,
    )


@pytest.fixture(scope="module")
def warehouse(fixture_build: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(fixture_build.build_path), read_only=True)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    rows = con.execute(sql).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_schemas_are_exactly_staging_intermediate_marts(warehouse):
    schemas = {
        row[0]
        for row in warehouse.execute(
            "select distinct table_schema from information_schema.tables"
        ).fetchall()
    }
    assert {"staging", "intermediate", "marts"} <= schemas
    assert not any(s.startswith("main_") for s in schemas)


def test_order_value_is_sum_of_quantity_times_unit_price(warehouse):
    row = one(
        warehouse,
        "select line_count, units, order_value, is_cross_border, order_date "
        "from marts.fct_orders where order_id = 'AMZ-1001'",
    )
    assert row == (2, 3, Decimal("30.25"), True, date(2024, 3, 1))
    assert one(warehouse, "select count(*) from marts.fct_orders") == (6,)
    status = one(warehouse, "select order_status from marts.fct_orders where order_id = 'WMT-4001'")
    assert status == ("cancelled",)


def test_checkpoint_delivered_in_two_files_appears_once(warehouse):
    staged = one(
        warehouse,
        "select count(*) from staging.stg_carrier__tracking_events "
        "where tracking_number = '1Z002' and subtag = 'InTransit_003'",
    )
    deduplicated = one(
        warehouse,
        "select count(*), any_value(delivery_date), any_value(message) "
        "from intermediate.int_tracking_events_deduplicated "
        "where tracking_number = '1Z002' and subtag = 'InTransit_003'",
    )
    assert staged == (2,)
    assert deduplicated == (1, date(2024, 3, 3), "InTransit_003")
    event_count = one(
        warehouse,
        "select event_count from marts.fct_shipment_journeys where tracking_number = '1Z002'",
    )
    assert event_count == (4,)


def test_on_time_at_the_promise_boundary(warehouse):
    rows = dict(
        warehouse.execute(
            "select tracking_number, is_on_time from marts.fct_shipment_journeys"
        ).fetchall()
    )
    assert rows == {
        "1Z001": True,  # delivered 03-06, promised 03-10
        "1Z002": False,  # delivered 03-09, one day after the promise
        "1Z003": True,  # delivered exactly on the promised date
        "1Z004": None,  # not delivered
        "9Z001": True,
    }


def test_shipment_milestones(warehouse):
    row = one(
        warehouse,
        "select label_created_at, handed_to_carrier_at, first_scan_at, customs_held_at, "
        "import_cleared_at, delivered_at, current_tag, is_delivered, is_shipped_late, "
        "transit_days, order_to_delivery_days "
        "from marts.fct_shipment_journeys where tracking_number = '1Z001'",
    )
    assert row == (
        datetime(2024, 3, 1, 12),
        datetime(2024, 3, 2),
        datetime(2024, 3, 2),
        datetime(2024, 3, 4, 12),
        datetime(2024, 3, 5, 9),
        datetime(2024, 3, 6),
        "Delivered",
        True,
        False,
        Decimal("4.00"),
        Decimal("4.58"),
    )
    late = one(
        warehouse,
        "select is_shipped_late from marts.fct_shipment_journeys where tracking_number = '1Z003'",
    )
    assert late == (True,)


def test_lane_percentiles_and_rates(warehouse):
    rows = warehouse.execute(
        "select origin_country, destination_country, carrier, service, ship_week, shipments, "
        "delivered_shipments, on_time_shipments, round(on_time_rate, 4), "
        "round(late_shipment_rate, 4), transit_days_p50, transit_days_p90, transit_days_p95 "
        "from marts.fct_carrier_lane_performance order by carrier"
    ).fetchall()
    assert rows == [
        # transit days 4.0, 5.0, 7.5; 1Z004 (never handed to carrier) is excluded
        (
            "CN",
            "US",
            "ups",
            "express",
            date(2024, 2, 26),
            3,
            3,
            2,
            0.6667,
            0.3333,
            Decimal("5.00"),
            Decimal("7.00"),
            Decimal("7.25"),
        ),
        (
            "US",
            "US",
            "usps",
            "ground",
            date(2024, 2, 26),
            1,
            1,
            1,
            1.0,
            0.0,
            Decimal("3.00"),
            Decimal("3.00"),
            Decimal("3.00"),
        ),
    ]


def test_customs_declarations(warehouse):
    rows = warehouse.execute(
        "select declaration_id, hs_chapter, was_held, dwell_hours, current_status "
        "from marts.fct_customs_declarations order by declaration_id"
    ).fetchall()
    assert rows == [
        ("D-1", "95", True, Decimal("24.00"), "RELEASED"),
        ("D-2", "61", False, Decimal("6.00"), "RELEASED"),
        ("D-3", "95", False, None, "LODGED"),
    ]


def test_late_and_out_of_order_checkpoints_show_in_the_marts_at_the_next_build(tmp_path: Path):
    """A later delivery carrying an earlier checkpoint and a delivery: the next build has both."""
    settings = Settings(home=tmp_path)
    write_fixture_lake(settings.lake)

    def build_and_read() -> tuple:
        build(settings)
        with duckdb.connect(str(settings.build_path), read_only=True) as con:
            return con.execute(
                "select first_scan_at, delivered_at, current_tag from marts.fct_shipment_journeys"
                " where tracking_number = '1Z004'"
            ).fetchone()

    assert build_and_read() == (None, None, "InfoReceived")
    write_lake_file(
        settings.lake,
        "carrier_tracking_events",
        "2024-03-12",
        "late.jsonl",
        [
            # Delivered first in the file, the (earlier) acceptance scan after it: out of order.
            checkpoint(
                "1Z004", "AMZ-1002", "2024-03-09T15:00:00", "Delivered_001", event_country="US"
            ),
            checkpoint("1Z004", "AMZ-1002", "2024-03-02T08:00:00", "InTransit_002"),
        ],
        TRACKING_SCHEMA,
    )
    assert build_and_read() == (datetime(2024, 3, 2, 8), datetime(2024, 3, 9, 15), "Delivered")


def record_fixture_lake_in_ledger(settings: Settings) -> None:
    """The fixture lake was written by hand: give each file the ledger row ingest would (the
    warehouse gate reconciles lake and ledger; publish serves only a gated build)."""
    from crossdock.ledger import Ledger, LedgerEntry

    ledger = Ledger(settings.ledger_path)
    for path in sorted(settings.lake.glob("*/delivery_date=*/*.parquet")):
        rel = path.relative_to(settings.lake)
        if rel.parts[0] == "reference" or path.name.startswith("_"):
            continue
        (rows,) = duckdb.execute(f"select count(*) from '{path}'").fetchall()[0]
        day = rel.parts[1].removeprefix("delivery_date=")
        ledger.record(
            LedgerEntry(rel.as_posix(), "fixture", path.name, rel.as_posix(), day, rows,
                        rel.as_posix(), rows, 0)
        )  # fmt: skip
