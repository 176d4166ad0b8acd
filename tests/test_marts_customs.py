"""Customs and landed-cost marts over a real build of a fixture lake; the simulator's de minimis.

The lake is tests/test_dbt_project.py's fixture plus the orders, shipments, declarations and
clearance events below (March 2025, EU and US). Expected values are computed by hand in the
docstrings; FX conversions are checked against currencyconverter (the ECB's own history) with
the latest fixing on or before the day.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from currency_converter import CurrencyConverter

from crossdock.config import Settings
from crossdock.warehouse import build
from simulator.generate import DE_MINIMIS, DESTS, DUTY_BY_CHAPTER, VAT, ZERO_DECIMAL, simulate
from tests.test_dbt_project import (
    CLEARANCE_SCHEMA,
    DECLARATION_SCHEMA,
    ORDER_LINE_SCHEMA,
    TRACKING_SCHEMA,
    checkpoint,
    order_line,
    ts,
    write_fixture_lake,
    write_lake_file,
)

SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "de_minimis_thresholds.csv"
COMPONENTS = ("goods_value", "freight_amount", "insurance_amount", "duty_amount", "vat_amount",
              "fee_amount")  # fmt: skip
CENT = Decimal("0.01")
ECB = CurrencyConverter(fallback_on_missing_rate=True, fallback_on_missing_rate_method="last_known")


def _seed_rows() -> list[dict[str, str]]:
    with SEED.open(newline="") as f:
        return list(csv.DictReader(f))


def _amount(text: str) -> float | None:
    return float(text) if text else None


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def per_eur(currency: str, on: date) -> float:
    """Units of currency per EUR: the ECB fixing of `on` or the latest one before it."""
    return 1.0 if currency == "EUR" else ECB.convert(1, "EUR", currency, date=on)


def cents(x: float) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


# --- the seed and the simulator's table ------------------------------------------------------


def test_simulator_de_minimis_table_mirrors_the_seed():
    seed = {
        r["de_minimis_threshold_id"]: (
            r["destination"],
            r["origin_country"] or None,
            _amount(r["duty_threshold_amount"]),
            _amount(r["tax_threshold_amount"]),
            r["threshold_currency"],
            _day(r["effective_from"]),
            _day(r["effective_to"]),
        )
        for r in _seed_rows()
    }
    table = {
        t.threshold_id: (
            t.destination,
            t.origin,
            None if t.duty_max is None else float(t.duty_max),
            None if t.tax_max is None else float(t.tax_max),
            t.currency,
            t.effective_from,
            t.effective_to,
        )
        for t in DE_MINIMIS
    }
    assert len(table) == len(DE_MINIMIS)
    assert table == seed


def test_seed_covers_every_simulated_destination_without_overlaps():
    rows = _seed_rows()
    assert all(r["source"].strip() for r in rows)
    eu = {"DE", "FR", "NL", "ES", "IT"}
    for dest in DESTS:
        key = "EU" if dest in eu else dest
        general = sorted(
            (_day(r["effective_from"]), _day(r["effective_to"]) or date.max)
            for r in rows
            if r["destination"] == key and not r["origin_country"]
        )
        assert general, dest
        # consecutive periods: each starts the day after the previous one ends
        for (_, end), (start, _) in itertools.pairwise(general):
            assert (start - end).days == 1, (dest, end, start)
        assert general[-1][1] == date.max, dest
    us = {r["de_minimis_threshold_id"]: r for r in rows if r["destination"] == "US"}
    assert us["US-ANY-2016"]["duty_threshold_amount"] == "800"
    assert us["US-ANY-2016"]["effective_to"] == "2025-08-28"
    assert us["US-ANY-2025"]["effective_from"] == "2025-08-29"
    assert us["US-ANY-2025"]["duty_threshold_amount"] == ""


# --- the simulator charges duty and VAT according to the seed --------------------------------


def _threshold(dest: str, origin: str, day: date) -> tuple[float | None, float | None]:
    """Duty and tax thresholds from the seed CSV (independently of the simulator's table)."""
    key = "EU" if dest in {"DE", "FR", "NL", "ES", "IT"} else dest
    rows = [
        r
        for r in _seed_rows()
        if r["destination"] == key
        and r["origin_country"] in ("", origin)
        and _day(r["effective_from"]) <= day <= (_day(r["effective_to"]) or date.max)
    ]
    rows.sort(key=lambda r: r["origin_country"] == "")  # a row for the origin wins
    if not rows:
        return None, None
    return _amount(rows[0]["duty_threshold_amount"]), _amount(rows[0]["tax_threshold_amount"])


def test_simulated_declarations_honour_de_minimis_around_the_us_suspension(tmp_path: Path):
    """Orders of 2025-08-22..2025-09-01: US declarations lodged up to 2025-08-28 from VN/TR/IN
    pay no duty, from 2025-08-29 they do; CN/HK goods pay since 2025-05-02; EU pays no duty up to
    EUR 150 but VAT on everything; CA nothing up to CAD 20; JP nothing up to JPY 10,000."""
    simulate(tmp_path, date(2025, 8, 22), date(2025, 9, 1), orders_per_day=250, seed=11)
    decl = pl.read_csv(tmp_path / "customs" / "declarations" / "*" / "*.csv", infer_schema=False)
    assert decl.height > 500
    vat = dict(zip(DESTS, VAT, strict=True))
    seen: set[tuple[str, bool]] = set()
    for r in decl.iter_rows(named=True):
        dest, origin, value = (
            r["destination_country"],
            r["origin_country"],
            float(r["declared_value"]),
        )
        day = datetime.fromisoformat(r["declared_at"]).astimezone(UTC).date()
        duty_max, tax_max = _threshold(dest, origin, day)
        digits = 0 if r["currency"] in ZERO_DECIMAL else 2
        rate = DUTY_BY_CHAPTER[r["hs_code"][:2]]
        duty = 0.0 if duty_max is not None and value <= duty_max else np.round(value * rate, digits)
        tax = (
            0.0
            if tax_max is not None and value <= tax_max
            else np.round((value + duty) * vat[dest], digits)
        )
        assert float(r["duty_amount"]) == duty, r
        assert float(r["vat_amount"]) == tax, r
        if rate > 0:
            seen.add((dest, duty == 0.0))
        if dest == "US" and rate > 0 and origin not in ("CN", "HK"):
            seen.add(("US after suspension", day >= date(2025, 8, 29) and duty > 0))
    # both sides of the rules occur, so the comparison above is not vacuous
    assert {("US", True), ("US", False), ("DE", True), ("US after suspension", True)} <= seen


# --- marts over a real build -----------------------------------------------------------------


def write_customs_lake(lake: Path) -> None:
    """March 2025 orders on top of the dbt fixture lake.

    LC-1 (EUR, Sat 03-08, CN -> DE, dhl standard): three lines of 10.00; declaration DC-1 on Tue
      03-11, value 30.00, duty 0 (de minimis), VAT 5.71; held, inspected, 36 h dwell.
    LC-2 (USD, Mon 03-10, CN -> US, ups express): one line 2 x 25.00; DC-2 on 03-12, de minimis
      (before 2025-05-02), duty and VAT 0; 4 h dwell.
    LC-3 (EUR, Sun 03-09, CN -> DE, dhl express): one line 200.00; DC-3 on 03-13, duty 9.40,
      VAT 39.79, 12 h dwell.
    """
    eu = {"currency": "EUR", "ship_to_country": "DE", "hs_code": "950300"}
    write_lake_file(
        lake,
        "marketplace_order_lines",
        "2025-03-10",
        "orders_amazon_20250310.csv",
        [
            *[
                order_line("LC-1", n, 1, 10.00, ordered_at=ts("2025-03-08T10:00:00"), **eu)
                for n in (1, 2, 3)
            ],
            order_line("LC-2", 1, 2, 25.00, ordered_at=ts("2025-03-10T10:00:00")),
            order_line("LC-3", 1, 1, 200.00, ordered_at=ts("2025-03-09T10:00:00"), **eu),
        ],
        ORDER_LINE_SCHEMA,
    )
    to_de = {"destination_country": "DE", "carrier": "dhl"}
    write_lake_file(
        lake,
        "carrier_tracking_events",
        "2025-03-13",
        "tracking_dhl_20250313.jsonl",
        [
            checkpoint(
                "LC1",
                "LC-1",
                "2025-03-09T08:00:00",
                "InfoReceived_001",
                **to_de,
                service="standard",
            ),
            checkpoint(
                "LC1", "LC-1", "2025-03-09T12:00:00", "InTransit_002", **to_de, service="standard"
            ),
            checkpoint("LC2", "LC-2", "2025-03-10T12:00:00", "InfoReceived_001"),
            checkpoint("LC2", "LC-2", "2025-03-11T08:00:00", "InTransit_002"),
            checkpoint("LC3", "LC-3", "2025-03-10T08:00:00", "InfoReceived_001", **to_de),
            checkpoint("LC3", "LC-3", "2025-03-10T12:00:00", "InTransit_002", **to_de),
        ],
        TRACKING_SCHEMA,
    )
    base = {"broker": "dsv", "hs_code": "950300", "goods_description": "toys", "incoterm": "DDP",
            "origin_country": "CN"}  # fmt: skip
    write_lake_file(
        lake,
        "customs_declarations",
        "2025-03-13",
        "declarations_dsv_20250313.csv",
        [
            {
                **base,
                "declaration_id": "DC-1",
                "tracking_number": "LC1",
                "order_id": "LC-1",
                "declared_at": ts("2025-03-11T09:00:00"),
                "declared_value": 30.00,
                "currency": "EUR",
                "destination_country": "DE",
                "duty_amount": 0.0,
                "vat_amount": 5.71,
            },
            {
                **base,
                "declaration_id": "DC-2",
                "tracking_number": "LC2",
                "order_id": "LC-2",
                "declared_at": ts("2025-03-12T10:00:00"),
                "declared_value": 50.00,
                "currency": "USD",
                "destination_country": "US",
                "duty_amount": 0.0,
                "vat_amount": 0.0,
            },
            {
                **base,
                "declaration_id": "DC-3",
                "tracking_number": "LC3",
                "order_id": "LC-3",
                "declared_at": ts("2025-03-13T08:00:00"),
                "declared_value": 200.00,
                "currency": "EUR",
                "destination_country": "DE",
                "duty_amount": 9.40,
                "vat_amount": 39.79,
            },
        ],
        DECLARATION_SCHEMA,
    )
    events = [
        ("DC-1", "2025-03-11T09:00:00", "LODGED"),
        ("DC-1", "2025-03-11T12:00:00", "HELD"),
        ("DC-1", "2025-03-12T09:00:00", "INSPECTED"),
        ("DC-1", "2025-03-12T21:00:00", "RELEASED"),
        ("DC-2", "2025-03-12T10:00:00", "LODGED"),
        ("DC-2", "2025-03-12T14:00:00", "RELEASED"),
        ("DC-3", "2025-03-13T08:00:00", "LODGED"),
        ("DC-3", "2025-03-13T20:00:00", "RELEASED"),
    ]
    write_lake_file(
        lake,
        "customs_clearance_events",
        "2025-03-13",
        "clearance_dsv_20250313.csv",
        [
            {"declaration_id": i, "event_at": ts(at), "status": s, "remarks": ""}
            for i, at, s in events
        ],
        CLEARANCE_SCHEMA,
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    settings = Settings(home=tmp_path_factory.mktemp("crossdock"))
    write_fixture_lake(settings.lake)
    write_customs_lake(settings.lake)
    build(settings)  # the pipeline's own build: lake placeholders, reference export, dbt build
    con = duckdb.connect(str(settings.build_path), read_only=True)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_declarations_de_minimis_and_fx(warehouse):
    got = {
        r["declaration_id"]: r
        for r in rows(warehouse, "select * from marts.fct_customs_declarations")
    }
    assert (got["DC-1"]["de_minimis_threshold_id"], got["DC-1"]["is_duty_de_minimis"],
            got["DC-1"]["is_tax_de_minimis"]) == ("EU-ANY-2021", True, False)  # fmt: skip
    assert (got["DC-2"]["de_minimis_threshold_id"], got["DC-2"]["is_de_minimis"]) == (
        "US-CN-2016",
        True,
    )
    assert (got["DC-3"]["de_minimis_threshold_id"], got["DC-3"]["is_de_minimis"]) == (
        "EU-ANY-2021",
        False,
    )
    assert got["D-1"]["de_minimis_threshold_id"] == "US-CN-2016"  # 2024: USD 800 still applies
    for r in got.values():
        on = r["declaration_date"]
        rate, usd = per_eur(r["currency"], on), per_eur("USD", on)
        assert r["currency_per_eur"] == rate and r["usd_per_eur"] == usd
        for amount in ("declared_value", "duty_amount", "vat_amount"):
            assert r[f"{amount}_eur"] == cents(float(r[amount]) / rate), (r, amount)
            assert r[f"{amount}_usd"] == cents(float(r[amount]) / rate * usd), (r, amount)


def test_weekly_clearance(warehouse):
    """DE chapter 95, week of 2025-03-10: DC-1 (36 h, held and inspected, de minimis) and DC-3
    (12 h). p50 = 24; p90 = 12 + 0.9 * (36 - 12) = 33.6; value 230.00 EUR, duty 9.40, VAT 45.50.
    US chapter 95 that week: DC-2 alone, 4 h, de minimis."""
    got = {
        (r["destination_country"], r["declaration_week"]): r
        for r in rows(
            warehouse, "select * from marts.fct_customs_clearance_weekly where hs_chapter = '95'"
        )
    }
    de = got[("DE", date(2025, 3, 10))]
    counts = ("declarations", "released_declarations", "held_declarations",
              "inspected_declarations", "de_minimis_declarations")  # fmt: skip
    assert tuple(de[c] for c in counts) == (2, 2, 1, 1, 1)
    assert (de["hold_rate"], de["inspection_rate"], de["de_minimis_share"]) == (0.5, 0.5, 0.5)
    assert (de["dwell_hours_p50"], de["dwell_hours_p90"]) == (Decimal("24.00"), Decimal("33.60"))
    assert (de["customs_value_eur"], de["duty_amount_eur"], de["vat_amount_eur"]) == (
        Decimal("230.00"),
        Decimal("9.40"),
        Decimal("45.50"),
    )
    assert de["effective_duty_rate"] == pytest.approx(9.40 / 230)
    assert de["effective_vat_rate"] == pytest.approx(45.50 / 230)
    us = got[("US", date(2025, 3, 10))]
    assert (us["declarations"], us["de_minimis_share"], us["dwell_hours_p50"],
            us["dwell_hours_p90"]) == (1, 1.0, Decimal("4.00"), Decimal("4.00"))  # fmt: skip
    # the 2024 fixture declarations: D-1 and D-3 (chapter 95) in the week of 2024-03-04
    old = got[("US", date(2024, 3, 4))]
    assert (old["declarations"], old["released_declarations"], old["dwell_hours_p50"]) == (
        2,
        1,
        Decimal("24.00"),
    )


def test_landed_costs_by_hand(warehouse):
    """LC-1, EUR, ordered Saturday 2025-03-08: the ECB USD rate is Friday's 1.0857. Freight
    (dhl standard cross-border) 12.00 USD = 11.05 EUR, broker fee 12.50 USD = 11.51 EUR. Thirds:
    freight 3.68 (line 1 takes the remainder: 3.69), fee 3.84 (line 1: 3.83), VAT 5.71 -> 1.90
    (line 1: 1.91), insurance 0.05 each. Line 1: 10 + 3.69 + 0.05 + 0 + 1.91 + 3.83 = 19.48;
    lines 2 and 3: 19.47; 58.42 in all. Line 1 in USD: 10.86 + 4.01 + 0.05 + 0 + 2.07 + 4.16.
    LC-2, USD, Monday 2025-03-10 (1.0845): 50 + 28 (ups express) + 0.25 + 0 + 0 + 12.50 = 90.75;
    in EUR 46.10 + 25.82 + 0.23 + 11.53 = 83.68."""
    assert per_eur("USD", date(2025, 3, 8)) == 1.0857
    assert per_eur("USD", date(2025, 3, 10)) == 1.0845
    got = {
        (r["order_id"], r["line_number"]): r
        for r in rows(warehouse, "select * from marts.fct_landed_costs where order_id like 'LC-%'")
    }
    cols = ("goods_value", "freight_amount", "insurance_amount", "duty_amount", "vat_amount",
            "fee_amount", "landed_cost")  # fmt: skip
    expected = {
        ("LC-1", 1): ("10.00", "3.69", "0.05", "0.00", "1.91", "3.83", "19.48"),
        ("LC-1", 2): ("10.00", "3.68", "0.05", "0.00", "1.90", "3.84", "19.47"),
        ("LC-1", 3): ("10.00", "3.68", "0.05", "0.00", "1.90", "3.84", "19.47"),
        ("LC-2", 1): ("50.00", "28.00", "0.25", "0.00", "0.00", "12.50", "90.75"),
    }
    for key, values in expected.items():
        assert tuple(got[key][c] for c in cols) == tuple(Decimal(v) for v in values), key
    assert got[("LC-1", 1)]["fx_rate_date"] == date(2025, 3, 7)
    assert got[("LC-1", 1)]["landed_cost_eur"] == Decimal("19.48")
    assert got[("LC-1", 1)]["landed_cost_usd"] == Decimal("21.15")
    assert got[("LC-2", 1)]["landed_cost_eur"] == Decimal("83.68")
    assert all(r["is_freight_estimated"] and r["has_customs_declaration"] for r in got.values())


def test_landed_costs_add_up_and_convert_at_the_ecb_rate(warehouse):
    lines = rows(warehouse, "select * from marts.fct_landed_costs")
    assert {r["order_id"] for r in lines} >= {"AMZ-1001", "EBY-3001", "LC-1", "LC-2", "LC-3"}
    assert "WMT-4001" not in {r["order_id"] for r in lines}  # cancelled
    for r in lines:
        assert r["landed_cost"] == sum(r[c] for c in COMPONENTS), r
        assert r["landed_cost_eur"] == sum(r[f"{c}_eur"] for c in COMPONENTS), r
        assert r["landed_cost_usd"] == sum(r[f"{c}_usd"] for c in COMPONENTS), r
        rate, usd = per_eur(r["currency"], r["order_date"]), per_eur("USD", r["order_date"])
        for c in COMPONENTS:
            assert r[f"{c}_eur"] == cents(float(r[c]) / rate), (r["order_line_id"], c)
            assert r[f"{c}_usd"] == cents(float(r[c]) / rate * usd), (r["order_line_id"], c)
        if r["ship_from_country"] == r["ship_to_country"]:  # domestic: no customs
            assert (r["duty_amount"], r["vat_amount"], r["fee_amount"]) == (0, 0, 0)


def test_allocations_sum_exactly_to_the_declarations(warehouse):
    (mismatches,) = warehouse.execute(
        """
        with lines as (
            select order_id, sum(duty_amount) as duty, sum(vat_amount) as vat
            from marts.fct_landed_costs group by 1
        ),
        declared as (
            select order_id, sum(duty_amount) as duty, sum(vat_amount) as vat
            from marts.fct_customs_declarations group by 1
        )
        select count(*) from lines join declared using (order_id)
        where lines.duty != declared.duty or lines.vat != declared.vat
        """
    ).fetchone()
    assert mismatches == 0
    (vat,) = warehouse.execute(
        "select sum(vat_amount) from marts.fct_landed_costs where order_id = 'LC-1'"
    ).fetchone()
    assert vat == Decimal("5.71")
