"""Incremental marts of the order, finance, customs and core areas against their full refresh.

On a copy of the session's fixture build (tests/conftest.py `fixture_build`, whose build batch
is committed), a later delivery lands late data for old keys: a late line of an old order, a
new order of a new seller, a new declaration for an old order, the late RELEASED event of an
old declaration (its clearance amended), and a second parcel of an old order. The pipeline's
batch bookkeeping (stage_build_batch / commit_build_batch) runs around dbt as in
`crossdock build`, on these marts and their parents only. The increment must change what the
late data changes, equal a --full-refresh of the same lake, and a second increment with
nothing new must change nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from crossdock.config import Settings
from crossdock.warehouse import (
    BUILD_VARS,
    BuildFailed,
    commit_build_batch,
    mart_fingerprints,
    prepare_lake,
    run_dbt,
    stage_build_batch,
)
from ingestion import inventory_report_csv
from tests.test_dbt_project import (
    CLEARANCE_SCHEMA,
    DECLARATION_SCHEMA,
    ORDER_LINE_SCHEMA,
    TRACKING_SCHEMA,
    checkpoint,
    d,
    order_line,
    ts,
    write_lake_file,
)

MARTS = (
    "fct_orders",
    "dim_sellers",
    "dim_products",
    "fct_customs_declarations",
    "fct_landed_costs",
    "fct_demand_daily",
    "fct_demand_weekly",
    "fct_inventory_daily",
    "fct_forecast_accuracy",
    "fct_forecast_accuracy_weekly",
)
SELECT = ("--select", *(f"+{m}" for m in MARTS))
LATE_DAY = "2024-03-09"
LATER = ts("2024-03-08T09:00:00")


DOMESTIC = {"ship_from_country": "US", "ship_to_country": "US", "sku": "SKU-WH-9"}


def _snapshot(day: str, on_hand: int) -> dict:
    return {
        "snapshot_date": d(day),
        "warehouse_id": "WH-US-01",
        "warehouse_country": "US",
        "sku": "SKU-WH-9",
        "on_hand": on_hand,
        "reserved": 0,
        "inbound": 0,
        "unsellable": None,
    }


def write_warehouse_stock(lake: Path) -> None:
    """Before the late data: WH-US-01 reports SKU-WH-9 on 03-01..03-04 (10, 8, 0, 5 on hand),
    with domestic US sales of 2 units on 03-01 and 3 on 03-03 (a stockout day)."""
    schema = inventory_report_csv.CONTRACT.polars_schema()
    snapshots = [_snapshot(f"2024-03-0{i}", n) for i, n in enumerate([10, 8, 0, 5], start=1)]
    write_lake_file(lake, "inventory_snapshots", "2024-03-04", "inv.csv", snapshots, schema)
    lines = [
        order_line("SHP-9001", 1, 2, 5.0, ordered_at=ts("2024-03-01T08:00:00"), **DOMESTIC),
        order_line("SHP-9003", 1, 3, 5.0, ordered_at=ts("2024-03-03T08:00:00"), **DOMESTIC),
    ]
    write_lake_file(
        lake, "marketplace_order_lines", "2024-03-04", "wh.csv", lines, ORDER_LINE_SCHEMA
    )


def write_late_deliveries(lake: Path) -> None:
    """Files delivered on 03-09 carrying data of earlier days (see the module docstring)."""
    write_lake_file(
        lake,
        "marketplace_order_lines",
        LATE_DAY,
        "orders_late.csv",
        [
            # a third line of AMZ-1001 (ordered 03-01, its first two lines delivered 03-01)
            order_line("AMZ-1001", 3, 4, 2.50),
            # a new order of a new seller on another platform
            order_line(
                "SHP-5001",
                1,
                1,
                40.0,
                platform="shopify",
                seller_id="S-9",
                ordered_at=ts("2024-03-08T09:00:00"),
            ),
            # dim_products: SKU-AMZ-1001-1 (toys / 950300, last ordered 03-01) reclassified
            # after its history (a new version), SKU-AMZ-1001-2 sold again unchanged (its
            # version grows), SKU-AMZ-1002-1 sold as games before its first line (a late line
            # within its history: the SKU is recomputed, two versions)
            order_line(
                "AMZ-6001",
                1,
                1,
                9.0,
                sku="SKU-AMZ-1001-1",
                hs_code="950490",
                ordered_at=ts("2024-03-08T09:00:00"),
            ),
            order_line("AMZ-6002", 1, 1, 9.0, sku="SKU-AMZ-1001-2", ordered_at=LATER),
            order_line(
                "AMZ-6003",
                1,
                1,
                9.0,
                sku="SKU-AMZ-1002-1",
                product_category="games",
                ordered_at=ts("2024-02-20T09:00:00"),
            ),
        ],
        ORDER_LINE_SCHEMA,
    )
    # a late warehouse sale of 03-02 and the 03-02 report resent (0 on hand: a stockout)
    write_lake_file(
        lake,
        "marketplace_order_lines",
        LATE_DAY,
        "wh_late.csv",
        [order_line("SHP-9002", 1, 4, 5.0, ordered_at=ts("2024-03-02T08:00:00"), **DOMESTIC)],
        ORDER_LINE_SCHEMA,
    )
    write_lake_file(
        lake,
        "inventory_snapshots",
        LATE_DAY,
        "inv_resent.csv",
        [_snapshot("2024-03-02", 0)],
        inventory_report_csv.CONTRACT.polars_schema(),
    )
    write_lake_file(
        lake,
        "customs_declarations",
        LATE_DAY,
        "declarations_late.csv",
        [
            {
                "declaration_id": "D-9",
                "tracking_number": "1Z004",
                "order_id": "AMZ-1002",
                "declared_at": ts("2024-03-06T10:00:00"),
                "broker": "acme",
                "hs_code": "950300",
                "goods_description": "toys",
                "declared_value": 20.0,
                "currency": "USD",
                "incoterm": "DDP",
                "origin_country": "CN",
                "destination_country": "US",
                "duty_amount": 2.0,
                "vat_amount": 0.0,
            }
        ],
        DECLARATION_SCHEMA,
    )
    write_lake_file(
        lake,
        "customs_clearance_events",
        LATE_DAY,
        "clearance_late.csv",
        [
            {
                "declaration_id": "D-3",
                "event_at": ts("2024-03-06T12:00:00"),
                "status": "RELEASED",
                "remarks": "",
            }
        ],
        CLEARANCE_SCHEMA,
    )
    write_lake_file(
        lake,
        "carrier_tracking_events",
        LATE_DAY,
        "tracking_late.jsonl",
        [checkpoint("1Z005", "AMZ-1003", "2024-03-03T02:00:00", "InTransit_002")],
        TRACKING_SCHEMA,
    )


def write_forecast_run(settings: Settings, run_id: str, cutoff: str, days: int) -> None:
    """A refresh of series SKU-WH-9|US (one model, 3 units a day), as the refresh appends it."""
    rows = [
        (run_id, cutoff, "SKU-WH-9|US", "SKU-WH-9", "US", h, "AutoETS", True, 3.0, 2, 4, 1, 5)
        for h in range(1, days + 1)
    ]
    with duckdb.connect(str(settings.build_path)) as con:
        con.executemany(
            "insert into forecasts.forecasts values"
            " (?, cast(? as date), ?, ?, ?, cast(? as date) + ?::integer, ?::integer, ?, ?, ?,"
            " ?, ?, ?, ?)",
            [(*r[:5], r[1], r[5], *r[5:]) for r in rows],
        )


def _build(settings: Settings, *, full_refresh: bool = False) -> None:
    """crossdock.warehouse.build's batch bookkeeping around `dbt build` of these marts."""
    prepare_lake(settings.lake)
    with duckdb.connect(str(settings.build_path)) as con:
        from_scratch = stage_build_batch(settings, con, full_refresh=full_refresh)
    args = ["build", *SELECT, "--indirect-selection", "cautious", "--fail-fast", *BUILD_VARS]
    if full_refresh:
        args.append("--full-refresh")
    if not from_scratch:
        args += ["--exclude-resource-type", "unit_test"]
    proc = run_dbt(settings, *args)
    if proc.returncode != 0:
        raise BuildFailed("\n".join((proc.stdout + proc.stderr).splitlines()[-40:]))
    with duckdb.connect(str(settings.build_path)) as con:
        commit_build_batch(con)


def _fingerprints(settings: Settings) -> dict[str, dict[str, object]]:
    prints = mart_fingerprints(settings.build_path)
    return {m: prints[m] for m in MARTS}


def _rows(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        return con.execute(sql).fetchall()


LATE_SQL = {
    "order": "select line_count, units from marts.fct_orders where order_id = 'AMZ-1001'",
    "seller": "select orders from marts.dim_sellers where seller_id = 'S-9'",
    "clearance": (
        "select current_status, released_at from marts.fct_customs_declarations"
        " where declaration_id = 'D-3'"
    ),
    "declared": (
        "select declaration_count, duty_amount from marts.fct_landed_costs"
        " where order_id = 'AMZ-1002'"
    ),
    "parcels": "select parcel_count from marts.fct_landed_costs where order_id = 'AMZ-1003'",
    "stock": (
        "select snapshot_date, on_hand, units_sold, units_sold_28d, is_stockout"
        " from marts.fct_inventory_daily where sku = 'SKU-WH-9' order by 1"
    ),
    "demand": (
        "select order_date, units, is_stockout from marts.fct_demand_daily"
        " where sku = 'SKU-WH-9' order by 1"
    ),
    "accuracy": (
        "select forecast_run_id, target_date, actual_units from marts.fct_forecast_accuracy"
        " where series_id = 'SKU-WH-9|US' order by 1, 2"
    ),
    "products": (
        "select sku, version_number, product_category, hs_code, valid_from, valid_to, order_lines"
        " from marts.dim_products where sku in ('SKU-AMZ-1001-1', 'SKU-AMZ-1001-2',"
        " 'SKU-AMZ-1002-1') order by 1, 2"
    ),
}


@dataclass(frozen=True)
class Built:
    before: dict[str, list[tuple]]
    after: dict[str, list[tuple]]
    incremental: dict[str, dict[str, object]]
    incremental_again: dict[str, dict[str, object]]
    full_refresh: dict[str, dict[str, object]]


@pytest.fixture(scope="module")
def built(fixture_build: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    settings = Settings(home=tmp_path_factory.mktemp("increments"))
    shutil.copytree(fixture_build.lake, settings.lake)
    settings.build_dir.mkdir(parents=True)
    shutil.copyfile(fixture_build.build_path, settings.build_path)
    write_warehouse_stock(settings.lake)
    write_forecast_run(settings, "run-1", "2024-03-01", 7)
    _build(settings)  # a first report of the optional stock feed, as an increment
    # a refresh replayed for an earlier cutoff, written after that build
    write_forecast_run(settings, "run-0", "2024-02-29", 3)
    before = {k: _rows(settings, sql) for k, sql in LATE_SQL.items()}

    write_late_deliveries(settings.lake)
    _build(settings)
    after = {k: _rows(settings, sql) for k, sql in LATE_SQL.items()}
    incremental = _fingerprints(settings)
    _build(settings)  # nothing new
    incremental_again = _fingerprints(settings)
    _build(settings, full_refresh=True)
    yield Built(before, after, incremental, incremental_again, _fingerprints(settings))


def test_the_increment_picks_up_late_data_of_old_keys(built: Built):
    assert built.before["order"] == [(2, 3)] and built.after["order"] == [(3, 7)]
    assert built.before["seller"] == [] and built.after["seller"] == [(1,)]
    assert built.before["clearance"] == [("LODGED", None)]
    assert built.after["clearance"] == [("RELEASED", ts("2024-03-06T12:00:00"))]
    assert {r[0] for r in built.before["declared"]} == {0}
    assert {r[0] for r in built.after["declared"]} == {1}
    assert {r[0] for r in built.before["parcels"]} == {1}
    assert {r[0] for r in built.after["parcels"]} == {2}
    # 03-02: 4 units sold, none on hand; 03-03 and 03-04's 28-day windows include them
    day = [d(f"2024-03-0{i}") for i in range(1, 5)]
    assert built.before["stock"] == [
        (day[0], 10, 2, 2, False),
        (day[1], 8, 0, 2, False),
        (day[2], 0, 3, 5, True),
        (day[3], 5, 0, 5, False),
    ]
    assert built.after["stock"] == [
        (day[0], 10, 2, 2, False),
        (day[1], 0, 4, 6, True),
        (day[2], 0, 3, 9, True),
        (day[3], 5, 0, 9, False),
    ]
    assert [r[:2] for r in built.after["demand"]][:3] == [(day[0], 2), (day[1], 4), (day[2], 3)]
    assert built.after["demand"][1][2] is True and built.before["demand"][1][2] is False
    # run-1 scored up to the clock (03-03 before, 03-08 after); run-0, written later, scored too
    assert built.before["accuracy"] == [("run-1", day[1], 0), ("run-1", day[2], 3)]
    assert [r for r in built.after["accuracy"] if r[0] == "run-0"] == [
        ("run-0", day[0], 2),
        ("run-0", day[1], 4),
        ("run-0", day[2], 3),
    ]
    assert [r[1:] for r in built.after["accuracy"] if r[0] == "run-1"][:3] == [
        (day[1], 4),
        (day[2], 3),
        (day[3], 0),
    ]
    assert len(built.after["accuracy"]) == 3 + 7
    first = ts("2024-03-01T10:00:00")
    assert built.after["products"] == [
        ("SKU-AMZ-1001-1", 1, "toys", "950300", first, LATER, 1),
        ("SKU-AMZ-1001-1", 2, "toys", "950490", LATER, None, 1),
        ("SKU-AMZ-1001-2", 1, "toys", "950300", first, None, 2),
        ("SKU-AMZ-1002-1", 1, "games", "950300", ts("2024-02-20T09:00:00"), first, 1),
        ("SKU-AMZ-1002-1", 2, "toys", "950300", first, None, 1),
    ]


def test_incremental_build_equals_full_refresh(built: Built):
    assert built.incremental == built.full_refresh


def test_incremental_build_without_new_data_changes_nothing(built: Built):
    assert built.incremental_again == built.incremental
