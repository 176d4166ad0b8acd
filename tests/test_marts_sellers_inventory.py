"""Seller scorecards, warehouse inventory and the seller/product/carrier/date dimensions, built
with the pipeline's own `build` over the shared fixture lake plus the rows below.

Expected values are computed by hand from these rows (see each fixture's docstring).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from crossdock.config import DBT_PROJECT_DIR, Settings
from crossdock.warehouse import build
from ingestion import inventory_report_csv
from quality.gates import validate
from quality.suites.marts import SUITES
from tests.test_dbt_project import (
    ORDER_LINE_SCHEMA,
    TRACKING_SCHEMA,
    checkpoint,
    d,
    one,
    order_line,
    ts,
    write_fixture_lake,
    write_lake_file,
)

MY_MARTS = (
    "fct_seller_scorecards",
    "fct_inventory_daily",
    "fct_orders",
    "dim_carriers",
    "dim_sellers",
    "dim_products",
    "dim_country_dates",
)


def write_scorecard_seller(lake: Path) -> None:
    """Amazon seller S-9: 26 orders on 2024-03-01, due to ship 03-02, promised 03-08.

    AMZ-9026 is cancelled: cancel rate 1 / 26 over 7 days, above Amazon's 2.5 %.
    The 25 others get a label on 03-01; AMZ-9001 is handed to the carrier on 03-03, a day
    late, the rest on 03-02: late shipment rate 1 / 25 = 4 % exactly, which is not < 4 %, so
    the 10- and 30-day windows breach. AMZ-9001 is first scanned on 03-03, so on 03-02 the
    valid tracking rate is 24 / 25 = 96 % and 25 / 25 from 03-03. Delivered 03-06, AMZ-9001
    on 03-09 (after the promise): on-time delivery 24 / 24 on 03-08, 24 / 25 = 96 % on 03-09,
    below 97 % over 14 days.
    """
    lines, events = [], []
    for i in range(1, 27):
        order_id = f"AMZ-90{i:02d}"
        lines.append(
            order_line(
                order_id,
                1,
                1,
                10.0,
                seller_id="S-9",
                ship_by_date=d("2024-03-02"),
                promised_delivery_date=d("2024-03-08"),
                order_status="cancelled" if i == 26 else "placed",
            )
        )
        if i == 26:
            continue
        tracking = f"1Z9{i:02d}"
        handed, delivered = ("2024-03-03", "2024-03-09") if i == 1 else ("2024-03-02", "2024-03-06")
        events += [
            checkpoint(tracking, order_id, "2024-03-01T15:00:00", "InfoReceived_001"),
            checkpoint(tracking, order_id, f"{handed}T10:00:00", "InTransit_002"),
            checkpoint(tracking, order_id, f"{delivered}T12:00:00", "Delivered_001"),
        ]
    write_lake_file(
        lake, "marketplace_order_lines", "2024-03-01", "orders_s9.csv", lines, ORDER_LINE_SCHEMA
    )
    write_lake_file(
        lake, "carrier_tracking_events", "2024-03-09", "tracking_s9.jsonl", events, TRACKING_SCHEMA
    )


def write_warehouse_stock(lake: Path) -> None:
    """Shopify seller S-8 stocks SKU-WH-1 and SKU-WH-2 in WH-US-01 (US), 2024-03-01..05.

    SKU-WH-1 on hand 20, 16, 0, 0, 200 and domestic US sales 2, 4, 6, 0, 3 units. 03-03 is a
    stockout (none on hand, 6 ordered); 03-04 is not (none ordered). On 03-05: 15 units in 5
    days, 3 a day, cover 200 / 3 = 66.67 days, sell-through 15 / 215; not excess. Not counted:
    a cancelled domestic order (10 units) and a cross-border CN -> US order (7 units). The
    03-05 report is resent the next day with 200 on hand instead of 180: the later one wins.
    SKU-WH-2: 500 on hand, one unit sold on 03-01: on 03-05 cover 500 * 5 / 1 = 2500, excess.
    """
    sales = {"2024-03-01": 2, "2024-03-02": 4, "2024-03-03": 6, "2024-03-05": 3}
    domestic = {
        "platform": "shopify",
        "seller_id": "S-8",
        "ship_from_country": "US",
        "ship_to_country": "US",
    }
    lines = [
        order_line(
            f"SHP-8{day[-2:]}",
            1,
            units,
            5.0,
            sku="SKU-WH-1",
            ordered_at=ts(day + "T09:00:00"),
            **domestic,
        )
        for day, units in sales.items()
    ]
    lines += [
        order_line(
            "SHP-8101", 1, 1, 5.0, sku="SKU-WH-2", ordered_at=ts("2024-03-01T10:00:00"), **domestic
        ),
        order_line(
            "SHP-8102",
            1,
            10,
            5.0,
            sku="SKU-WH-1",
            ordered_at=ts("2024-03-05T10:00:00"),
            order_status="cancelled",
            **domestic,
        ),
        order_line(
            "SHP-8103",
            1,
            7,
            5.0,
            sku="SKU-WH-1",
            ordered_at=ts("2024-03-05T11:00:00"),
            platform="shopify",
            seller_id="S-8",
        ),
    ]
    write_lake_file(
        lake, "marketplace_order_lines", "2024-03-05", "orders_s8.csv", lines, ORDER_LINE_SCHEMA
    )

    schema = inventory_report_csv.CONTRACT.polars_schema()
    stock = {"SKU-WH-1": [20, 16, 0, 0, 180], "SKU-WH-2": [500] * 5}
    snapshots = [
        {
            "snapshot_date": d(f"2024-03-0{day}"),
            "warehouse_id": "WH-US-01",
            "warehouse_country": "US",
            "sku": sku,
            "on_hand": on_hand[day - 1],
            "reserved": 0,
            "inbound": 40 if sku == "SKU-WH-1" else 0,
            "unsellable": None,
        }
        for day in range(1, 6)
        for sku, on_hand in stock.items()
    ]
    write_lake_file(
        lake, "inventory_snapshots", "2024-03-05", "inventory_WH-US-01.csv", snapshots, schema
    )
    resent = {**snapshots[-2], "on_hand": 200, "inbound": 0}
    assert resent["sku"] == "SKU-WH-1"
    write_lake_file(
        lake, "inventory_snapshots", "2024-03-06", "inventory_WH-US-01_resent.csv", [resent], schema
    )


def write_reclassified_product(lake: Path) -> None:
    """SKU-P-1 (seller S-8): toys / 950300 on 03-01, reclassified to HS 950490 on 03-03, moved
    to the games category on 03-05 (still 950490): three versions. A line of 03-04 keeps
    version 2 going."""
    cross_border = {"platform": "shopify", "seller_id": "S-8", "sku": "SKU-P-1"}
    lines = [
        order_line("SHP-8201", 1, 1, 9.0, ordered_at=ts("2024-03-01T08:00:00"), **cross_border),
        order_line(
            "SHP-8202",
            1,
            1,
            9.0,
            ordered_at=ts("2024-03-03T08:00:00"),
            hs_code="950490",
            **cross_border,
        ),
        order_line(
            "SHP-8203",
            1,
            1,
            9.0,
            ordered_at=ts("2024-03-04T08:00:00"),
            hs_code="950490",
            **cross_border,
        ),
        order_line(
            "SHP-8204",
            1,
            1,
            9.0,
            ordered_at=ts("2024-03-05T08:00:00"),
            hs_code="950490",
            product_category="games",
            **cross_border,
        ),
    ]
    write_lake_file(
        lake, "marketplace_order_lines", "2024-03-05", "orders_p1.csv", lines, ORDER_LINE_SCHEMA
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    settings = Settings(home=tmp_path_factory.mktemp("crossdock"))
    write_fixture_lake(settings.lake)
    write_scorecard_seller(settings.lake)
    write_warehouse_stock(settings.lake)
    write_reclassified_product(settings.lake)
    build(settings)
    con = duckdb.connect(str(settings.build_path), read_only=True)
    yield con
    con.close()


def scorecard(con: duckdb.DuckDBPyConnection, as_of: str, window: int, columns: str) -> tuple:
    return one(
        con,
        f"select {columns} from marts.fct_seller_scorecards where seller_id = 'S-9'"
        f" and platform = 'amazon' and as_of_date = date '{as_of}' and window_days = {window}",
    )


def rate_columns(metric: str) -> str:
    return f"{metric}_numerator, {metric}_denominator, {metric}, is_{metric}_breached"


def test_late_shipment_rate_exactly_at_four_percent_breaches(warehouse):
    lsr = (
        "late_shipment_rate_numerator, late_shipment_rate_denominator, late_shipment_rate,"
        " late_shipment_rate_threshold, is_late_shipment_rate_breached"
    )
    assert scorecard(warehouse, "2024-03-01", 10, lsr) == (0, 0, None, Decimal("0.0400"), False)
    for window in (10, 30):
        assert scorecard(warehouse, "2024-03-02", window, lsr) == (
            1,
            25,
            Decimal("0.040000"),
            Decimal("0.0400"),
            True,
        )
    # 7 days: Amazon has no late-shipment target over 7 days.
    assert scorecard(warehouse, "2024-03-02", 7, lsr) == (1, 25, Decimal("0.040000"), None, False)


def test_cancel_tracking_and_on_time_delivery_rates(warehouse):
    cancel = rate_columns("pre_fulfilment_cancel_rate")
    assert scorecard(warehouse, "2024-03-01", 7, cancel) == (1, 26, Decimal("0.038462"), True)
    # 03-08: the window [03-02, 03-08] no longer holds the orders of 03-01.
    assert scorecard(warehouse, "2024-03-08", 7, cancel) == (0, 0, None, False)

    vtr = rate_columns("valid_tracking_rate")
    assert scorecard(warehouse, "2024-03-02", 30, vtr) == (24, 25, Decimal("0.960000"), False)
    assert scorecard(warehouse, "2024-03-03", 30, vtr) == (25, 25, Decimal("1.000000"), False)

    otdr = rate_columns("on_time_delivery_rate")
    assert scorecard(warehouse, "2024-03-07", 14, otdr) == (0, 0, None, False)
    assert scorecard(warehouse, "2024-03-08", 14, otdr) == (24, 24, Decimal("1.000000"), False)
    assert scorecard(warehouse, "2024-03-09", 14, otdr) == (24, 25, Decimal("0.960000"), True)


def test_at_risk_flag_names_the_metrics_and_windows_that_breached(warehouse):
    reasons = dict(
        warehouse.execute(
            "select as_of_date, any_value(at_risk_reasons) from marts.fct_seller_scorecards"
            " where seller_id = 'S-9' group by as_of_date order by as_of_date"
        ).fetchall()
    )
    assert reasons == {
        date(2024, 3, 1): "pre_fulfilment_cancel_rate@7d",
        **{
            date(
                2024, 3, day
            ): "pre_fulfilment_cancel_rate@7d, late_shipment_rate@10d, late_shipment_rate@30d"
            for day in range(2, 8)
        },
        date(2024, 3, 8): "late_shipment_rate@10d, late_shipment_rate@30d",
        date(
            2024, 3, 9
        ): "late_shipment_rate@10d, on_time_delivery_rate@14d, late_shipment_rate@30d",
    }
    assert one(
        warehouse,
        "select is_at_risk, is_breached, breached_metrics from marts.fct_seller_scorecards"
        " where seller_id = 'S-9' and as_of_date = date '2024-03-09' and window_days = 14",
    ) == (True, True, "on_time_delivery_rate@14d")
    # Every window row of an as-of day carries the day's account status; 90 days: no target.
    assert one(
        warehouse,
        "select is_at_risk, is_breached from marts.fct_seller_scorecards"
        " where seller_id = 'S-9' and as_of_date = date '2024-03-09' and window_days = 90",
    ) == (True, False)
    # One row per seller x platform x day (03-01..03-09, the last checkpoint) x window.
    assert one(
        warehouse,
        "select count(*), count(distinct window_days) from marts.fct_seller_scorecards"
        " where seller_id = 'S-9'",
    ) == (9 * 5, 5)


def test_inventory_days_of_cover_stockouts_and_excess(warehouse):
    rows = warehouse.execute(
        "select snapshot_date, on_hand, inbound_in_transit, units_sold, units_sold_28d,"
        " days_in_window, days_of_cover, is_stockout, stockout_days_28d, is_excess"
        " from marts.fct_inventory_daily where sku = 'SKU-WH-1' order by snapshot_date"
    ).fetchall()
    assert rows == [
        (date(2024, 3, 1), 20, 40, 2, 2, 1, Decimal("10.00"), False, 0, False),
        (date(2024, 3, 2), 16, 40, 4, 6, 2, Decimal("5.33"), False, 0, False),
        (date(2024, 3, 3), 0, 40, 6, 12, 3, Decimal("0.00"), True, 1, False),
        (date(2024, 3, 4), 0, 40, 0, 12, 4, Decimal("0.00"), False, 1, False),
        (date(2024, 3, 5), 200, 0, 3, 15, 5, Decimal("66.67"), False, 1, False),
    ]
    assert one(
        warehouse,
        "select sell_through_rate_28d, avg_daily_units_sold_28d from marts.fct_inventory_daily"
        " where sku = 'SKU-WH-1' and snapshot_date = date '2024-03-05'",
    ) == (Decimal("0.0698"), Decimal("3.0000"))
    assert one(
        warehouse,
        "select days_of_cover, is_excess from marts.fct_inventory_daily"
        " where sku = 'SKU-WH-2' and snapshot_date = date '2024-03-05'",
    ) == (Decimal("2500.00"), True)


def test_product_versions_when_category_and_hs_code_change(warehouse):
    rows = warehouse.execute(
        "select version_number, product_category, hs_code, valid_from, valid_to, is_current,"
        " order_lines from marts.dim_products where sku = 'SKU-P-1' order by version_number"
    ).fetchall()
    assert rows == [
        (1, "toys", "950300", datetime(2024, 3, 1, 8), datetime(2024, 3, 3, 8), False, 1),
        (2, "toys", "950490", datetime(2024, 3, 3, 8), datetime(2024, 3, 5, 8), False, 2),
        (3, "games", "950490", datetime(2024, 3, 5, 8), None, True, 1),
    ]
    # Every other SKU of the fixture never changes: one current version each.
    assert one(
        warehouse,
        "select count(*), count(distinct sku), bool_and(is_current) from marts.dim_products"
        " where sku != 'SKU-P-1'",
    ) == (35, 35, True)


def test_sellers_carriers_and_country_dates(warehouse):
    assert one(
        warehouse,
        "select ship_from_country, orders, cancelled_orders, domestic_orders, first_order_at"
        " from marts.dim_sellers where seller_id = 'S-8' and platform = 'shopify'",
    ) == ("CN", 11, 1, 6, datetime(2024, 3, 1, 8))
    assert one(
        warehouse,
        "select carrier_name, headquarters_country, shipments from marts.dim_carriers"
        " where carrier = 'ups'",
    ) == ("UPS", "US", 4 + 25)
    assert warehouse.execute(
        "select date_day, is_public_holiday, holiday_name, is_business_day"
        " from marts.dim_country_dates"
        " where country = 'US' and date_day between date '2024-07-04' and date '2024-07-06'"
        " order by date_day"
    ).fetchall() == [
        (date(2024, 7, 4), True, "Independence Day", False),
        (date(2024, 7, 5), False, None, True),
        (date(2024, 7, 6), False, None, False),
    ]


def test_marts_have_enforced_contracts_with_typed_described_columns():
    marts = DBT_PROJECT_DIR / "models" / "marts"
    models = {}
    for area in ("core", "marketplace", "sellers", "inventory"):
        for path in (marts / area).glob("*.yml"):
            models.update({m["name"]: m for m in yaml.safe_load(path.read_text())["models"]})
    assert set(MY_MARTS) <= set(models)
    for name, model in models.items():
        assert model["config"]["contract"]["enforced"] is True, name
        assert model.get("description"), name
        for column in model["columns"]:
            assert column.get("data_type") and column.get("description"), (name, column["name"])


def test_gates_pass_on_the_marts(warehouse):
    for mart in MY_MARTS:
        frame = warehouse.sql(f"select * from marts.{mart}").df()
        result = validate(frame, SUITES[mart](), batch=f"marts.{mart}")
        assert result.success, mart
