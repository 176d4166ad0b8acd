"""Forecast accuracy and replenishment advice, built by dbt on a copy of the session's fixture
warehouse (tests/conftest.py `fixture_build`) with this module's demand and stock added.

1. Order lines (SKU-RP-1 sold cross-border CN -> US, SKU-RP-2 only domestically in the US) and
   WH-US-01 stock reports land in the copied lake; `dbt build` of the inventory mart and the
   `forecast` tag runs with the forecast tables still empty (as the first `make run` build does).
2. Forecast rows are inserted into forecasts.* of the build file, as the refresh writes them, and
   `dbt build --select tag:forecast` runs again (as the refresh does after writing).

Expected values are computed here from the rows written below, the transit times of the fixture
lake's CN -> US shipments (hand-made: 4.0, 7.5 and 5.0 days) checked against an independent query
of the journeys, and z from Python's statistics.NormalDist.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from crossdock.config import Settings
from crossdock.warehouse import commit_build_batch, prepare_lake, run_dbt, stage_build_batch
from ingestion import inventory_report_csv
from quality.gates import validate
from quality.suites.marts import SUITES
from tests.test_dbt_project import ORDER_LINE_SCHEMA, d, order_line, ts, write_lake_file

MARTS = (
    "fct_forecast_accuracy",
    "fct_forecast_accuracy_weekly",
    "fct_lane_lead_times",
    "fct_replenishment_advice",
)
Z_975 = 1.959963984540054

# Demand of the series SKU-RP-1|US (placed lines, CN -> US) by UTC order day; a cancelled line of
# 10 units on 03-01 and 9 units to GB on 03-02 are not part of it.
RP1_US = {"2024-02-26": 3, "2024-02-28": 5, "2024-03-01": 4, "2024-03-02": 6}
RP2_US = {"2024-03-01": 2, "2024-03-02": 1}  # domestic US -> US only: no export origin
STOCK = {  # sku: (on_hand, reserved, inbound) on WH-US-01's latest report, 2024-03-02
    "SKU-RP-1": (10, 2, 5),
    "SKU-RP-2": (4, 0, 0),
    "SKU-AMZ-1001-1": (1, 0, 0),
}
FIXTURE_TRANSIT_DAYS = [4.0, 7.5, 5.0]  # 1Z001..1Z003, the fixture lake's CN -> US lane


def write_demand_and_stock(lake: Path) -> None:
    cross_border = {"sku": "SKU-RP-1", "platform": "shopify", "seller_id": "S-7"}
    lines = [
        order_line(
            f"SHP-7{day[-2:]}", 1, units, 5.0, ordered_at=ts(day + "T10:00:00"), **cross_border
        )
        for day, units in RP1_US.items()
    ]
    lines += [
        order_line(
            "SHP-7901",
            1,
            10,
            5.0,
            ordered_at=ts("2024-03-01T11:00:00"),
            order_status="cancelled",
            **cross_border,
        ),
        order_line(
            "SHP-7902",
            1,
            9,
            5.0,
            ordered_at=ts("2024-03-02T11:00:00"),
            ship_to_country="GB",
            **cross_border,
        ),
    ]
    lines += [
        order_line(
            f"SHP-78{day[-2:]}",
            1,
            units,
            5.0,
            sku="SKU-RP-2",
            platform="shopify",
            seller_id="S-7",
            ordered_at=ts(day + "T12:00:00"),
            ship_from_country="US",
        )
        for day, units in RP2_US.items()
    ]
    write_lake_file(
        lake, "marketplace_order_lines", "2024-03-02", "orders_s7.csv", lines, ORDER_LINE_SCHEMA
    )
    snapshots = [
        {
            "snapshot_date": d(day),
            "warehouse_id": "WH-US-01",
            "warehouse_country": "US",
            "sku": sku,
            "on_hand": on_hand + (50 if day == "2024-03-01" else 0),  # the older report
            "reserved": reserved,
            "inbound": inbound,
            "unsellable": None,
        }
        for day in ("2024-03-01", "2024-03-02")
        for sku, (on_hand, reserved, inbound) in STOCK.items()
    ]
    write_lake_file(
        lake,
        "inventory_snapshots",
        "2024-03-02",
        "inventory_WH-US-01.csv",
        snapshots,
        inventory_report_csv.CONTRACT.polars_schema(),
    )


@dataclass(frozen=True)
class Forecast:
    run: str
    cutoff: date
    sku: str
    model: str
    chosen: bool
    target: date
    units: float
    sd: float  # the day's standard deviation: intervals are units +- z * sd

    def row(self) -> tuple:
        z80 = statistics.NormalDist().inv_cdf(0.9)
        return (
            self.run,
            self.cutoff,
            f"{self.sku}|US",
            self.sku,
            "US",
            self.target,
            (self.target - self.cutoff).days,
            self.model,
            self.chosen,
            self.units,
            max(self.units - z80 * self.sd, 0.0),
            self.units + z80 * self.sd,
            max(self.units - Z_975 * self.sd, 0.0),
            self.units + Z_975 * self.sd,
        )


def forecast_rows() -> list[Forecast]:
    """r-old (cutoff 02-25): SKU-RP-1 by AutoETS (chosen, 4 a day, sd 1.5) and SeasonalNaive
    (3 a day, sd 0.5), 14 days. r-new (cutoff 03-02): SKU-RP-1 by AutoETS, 5 + h % 3 a day
    with sd 1 + 0.1 h; SKU-AMZ-1001-1 by CrostonOptimized, 0.5 a day with sd 0.75. SKU-RP-2
    has no forecast."""
    rows = []
    old, new = date(2024, 2, 25), date(2024, 3, 2)
    for h in range(1, 15):
        rows.append(
            Forecast("r-old", old, "SKU-RP-1", "AutoETS", True, old + timedelta(h), 4.0, 1.5)
        )
        rows.append(
            Forecast("r-old", old, "SKU-RP-1", "SeasonalNaive", False, old + timedelta(h), 3.0, 0.5)
        )
        rows.append(
            Forecast(
                "r-new",
                new,
                "SKU-RP-1",
                "AutoETS",
                True,
                new + timedelta(h),
                5.0 + h % 3,
                1 + 0.1 * h,
            )
        )
        rows.append(
            Forecast(
                "r-new",
                new,
                "SKU-AMZ-1001-1",
                "CrostonOptimized",
                True,
                new + timedelta(h),
                0.5,
                0.75,
            )
        )
    return rows


def insert_forecasts(build_path: Path, rows: list[Forecast]) -> None:
    with duckdb.connect(str(build_path)) as con:
        con.executemany(
            "insert into forecasts.forecast_runs values (?, ?, ?, 14, 7, ?, ?, 'x', 1.0)",
            [
                ("r-old", date(2024, 2, 25), datetime(2024, 2, 25, 6), "AutoETS,SeasonalNaive", 1),
                ("r-new", date(2024, 3, 2), datetime(2024, 3, 2, 6), "AutoETS,CrostonOptimized", 2),
            ],
        )
        con.executemany(
            "insert into forecasts.forecasts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [f.row() for f in rows],
        )
        con.execute(
            "insert into forecasts.backtest_accuracy values"
            " ('r-new', date '2024-03-02', 'SKU-RP-1|US', 'SKU-RP-1', 'US', 'AutoETS', true,"
            "  3, 0.8, 0.3, -0.05, 0.79, 0.94)"
        )


def dbt(settings: Settings, *args: str) -> None:
    proc = run_dbt(settings, *args)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


@dataclass
class Built:
    before: dict[str, list[dict]]  # the marts built while the forecast tables were empty
    con: duckdb.DuckDBPyConnection


@pytest.fixture(scope="module")
def built(fixture_build: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    settings = Settings(home=tmp_path_factory.mktemp("planning"))
    shutil.copytree(fixture_build.lake, settings.lake)
    settings.build_dir.mkdir(parents=True)
    shutil.copyfile(fixture_build.build_path, settings.build_path)
    write_demand_and_stock(settings.lake)
    prepare_lake(settings.lake)
    with duckdb.connect(str(settings.build_path)) as con:
        # the added files are this build's batch, as `crossdock build` stages them
        stage_build_batch(settings, con, full_refresh=False)
    # Rebuild what reads the added lake files, then the planning models, forecast tables empty
    # (the session's full build ran the tests; the unit tests run in every full build).
    dbt(settings, "run", "--select", "+fct_inventory_daily", "tag:forecast")
    with duckdb.connect(str(settings.build_path)) as con:
        commit_build_batch(con)
    with duckdb.connect(str(settings.build_path), read_only=True) as con:
        before = {m: rows(con, f"select * from marts.{m} order by all") for m in MARTS}
    insert_forecasts(settings.build_path, forecast_rows())
    # What the refresh runs after writing (data tests included); lanes of 3 shipments suffice.
    dbt(
        settings,
        "build",
        "--select",
        "tag:forecast",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps({"replenishment_min_lane_shipments": 3}),
    )
    con = duckdb.connect(str(settings.build_path), read_only=True)
    yield Built(before, con)
    con.close()


# ---------------------------------------------------------------------------------------------
# Expected values, computed here


def daily_units(series: dict[str, int], first: date, last: date) -> list[int]:
    days = (last - first).days + 1
    return [series.get((first + timedelta(i)).isoformat(), 0) for i in range(days)]


def independent_lead_times(con: duckdb.DuckDBPyConnection, destination: str) -> list[float]:
    """Transit days of delivered cross-border crossdock shipments into `destination`, from the
    milestone timestamps (not the mart's transit_days)."""
    return [
        r[0]
        for r in con.execute(
            "select epoch(delivered_at - handed_to_carrier_at) / 86400.0"
            " from marts.fct_shipment_journeys where source_system = 'crossdock'"
            " and delivered_at is not null and origin_country != destination_country"
            " and destination_country = ? order by 1",
            [destination],
        ).fetchall()
    ]


def expected_advice(d_units: float, sd_units: float, lt: list[float], position: int, z: float):
    mean_lt, sd_lt = statistics.mean(lt), statistics.stdev(lt)
    ss = z * math.sqrt(mean_lt * sd_units**2 + d_units**2 * sd_lt**2)
    rop = d_units * mean_lt + ss
    up_to = rop + 7 * d_units
    order = math.ceil(up_to - position) if position <= rop else 0
    return ss, rop, order


def close(value: Decimal | float | None, expected: float, cents: float = 0.006) -> bool:
    return value is not None and abs(float(value) - expected) <= cents


# ---------------------------------------------------------------------------------------------
# Tests


def test_marts_build_on_empty_forecast_tables_with_the_trailing_sales_fallback(built: Built):
    assert built.before["fct_forecast_accuracy"] == []
    assert built.before["fct_forecast_accuracy_weekly"] == []
    advice = {r["sku"]: r for r in built.before["fct_replenishment_advice"]}
    assert set(advice) == set(STOCK)
    # Default vars: a lane needs 30 shipments, the fixture has 3: the whole network's lead time.
    assert {
        (r["demand_basis"], r["lead_time_basis"], r["lead_time_shipments"]) for r in advice.values()
    } == {("trailing_sales", "network", 3)}
    # SKU-RP-1: the 6 days of demand data (02-26..03-02) up to the report, zero days included.
    units = daily_units(RP1_US, date(2024, 2, 26), date(2024, 3, 2))
    assert len(units) == 6
    rp1 = advice["SKU-RP-1"]
    assert rp1["daily_demand_units"] == pytest.approx(statistics.mean(units))
    assert rp1["daily_demand_sd_units"] == pytest.approx(statistics.stdev(units))
    assert rp1["forecast_run_id"] is None and rp1["forecast_days"] == 0


def test_lead_time_distribution_equals_an_independent_query(built: Built):
    measured = independent_lead_times(built.con, "US")
    assert measured == pytest.approx(sorted(FIXTURE_TRANSIT_DAYS))
    levels = {
        r["lead_time_basis"]: r for r in rows(built.con, "select * from marts.fct_lane_lead_times")
    }
    # The fixture's only cross-border lane is CN -> US: every level holds the same 3 shipments.
    assert set(levels) == {"lane", "destination", "network"}
    assert (levels["lane"]["origin_country"], levels["lane"]["destination_country"]) == ("CN", "US")
    for level in levels.values():
        assert level["shipments"] == len(measured)
        assert level["mean_days"] == pytest.approx(statistics.mean(measured))
        assert level["sd_days"] == pytest.approx(statistics.stdev(measured))
        assert level["p50_days"] == pytest.approx(statistics.median(measured))
    for sku, basis in (("SKU-RP-1", "lane"), ("SKU-RP-2", "destination")):
        row = rows(
            built.con,
            "select lead_time_basis, lead_time_shipments, lead_time_mean_days, lead_time_sd_days,"
            f" origin_country from marts.fct_replenishment_advice where sku = '{sku}'",
        )[0]
        assert row["lead_time_basis"] == basis, sku
        assert row["origin_country"] == ("CN" if basis == "lane" else None)
        assert row["lead_time_shipments"] == len(measured)
        assert row["lead_time_mean_days"] == pytest.approx(statistics.mean(measured))
        assert row["lead_time_sd_days"] == pytest.approx(statistics.stdev(measured))


def test_safety_stock_and_reorder_point_from_the_newest_chosen_forecast(built: Built):
    z = statistics.NormalDist().inv_cdf(0.95)
    lt = independent_lead_times(built.con, "US")
    window = math.ceil(statistics.mean(lt))  # 5.5 days: 03-03..03-08 of r-new, not r-old
    advice = {r["sku"]: r for r in rows(built.con, "select * from marts.fct_replenishment_advice")}
    assert set(advice) == set(STOCK)
    for sku in ("SKU-RP-1", "SKU-AMZ-1001-1"):
        days = [
            f
            for f in forecast_rows()
            if f.run == "r-new"
            and f.sku == sku
            and 1 <= (f.target - date(2024, 3, 2)).days <= window
        ]
        d_units = statistics.mean(f.units for f in days)
        sd_units = math.sqrt(statistics.mean(f.sd**2 for f in days))
        on_hand, reserved, inbound = STOCK[sku]
        position = on_hand - reserved + inbound
        ss, rop, order = expected_advice(d_units, sd_units, lt, position, z)
        row = advice[sku]
        assert (row["as_of_date"], row["demand_basis"], row["forecast_run_id"]) == (
            date(2024, 3, 2),
            "forecast",
            "r-new",
        ), sku
        assert row["forecast_days"] == window
        assert row["inventory_position"] == position
        assert row["z_score"] == pytest.approx(z, abs=1e-12)
        assert row["daily_demand_units"] == pytest.approx(d_units)
        assert row["daily_demand_sd_units"] == pytest.approx(sd_units)
        assert close(row["safety_stock_units"], ss), (sku, row["safety_stock_units"], ss)
        assert close(row["reorder_point_units"], rop), (sku, row["reorder_point_units"], rop)
        assert row["recommended_order_units"] == order, sku
        assert row["is_reorder"] is (order > 0)
        assert close(row["days_until_stockout"], on_hand / d_units)
    # SKU-RP-1 needs stock (position 13 against ~32 units of lead-time demand); the chosen
    # model's backtest comes along.
    assert advice["SKU-RP-1"]["recommended_order_units"] > 0
    assert (advice["SKU-RP-1"]["forecast_model"], advice["SKU-RP-1"]["backtest_mase"]) == (
        "AutoETS",
        0.8,
    )


def test_a_series_without_forecast_falls_back_to_trailing_sales(built: Built):
    row = rows(built.con, "select * from marts.fct_replenishment_advice where sku = 'SKU-RP-2'")[0]
    units = daily_units(RP2_US, date(2024, 2, 26), date(2024, 3, 2))  # from the first demand day
    assert row["demand_basis"] == "trailing_sales"
    assert row["daily_demand_units"] == pytest.approx(statistics.mean(units))
    assert row["daily_demand_sd_units"] == pytest.approx(statistics.stdev(units))
    ss, rop, order = expected_advice(
        statistics.mean(units),
        statistics.stdev(units),
        independent_lead_times(built.con, "US"),
        4,
        statistics.NormalDist().inv_cdf(0.95),
    )
    assert close(row["safety_stock_units"], ss) and close(row["reorder_point_units"], rop)
    assert row["recommended_order_units"] == order


def test_accuracy_joins_past_forecasts_to_the_demand_that_arrived(built: Built):
    last_day = date(2024, 3, 2)  # the newest order day in the lake
    expected = {}
    for f in forecast_rows():
        if f.target > last_day:
            continue
        actual = RP1_US.get(f.target.isoformat(), 0) if f.sku == "SKU-RP-1" else 0
        row = f.row()
        lo_80, hi_80, lo_95, hi_95 = row[10:]
        expected[(f.run, f.sku, f.model, f.target)] = (
            actual,
            f.units - actual,
            lo_80 <= actual <= hi_80,
            lo_95 <= actual <= hi_95,
        )
    # r-old's 6 days up to 03-02 (leap year) for two models; nothing of r-new yet.
    assert len(expected) == 12
    got = {
        (r["forecast_run_id"], r["sku"], r["model_name"], r["target_date"]): (
            r["actual_units"],
            r["forecast_error"],
            r["is_in_80"],
            r["is_in_95"],
        )
        for r in rows(built.con, "select * from marts.fct_forecast_accuracy")
    }
    assert got.keys() == expected.keys()
    for key, (actual, error, in_80, in_95) in expected.items():
        assert got[key][0] == actual, key
        assert got[key][1] == pytest.approx(error), key
        assert got[key][2:] == (in_80, in_95), key
    # The 80 % interval of AutoETS (4 +- 1.92) misses the zero days and 6 (02-27, 02-29, 03-02).
    assert sum(v[2] for k, v in got.items() if k[2] == "AutoETS") == 3


def test_weekly_accuracy_by_horizon_bucket(built: Built):
    accuracy = rows(built.con, "select * from marts.fct_forecast_accuracy")
    weekly = {
        r["model_name"]: r
        for r in rows(built.con, "select * from marts.fct_forecast_accuracy_weekly")
    }
    assert set(weekly) == {"AutoETS", "SeasonalNaive", "chosen"}
    for model, r in weekly.items():
        group = [
            a
            for a in accuracy
            if (a["is_chosen"] if model == "chosen" else a["model_name"] == model)
        ]
        actual = sum(a["actual_units"] for a in group)
        assert (r["target_week"], r["horizon_bucket"], r["forecasts"], r["actual_units"]) == (
            date(2024, 2, 26),  # a Monday; 02-26..03-02 are 1..6 days ahead of 02-25
            "h01-07",
            6,
            actual,
        )
        assert r["wape"] == pytest.approx(
            sum(abs(a["forecast_units"] - a["actual_units"]) for a in group) / actual
        )
        assert r["bias"] == pytest.approx(
            sum(a["forecast_units"] - a["actual_units"] for a in group) / actual
        )
        assert r["coverage_80"] == pytest.approx(sum(a["is_in_80"] for a in group) / 6)
    assert weekly["chosen"]["wape"] == pytest.approx(weekly["AutoETS"]["wape"])


def test_gates_pass_on_the_planning_marts(built: Built):
    for mart in MARTS:
        frame = built.con.sql(f"select * from marts.{mart}").df()
        assert len(frame) > 0, mart
        result = validate(frame, SUITES[mart](), batch=f"marts.{mart}")
        assert result.success, mart


def test_the_gate_catches_a_reorder_point_below_safety_stock(built: Built):
    frame = built.con.sql("select * from marts.fct_replenishment_advice").df()
    frame.loc[0, "reorder_point_units"] = frame.loc[0, "safety_stock_units"] - 0.01
    assert not validate(frame, SUITES["fct_replenishment_advice"](), batch="broken").success
