"""Seeded simulator of partner deliveries (marketplace, carrier, customs), docs/feeds.md layout.

Every order placed on UTC day D is simulated from its own random stream (seed, D): the whole life of
its shipment (checkpoints, declaration, clearance) is drawn up front, then only what happened up to
the end of the range (``end`` 23:59 UTC) is written. So a file of day D depends only on ``seed``,
``start`` and D, never on ``end``: re-running with the same start and a later end rewrites every
earlier file byte for byte (grow the landing by extending ``end``, not by moving ``start``).

Calibration (hard-coded, nothing is read at run time except crossdock/reference/countries.csv):
category mix and parcel weights from the Olist product catalogue (share of products per category,
median product_weight_g); line-haul spread from the Brunel AIR rate cards (tpt_day_cnt p50 2 days,
p90 3, rare tails up to 14 days).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl

from crossdock.config import REFERENCE_DIR
from simulator.calendar import demand_factor, spring_festival_shutdown
from simulator.faults import CP_OUT_OF_ORDER, FaultInjector, Faults

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]

DAY_S = 86_400
HOUR_S = 3_600
EPOCH = date(1970, 1, 1)
MAX_ORDERS_PER_DAY = 1_000_000  # keeps the id scrambles bijective (see _scramble)

# --- marketplaces -----------------------------------------------------------------------------

PLATFORMS = ("amazon", "shopify", "ebay", "walmart")
PLATFORM_PREFIX = ("AMZ", "SHP", "EBY", "WMT")
PLATFORM_P = (0.45, 0.25, 0.15, 0.15)

DESTS = ("US", "GB", "DE", "FR", "CA", "AU", "JP", "NL", "ES", "IT")
ORIGINS = ("CN", "HK", "VN", "TR", "IN")
COUNTRIES = DESTS + ORIGINS  # country index space: destinations first, then export origins
N_DEST = len(DESTS)
# Buyer country mix per platform (columns follow DESTS).
DEST_P = np.array(
    [
        [0.38, 0.13, 0.14, 0.07, 0.06, 0.03, 0.09, 0.03, 0.04, 0.03],  # amazon
        [0.45, 0.12, 0.08, 0.05, 0.09, 0.10, 0.03, 0.04, 0.02, 0.02],  # shopify
        [0.40, 0.22, 0.12, 0.04, 0.05, 0.10, 0.00, 0.01, 0.03, 0.03],  # ebay
        [0.92, 0.00, 0.00, 0.00, 0.08, 0.00, 0.00, 0.00, 0.00, 0.00],  # walmart
    ]
)
# Fixed standard-time UTC offsets in minutes (no DST).
UTC_OFFSET_MIN = np.array([-300, 0, 60, 60, -300, 600, 540, 60, 60, 60, 480, 480, 420, 180, 330])
FX_PER_USD = {"USD": 1.0, "GBP": 0.79, "EUR": 0.92, "CAD": 1.36, "AUD": 1.52, "JPY": 150.0}
ZERO_DECIMAL = {"JPY"}
# Local hour-of-day weights of order placement (evening peak) and Mon..Sun volume factors.
HOUR_W = np.array(
    [1.2, 0.7, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.6, 3.6, 4.2, 4.6,
     5.0, 4.9, 4.7, 4.6, 4.6, 4.8, 5.2, 6.0, 6.6, 6.5, 5.0, 2.8]
)  # fmt: skip
WEEKDAY_F = np.array([1.12, 1.0, 0.96, 0.94, 0.90, 0.94, 1.14])
WEEKDAY_F = WEEKDAY_F / WEEKDAY_F.mean()


@dataclass(frozen=True)
class Category:
    name: str  # Olist product category (English)
    share: float  # share of the Olist catalogue
    hs_code: str  # HS 2022 subheading
    usd_median: float  # median unit price
    grams: float  # Olist median product_weight_g
    abbr: str
    goods: str  # customs goods description


CATEGORIES = (
    Category("bed_bath_table", 0.092, "630231", 26.0, 1250, "BBT", "Cotton bed linen"),
    Category("sports_leisure", 0.087, "950691", 24.0, 750, "SPL", "Fitness and gym equipment"),
    Category("furniture_decor", 0.081, "940360", 42.0, 1200, "FDC", "Wooden home furniture"),
    Category("health_beauty", 0.074, "330499", 14.0, 523, "HBT", "Skin care preparations"),
    Category("housewares", 0.071, "732393", 18.0, 1050, "HSW", "Stainless steel kitchenware"),
    Category("auto", 0.058, "870829", 22.0, 900, "AUT", "Vehicle body accessories"),
    Category("computers_accessories", 0.050, "847160", 25.0, 400, "CMP", "Keyboards and mice"),
    Category("toys", 0.043, "950300", 17.0, 700, "TOY", "Toys and puzzles"),
    Category("watches_gifts", 0.040, "910211", 35.0, 350, "WTC", "Wrist watches"),
    Category("telephony", 0.034, "850440", 15.0, 200, "TEL", "Phone chargers and adapters"),
    Category("baby", 0.028, "611120", 16.0, 850, "BBY", "Cotton baby garments"),
    Category("perfumery", 0.026, "330300", 32.0, 400, "PRF", "Perfumes and toilet waters"),
    Category("cool_stuff", 0.024, "950590", 20.0, 1100, "COL", "Novelty and party articles"),
    Category("garden_tools", 0.023, "820190", 21.0, 1130, "GRD", "Garden hand tools"),
    Category("electronics", 0.016, "851830", 29.0, 250, "ELC", "Headphones and earphones"),
)
# Duty rate by HS chapter; import VAT / sales tax by destination (applied to value + duty).
DUTY_BY_CHAPTER = {
    "33": 0.05, "61": 0.12, "63": 0.12, "73": 0.032, "82": 0.017, "84": 0.0, "85": 0.027,
    "87": 0.045, "91": 0.045, "94": 0.027, "95": 0.0,
}  # fmt: skip
VAT = np.array([0.0, 0.20, 0.19, 0.20, 0.05, 0.10, 0.10, 0.21, 0.21, 0.22])  # follows DESTS


@dataclass(frozen=True)
class DeMinimis:
    """A de minimis row: value <= duty_max pays no duty, <= tax_max no import VAT / tax."""

    threshold_id: str
    destination: str  # ISO2, or "EU" for every member state
    origin: str | None  # ISO2 origin the row is limited to (wins over a row for every origin)
    duty_max: float | None  # None: no duty relief
    tax_max: float | None  # None: no tax relief
    currency: str
    effective_from: date
    effective_to: date | None  # inclusive; None: in force


# Mirrors dbt_project/seeds/de_minimis_thresholds.csv (sources there); a test checks they agree.
DE_MINIMIS = (
    DeMinimis("US-ANY-2015", "US", None, 200, 200, "USD", date(2015, 1, 1), date(2016, 3, 9)),
    DeMinimis("US-ANY-2016", "US", None, 800, 800, "USD", date(2016, 3, 10), date(2025, 8, 28)),
    DeMinimis("US-ANY-2025", "US", None, None, None, "USD", date(2025, 8, 29), None),
    DeMinimis("US-CN-2015", "US", "CN", 200, 200, "USD", date(2015, 1, 1), date(2016, 3, 9)),
    DeMinimis("US-CN-2016", "US", "CN", 800, 800, "USD", date(2016, 3, 10), date(2025, 5, 1)),
    DeMinimis("US-CN-2025", "US", "CN", None, None, "USD", date(2025, 5, 2), None),
    DeMinimis("US-HK-2015", "US", "HK", 200, 200, "USD", date(2015, 1, 1), date(2016, 3, 9)),
    DeMinimis("US-HK-2016", "US", "HK", 800, 800, "USD", date(2016, 3, 10), date(2025, 5, 1)),
    DeMinimis("US-HK-2025", "US", "HK", None, None, "USD", date(2025, 5, 2), None),
    DeMinimis("EU-ANY-2015", "EU", None, 150, 22, "EUR", date(2015, 1, 1), date(2021, 6, 30)),
    DeMinimis("EU-ANY-2021", "EU", None, 150, None, "EUR", date(2021, 7, 1), None),
    DeMinimis("GB-ANY-2021", "GB", None, 135, None, "GBP", date(2021, 1, 1), None),
    DeMinimis("CA-ANY-2015", "CA", None, 20, 20, "CAD", date(2015, 1, 1), None),
    DeMinimis("CA-US-2020", "CA", "US", 150, 40, "CAD", date(2020, 7, 1), None),
    DeMinimis("CA-MX-2020", "CA", "MX", 150, 40, "CAD", date(2020, 7, 1), None),
    DeMinimis("AU-ANY-2015", "AU", None, 1000, 1000, "AUD", date(2015, 1, 1), date(2018, 6, 30)),
    DeMinimis("AU-ANY-2018", "AU", None, 1000, None, "AUD", date(2018, 7, 1), None),
    DeMinimis("JP-ANY-2015", "JP", None, 10000, 10000, "JPY", date(2015, 1, 1), None),
)  # fmt: skip
EU_MEMBERS = frozenset(
    ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
     "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
)  # fmt: skip

# --- sellers ----------------------------------------------------------------------------------

N_SELLERS = 40
ORIGIN_P = (0.66, 0.12, 0.08, 0.07, 0.07)  # follows ORIGINS
SELLER_CITIES = {
    "CN": ("Shenzhen", "Guangzhou", "Yiwu", "Shanghai", "Ningbo", "Dongguan"),
    "HK": ("Hong Kong",),
    "VN": ("Ho Chi Minh City", "Hanoi"),
    "TR": ("Istanbul", "Izmir", "Bursa"),
    "IN": ("New Delhi", "Mumbai", "Bengaluru"),
}
EXPORT_HUBS = {
    "CN": ("Shenzhen", "Guangzhou", "Shanghai"),
    "HK": ("Hong Kong",),
    "VN": ("Ho Chi Minh City",),
    "TR": ("Istanbul",),
    "IN": ("New Delhi", "Mumbai"),
}
# Per destination: overseas warehouse, import gateway / domestic sort hub, buyer cities.
WAREHOUSES = {
    "US": ("Ontario CA", "Edison NJ"), "GB": ("Milton Keynes",), "DE": ("Leipzig",),
    "FR": ("Lyon",), "CA": ("Mississauga",), "AU": ("Sydney",), "JP": ("Chiba",),
    "NL": ("Venlo",), "ES": ("Madrid",), "IT": ("Piacenza",),
}  # fmt: skip
GATEWAYS = {
    "US": ("Los Angeles", "New York", "Chicago"), "GB": ("London Heathrow", "East Midlands"),
    "DE": ("Leipzig", "Frankfurt"), "FR": ("Paris",), "CA": ("Toronto", "Vancouver"),
    "AU": ("Sydney", "Melbourne"), "JP": ("Tokyo", "Osaka"), "NL": ("Amsterdam",),
    "ES": ("Madrid",), "IT": ("Milan",),
}  # fmt: skip
BUYER_CITIES = {
    "US": ("New York", "Los Angeles", "Chicago", "Houston", "Phoenix", "Seattle", "Atlanta"),
    "GB": ("London", "Manchester", "Birmingham", "Leeds", "Glasgow"),
    "DE": ("Berlin", "Hamburg", "Munich", "Cologne"),
    "FR": ("Paris", "Lyon", "Marseille", "Toulouse"),
    "CA": ("Toronto", "Montreal", "Vancouver", "Calgary"),
    "AU": ("Sydney", "Melbourne", "Brisbane", "Perth"),
    "JP": ("Tokyo", "Osaka", "Yokohama", "Nagoya"),
    "NL": ("Amsterdam", "Rotterdam", "Utrecht"),
    "ES": ("Madrid", "Barcelona", "Valencia"),
    "IT": ("Rome", "Milan", "Naples", "Turin"),
}

# --- carriers ---------------------------------------------------------------------------------

SERVICES = ("express", "standard", "economy")
CARRIERS = ("ups", "dhl", "fedex", "usps", "royal-mail", "yanwen", "cainiao", "4px")
# Lane classes: 0 US domestic, 1 GB domestic, 2 EU domestic, 3 CA/AU/JP domestic,
# 4 cross-border from CN/HK, 5 cross-border from VN/TR/IN. Rows: lane class * 3 + service.
CARRIER_P = np.array(
    [
        # ups  dhl  fedex usps  rm   yanwen cainiao 4px
        [0.50, 0.00, 0.50, 0.00, 0.00, 0.00, 0.00, 0.00],  # US express
        [0.25, 0.00, 0.15, 0.60, 0.00, 0.00, 0.00, 0.00],  # US standard
        [0.00, 0.00, 0.00, 1.00, 0.00, 0.00, 0.00, 0.00],  # US economy
        [0.30, 0.40, 0.00, 0.00, 0.30, 0.00, 0.00, 0.00],  # GB express
        [0.10, 0.15, 0.00, 0.00, 0.75, 0.00, 0.00, 0.00],  # GB standard
        [0.00, 0.00, 0.00, 0.00, 1.00, 0.00, 0.00, 0.00],  # GB economy
        [0.30, 0.50, 0.20, 0.00, 0.00, 0.00, 0.00, 0.00],  # EU express
        [0.30, 0.70, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],  # EU standard
        [0.00, 1.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],  # EU economy
        [0.35, 0.30, 0.35, 0.00, 0.00, 0.00, 0.00, 0.00],  # CA/AU/JP express
        [0.40, 0.30, 0.30, 0.00, 0.00, 0.00, 0.00, 0.00],  # CA/AU/JP standard
        [0.50, 0.00, 0.50, 0.00, 0.00, 0.00, 0.00, 0.00],  # CA/AU/JP economy
        [0.25, 0.45, 0.30, 0.00, 0.00, 0.00, 0.00, 0.00],  # CN/HK express
        [0.00, 0.00, 0.00, 0.00, 0.00, 0.30, 0.35, 0.35],  # CN/HK standard
        [0.00, 0.00, 0.00, 0.00, 0.00, 0.30, 0.50, 0.20],  # CN/HK economy
        [0.25, 0.50, 0.25, 0.00, 0.00, 0.00, 0.00, 0.00],  # VN/TR/IN express
        [0.30, 0.50, 0.20, 0.00, 0.00, 0.00, 0.00, 0.00],  # VN/TR/IN standard
        [0.40, 0.60, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],  # VN/TR/IN economy
    ]
)
SERVICE_P = np.array([[0.15, 0.75, 0.10], [0.18, 0.47, 0.35]])  # rows: domestic, cross-border
ECONOMY_MAX_GRAMS = 2_000  # heavier parcels are upgraded from economy to standard
# Median transit (pickup -> delivery, days) and log-sd per scope x service.
TRANSIT_MEDIAN = np.array([[1.0, 2.0, 3.0], [4.5, 8.5, 13.5]])
TRANSIT_SIGMA = np.array([[0.30, 0.30, 0.30], [0.20, 0.28, 0.28]])
# Promise (order date -> promised delivery date, days) per scope x service, before lane factor.
PROMISE_DAYS = np.array([[4.0, 5.0, 7.0], [10.0, 17.0, 25.0]])
# Cross-border lane factor on transit and promise (rows ORIGINS, columns DESTS).
LANE_F = np.array(
    [
        [1.00, 1.05, 1.05, 1.05, 1.05, 0.95, 0.70, 1.00, 1.10, 1.10],  # CN
        [0.95, 1.00, 1.00, 1.00, 1.00, 0.90, 0.65, 0.95, 1.05, 1.05],  # HK
        [1.05, 1.10, 1.10, 1.10, 1.10, 1.00, 0.75, 1.05, 1.15, 1.15],  # VN
        [1.15, 0.75, 0.70, 0.75, 1.20, 1.30, 1.20, 0.75, 0.80, 0.75],  # TR
        [1.10, 0.90, 0.95, 0.95, 1.15, 1.00, 1.00, 0.95, 1.00, 1.00],  # IN
    ]
)
HOLD_P = 0.08  # customs hold share of cross-border shipments
INSPECT_P = 0.40  # share of holds with a physical inspection
ATTEMPT_FAIL_P = 0.06
LOST_P = 0.005
TAIL_P = (0.02, 0.03)  # domestic / cross-border share with an extra line-haul delay
TAIL_MEAN_DAYS = (1.0, 3.0)
CANCEL_P = 0.02

# --- customs brokers --------------------------------------------------------------------------

BROKERS = (
    "flexport", "expeditors", "ch-robinson", "livingston", "dsv", "kuehne-nagel", "db-schenker",
    "geodis", "nippon-express",
)  # fmt: skip
BROKER_CODE = ("FLX", "EXD", "CHR", "LIV", "DSV", "KNG", "DBS", "GEO", "NEX")
_B = {name: i for i, name in enumerate(BROKERS)}
BROKER_P = np.zeros((N_DEST, len(BROKERS)))
for _dest, _choices in {
    "US": (("flexport", 0.45), ("expeditors", 0.35), ("ch-robinson", 0.20)),
    "GB": (("dsv", 0.55), ("kuehne-nagel", 0.45)),
    "DE": (("kuehne-nagel", 0.45), ("db-schenker", 0.35), ("dsv", 0.20)),
    "FR": (("geodis", 0.50), ("kuehne-nagel", 0.30), ("db-schenker", 0.20)),
    "CA": (("livingston", 0.65), ("ch-robinson", 0.35)),
    "AU": (("expeditors", 0.55), ("dsv", 0.45)),
    "JP": (("nippon-express", 0.70), ("kuehne-nagel", 0.30)),
    "NL": (("dsv", 0.50), ("kuehne-nagel", 0.50)),
    "ES": (("db-schenker", 0.55), ("dsv", 0.45)),
    "IT": (("db-schenker", 0.50), ("kuehne-nagel", 0.50)),
}.items():
    for _name, _p in _choices:
        BROKER_P[DESTS.index(_dest), _B[_name]] = _p
DDP_P = np.array([0.50, 0.85, 0.85, 0.85, 0.50, 0.80, 0.50, 0.85, 0.85, 0.85])  # follows DESTS
HOLD_REMARKS = (
    "Documents requested: commercial invoice",
    "Held for valuation review",
    "Selected for physical examination",
    "HS classification query",
)

# --- checkpoints ------------------------------------------------------------------------------

# Columns of the per-shipment event matrix, in time order: (tag, subtag, message, location slot).
# Location slots: 0 seller city or warehouse, 1 export hub or sort hub, 2 import gateway, 3 buyer.
EVENTS = (
    ("InfoReceived", "InfoReceived_001", "Shipment information received", 0),
    ("InTransit", "InTransit_002", "Shipment accepted by carrier", 0),
    ("InTransit", "InTransit_003", "Arrived at sorting facility", 1),
    ("InTransit", "InTransit_007", "Departed facility", 1),
    ("InTransit", "InTransit_004", "Arrived in destination country", 2),
    ("Exception", "Exception_004", "Held by customs, clearance delayed", 2),
    ("InTransit", "InTransit_005", "Customs clearance completed", 2),
    ("OutForDelivery", "OutForDelivery_001", "Out for delivery", 3),
    ("AttemptFail", "AttemptFail_001", "Delivery attempted, recipient not available", 3),
    ("OutForDelivery", "OutForDelivery_001", "Out for delivery", 3),
    ("Delivered", "Delivered_001", "Delivered", 3),
)
E_INFO, E_PICKUP, E_ARR, E_DEP, E_ARR_DEST, E_HELD, E_CLEARED, E_OFD, E_FAIL, E_OFD2, E_DLV = range(
    len(EVENTS)
)
N_EVENTS = len(EVENTS)


@dataclass(frozen=True)
class SimulationManifest:
    """Exact counts of what one `simulate` call wrote (files are paths relative to out_dir)."""

    start: date
    end: date
    seed: int
    orders_per_day: int
    orders: int
    order_lines: int
    cancelled_orders: int
    shipments: int  # shipments with at least one emitted checkpoint
    tracking_events: int  # checkpoints emitted
    delivered_shipments: int
    declarations: int
    clearance_events: int
    files: tuple[str, ...]
    # What `faults` injected (format in simulator/faults.py); empty, and absent from the JSON,
    # without faults.
    faults: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings, files as a list)."""
        d = asdict(self)
        d.update(start=self.start.isoformat(), end=self.end.isoformat(), files=list(self.files))
        if not self.faults:
            del d["faults"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SimulationManifest:
        return cls(
            **{
                **d,
                "start": date.fromisoformat(d["start"]),
                "end": date.fromisoformat(d["end"]),
                "files": tuple(d["files"]),
            }
        )

    @classmethod
    def read(cls, path: Path) -> SimulationManifest:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


# --- location tables: one flat list, (offset, count) per country index per table --------------

LOCATIONS: list[str] = []
_LOCATION_COUNTRY: list[int] = []


def _register(table: dict[str, tuple[str, ...]]) -> tuple[I64, I64]:
    offsets = np.zeros(len(COUNTRIES), dtype=np.int64)
    counts = np.ones(len(COUNTRIES), dtype=np.int64)
    for country, names in table.items():
        k = COUNTRIES.index(country)
        offsets[k], counts[k] = len(LOCATIONS), len(names)
        LOCATIONS.extend(names)
        _LOCATION_COUNTRY.extend([k] * len(names))
    return offsets, counts


LOC_SELLER, LOC_HUB, LOC_WAREHOUSE, LOC_GATEWAY, LOC_BUYER = (
    _register(t) for t in (SELLER_CITIES, EXPORT_HUBS, WAREHOUSES, GATEWAYS, BUYER_CITIES)
)
LOCATION_COUNTRY = np.array(_LOCATION_COUNTRY)  # every location lies in one country


# --- small vectorised helpers -----------------------------------------------------------------


def _pick(u: F64, p: Sequence[float] | F64) -> I64:
    """Categorical draw: index into p for each uniform u."""
    cum = np.cumsum(np.asarray(p, dtype=np.float64))
    return np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(cum) - 1)


def _pick_rows(u: F64, probs: F64) -> I64:
    """Categorical draw with one probability row per element (probs has shape (n, k))."""
    cum = np.cumsum(probs, axis=1)
    cum = cum / cum[:, -1:]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _pick_loc(u: F64, table: tuple[I64, I64], country: I64) -> I64:
    """Uniform pick among a table's names for each country; index into LOCATIONS."""
    offsets, counts = table
    return offsets[country] + np.minimum(
        (u * counts[country]).astype(np.int64), counts[country] - 1
    )


def _affine(n: I64, modulus: int, a: int, salt: int | I64) -> I64:
    top = int(n.max(initial=0))
    assert math.gcd(a, modulus) == 1 and top < modulus and max(top, modulus) * a < 2**64
    b = np.mod(np.asarray(salt, dtype=np.int64), modulus).astype(np.uint64)
    m = (n.astype(np.uint64) * np.uint64(a)) % np.uint64(modulus)
    return ((m + b) % np.uint64(modulus)).astype(np.int64)


def _scramble(n: I64, modulus: int, split: int, salt: int | I64) -> I64:
    """Bijection of [0, modulus): affine, swap the two digit blocks, affine again.

    Unique ids that do not look sequential; modulus must be divisible by split and <= ~1e12.
    """
    a1, a2 = 7_919_999, 15_485_863  # coprime with 2, 5 and 13, hence with every modulus here
    m = _affine(n, modulus, a1, salt)
    m = (m % split) * (modulus // split) + m // split
    return _affine(m, modulus, a2, np.asarray(salt) // 3)


def _morning(t: F64, off_s: F64, u: F64) -> F64:
    """07:30-10:00 local time on the local day of t."""
    day0 = np.floor((t + off_s) / DAY_S) * DAY_S
    return day0 + 7.5 * HOUR_S + u * 2.5 * HOUR_S - off_s


def _skip_sunday(t: F64, off_s: F64, mask: BOOL) -> F64:
    local_day = np.floor((t + off_s) / DAY_S).astype(np.int64)
    sunday = (local_day + 3) % 7 == 6  # 1970-01-01 was a Thursday
    return np.where(mask & sunday, t + DAY_S, t)


def _business_hours(t: F64, off_s: F64, u: F64) -> F64:
    """Move t into 09:00-19:00 local time (same day if before 09:00, else the next day)."""
    local = t + off_s
    tod = np.mod(local, DAY_S)
    day0 = local - tod
    opening = 9 * HOUR_S + u * 2 * HOUR_S
    moved = np.where(tod < 9 * HOUR_S, day0 + opening, day0 + DAY_S + opening)
    return np.where((tod >= 9 * HOUR_S) & (tod <= 19 * HOUR_S), local, moved) - off_s


def _lognormal(rng: np.random.Generator, median: F64 | float, sigma: F64 | float, n: int) -> F64:
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


def _money(x: F64, zero_decimal: BOOL) -> F64:
    return np.where(zero_decimal, np.round(x), np.round(x, 2))


def _name(col: str, values: Sequence[str]) -> pl.Expr:
    """Map an integer code column to names."""
    return pl.col(col).replace_strict(
        list(range(len(values))), list(values), return_dtype=pl.String
    )


def _digits(col: str, width: int) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.zfill(width)


def _offset_suffix(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_OFFSETS = sorted({int(m) for m in UTC_OFFSET_MIN})


def _iso(t: str = "_t", off: str = "_off") -> pl.Expr:
    """ISO 8601 with offset from UTC epoch seconds `t` and UTC offset minutes `off`."""
    local = pl.from_epoch(pl.col(t) + pl.col(off).cast(pl.Int64) * 60, time_unit="s")
    suffix = pl.col(off).replace_strict(
        _OFFSETS, [_offset_suffix(m) for m in _OFFSETS], return_dtype=pl.String
    )
    return pl.concat_str(local.dt.strftime("%Y-%m-%dT%H:%M:%S"), suffix)


def _utc_day(t: str = "_t") -> pl.Expr:
    return pl.from_epoch(pl.col(t) // DAY_S, time_unit="d")


# --- reference --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _country_ref() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(iso3 for COUNTRIES, currency for DESTS) from the shipped reference table."""
    ref = pl.read_csv(REFERENCE_DIR / "countries.csv", infer_schema=False)
    rows = {r["iso2"]: r for r in ref.select("iso2", "iso3", "currency").iter_rows(named=True)}
    iso3 = tuple(rows[c]["iso3"] for c in COUNTRIES)
    currency = tuple(rows[c]["currency"] for c in DESTS)
    missing = [c for c in currency if c not in FX_PER_USD]
    if missing:
        raise ValueError(f"no FX rate for buyer currencies {missing}")
    return iso3, currency


# --- catalogue: sellers and SKUs (depends on the seed only) -----------------------------------


@dataclass(frozen=True)
class _Catalog:
    origin: I64  # seller -> country index of its export origin
    weight: F64  # seller share of orders
    warehouse_share: F64  # share shipped from a warehouse in the buyer's country
    handling_days: F64  # median label -> hand-over to the carrier
    city: I64  # seller -> LOCATIONS index
    hub: I64  # seller -> export hub, LOCATIONS index
    sku_offset: I64  # seller -> first SKU index
    sku_count: I64
    sku_id: pl.Series
    sku_cat: I64
    sku_usd: F64
    sku_grams: F64


def _catalog(seed: int) -> _Catalog:
    rng = np.random.default_rng([seed, 0xCA7A])
    # Origins by quota (every origin is represented), shuffled over seller ids.
    quota = np.maximum(np.round(np.asarray(ORIGIN_P) * N_SELLERS).astype(np.int64), 1)
    quota[0] += N_SELLERS - quota.sum()
    origin = N_DEST + rng.permutation(np.repeat(np.arange(len(ORIGINS)), quota))
    weight = _lognormal(rng, 1.0, 0.8, N_SELLERS)
    warehouse_share = rng.beta(2.0, 6.0, N_SELLERS)
    late = rng.random(N_SELLERS) < 0.15  # slow sellers that often miss the dispatch deadline
    handling = np.where(late, rng.uniform(1.6, 2.4, N_SELLERS), rng.uniform(0.25, 0.9, N_SELLERS))
    city = _pick_loc(rng.random(N_SELLERS), LOC_SELLER, origin)
    hub = _pick_loc(rng.random(N_SELLERS), LOC_HUB, origin)
    sku_count = rng.integers(10, 41, N_SELLERS)
    sku_offset = np.concatenate([[0], np.cumsum(sku_count)[:-1]])
    n_sku = int(sku_count.sum())
    seller_of = np.repeat(np.arange(N_SELLERS), sku_count)
    # Each seller specialises in 2-4 categories (drawn by catalogue share), one per SKU.
    n_cats = rng.integers(2, 5, N_SELLERS)
    cat_p = [c.share for c in CATEGORIES]
    seller_cats = _pick(rng.random(N_SELLERS * 4), cat_p).reshape(N_SELLERS, 4)
    sku_cat = seller_cats[seller_of, (rng.random(n_sku) * n_cats[seller_of]).astype(np.int64)]
    med_usd = np.array([c.usd_median for c in CATEGORIES])
    med_g = np.array([c.grams for c in CATEGORIES])
    sku_usd = np.maximum(med_usd[sku_cat] * _lognormal(rng, 1.0, 0.45, n_sku), 1.5)
    sku_grams = np.maximum(med_g[sku_cat] * _lognormal(rng, 1.0, 0.5, n_sku), 20.0)
    rank = np.arange(n_sku) - sku_offset[seller_of] + 1
    abbr = [c.abbr for c in CATEGORIES]
    sku_id = (
        pl.DataFrame({"s": seller_of + 1, "c": sku_cat, "r": rank})
        .select(
            pl.concat_str(
                pl.lit("S"), _digits("s", 4), pl.lit("-"), _name("c", abbr), _digits("r", 4)
            )
        )
        .to_series()
    )
    return _Catalog(
        origin, weight, warehouse_share, handling, city, hub, sku_offset, sku_count, sku_id,
        sku_cat, sku_usd, sku_grams,
    )  # fmt: skip


# --- one day of orders and the whole life of their shipments -----------------------------------


def _simulate_day(day: date, orders_per_day: int, seed: int, cat: _Catalog) -> dict[str, Any]:
    """Orders placed on UTC day `day` and every future event of their shipments."""
    rng = np.random.default_rng([seed, day.toordinal()])
    epoch_day = (day - EPOCH).days
    n = int(rng.poisson(orders_per_day * WEEKDAY_F[day.weekday()] * demand_factor(day)))
    if n >= MAX_ORDERS_PER_DAY:
        raise ValueError(f"at most {MAX_ORDERS_PER_DAY - 1} orders per day are supported")
    u = rng.random((24, n))  # one uniform stream per decision; fixed layout keeps it reproducible
    _, currencies = _country_ref()

    # Orders: platform, buyer country, seller, local time of day (pattern), inside the UTC day.
    platform = _pick(u[0], PLATFORM_P)
    dest = _pick_rows(u[1], DEST_P[platform])
    seller = _pick(u[2], cat.weight)
    off_d = UTC_OFFSET_MIN[dest] * 60.0
    local_tod = _pick(u[3], HOUR_W) * HOUR_S + np.floor(u[4] * HOUR_S)
    ordered = epoch_day * DAY_S + np.mod(local_tod - off_d, DAY_S)
    order_local_day = np.floor((ordered + off_d) / DAY_S).astype("datetime64[D]")
    cancelled = u[5] < CANCEL_P
    domestic = u[6] < cat.warehouse_share[seller]
    xb = ~domestic
    origin = np.where(domestic, dest, cat.origin[seller])
    off_o = UTC_OFFSET_MIN[origin] * 60.0

    # Lines: 1-3 distinct SKUs of the seller, quantity 1-4, prices in the buyer's currency.
    n_lines = 1 + _pick(u[7], (0.80, 0.15, 0.05))
    line_order = np.repeat(np.arange(n), n_lines)
    n_l = line_order.size
    line_no = np.arange(n_l) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    cnt = cat.sku_count[seller]
    # First line skewed towards each seller's best sellers, further lines at a fixed stride.
    first = np.floor(cnt * u[8] ** 1.7).astype(np.int64)
    step = 1 + np.floor(u[9] * (cnt // 3)).astype(np.int64)
    rel = (first[line_order] + (line_no - 1) * step[line_order]) % cnt[line_order]
    sku = cat.sku_offset[seller[line_order]] + rel
    lu = rng.random((2, n_l))
    qty = 1 + _pick(lu[0], (0.75, 0.15, 0.06, 0.04))
    fx = np.array([FX_PER_USD[c] for c in currencies])[dest]
    zero_dec = np.array([c in ZERO_DECIMAL for c in currencies])[dest]
    raw = cat.sku_usd[sku] * fx[line_order] * _lognormal(rng, 1.0, 0.04, n_l)
    raw = np.where(lu[1] < 0.1, raw * (0.8 + lu[1]), raw)  # occasional promotion
    price = np.where(
        zero_dec[line_order], np.ceil(raw / 10) * 10, np.maximum(np.ceil(raw) - 0.01, 0.99)
    )
    line_value = qty * price
    order_value = _money(np.bincount(line_order, line_value, minlength=n), zero_dec)
    grams = np.bincount(line_order, qty * cat.sku_grams[sku], minlength=n)
    # Declared HS code: the most valuable line of the order.
    top_line = np.lexsort((-line_value, line_order))[np.cumsum(n_lines) - n_lines]
    main_cat = cat.sku_cat[sku[top_line]]

    # Service, carrier, dispatch deadline, promise.
    scope = xb.astype(np.int64)
    service = _pick_rows(u[10], SERVICE_P[scope])
    service = np.where((service == 2) & (grams > ECONOMY_MAX_GRAMS), 1, service)
    eu = np.isin(dest, [DESTS.index(c) for c in ("DE", "FR", "NL", "ES", "IT")])
    lane_class = np.where(
        xb,
        np.where(origin <= COUNTRIES.index("HK"), 4, 5),
        np.select([dest == DESTS.index("US"), dest == DESTS.index("GB"), eu], [0, 1, 2], 3),
    )
    carrier = _pick_rows(u[11], CARRIER_P[lane_class * 3 + service])
    lane_f = np.where(xb, LANE_F[np.maximum(origin - N_DEST, 0), dest], 1.0)
    ship_by = np.busday_offset(order_local_day, 2, roll="backward")
    promised = order_local_day + np.ceil(PROMISE_DAYS[scope, service] * lane_f).astype(np.int64)

    # Timeline in UTC epoch seconds (NaN: does not happen), columns as in EVENTS.
    t = np.full((n, N_EVENTS), np.nan)
    t[:, E_INFO] = ordered + HOUR_S * np.clip(_lognormal(rng, 3.0, 0.8, n), 0.15, 30.0)
    handling = np.clip(cat.handling_days[seller] * _lognormal(rng, 1.0, 0.5, n), 0.04, 3.0)
    t[:, E_PICKUP] = _business_hours(t[:, E_INFO] + handling * DAY_S, off_o, u[12])
    # Spring Festival: Chinese sellers hand nothing over until the shutdown ends (CN local days).
    from_cn = origin == COUNTRIES.index("CN")
    for year in (day.year, day.year + 1):
        first, last = spring_festival_shutdown(year)
        lo = (first - EPOCH).days * DAY_S - 8 * HOUR_S
        hi = (last - EPOCH).days * DAY_S + DAY_S - 8 * HOUR_S
        shut = from_cn & (t[:, E_PICKUP] >= lo) & (t[:, E_PICKUP] < hi)
        t[shut, E_PICKUP] = hi + HOUR_S * (9.0 + 8.0 * u[12][shut])
    transit = (
        DAY_S * lane_f
        * _lognormal(rng, TRANSIT_MEDIAN[scope, service], TRANSIT_SIGMA[scope, service], n)
    )  # fmt: skip
    tail_mean = np.where(xb, TAIL_MEAN_DAYS[1], TAIL_MEAN_DAYS[0])
    tail = np.where(
        u[13] < np.where(xb, TAIL_P[1], TAIL_P[0]), DAY_S * tail_mean * rng.exponential(1.0, n), 0.0
    )
    seg = rng.dirichlet((2.0, 2.0, 8.0, 1.0, 4.0), n) * transit[:, None]  # cross-border legs
    seg_dom = rng.dirichlet((2.0, 1.0, 5.0), n) * transit[:, None]  # domestic legs
    t[:, E_ARR] = t[:, E_PICKUP] + np.where(xb, seg[:, 0], seg_dom[:, 0])
    t[:, E_DEP] = t[:, E_ARR] + np.where(xb, seg[:, 1], seg_dom[:, 1])
    held = xb & (u[14] < HOLD_P)
    arr_dest = t[:, E_DEP] + seg[:, 2] + tail
    held_at = arr_dest + HOUR_S * (1.0 + 9.0 * u[15])
    dwell = DAY_S * (1.0 + 4.0 * u[16])
    cleared = np.where(held, held_at + dwell, arr_dest + seg[:, 3])
    t[:, E_ARR_DEST] = np.where(xb, arr_dest, np.nan)
    t[:, E_HELD] = np.where(held, held_at, np.nan)
    t[:, E_CLEARED] = np.where(xb, cleared, np.nan)
    last = np.where(xb, cleared, t[:, E_DEP])
    target = np.where(xb, cleared + seg[:, 4], t[:, E_DEP] + seg_dom[:, 2] + tail)
    no_sunday = service != 0  # only express delivers on Sundays
    ofd = _morning(target, off_d, u[17])
    ofd = _skip_sunday(np.where(ofd < last + HOUR_S, ofd + DAY_S, ofd), off_d, no_sunday)
    attempt = u[18] < ATTEMPT_FAIL_P
    fail = ofd + HOUR_S * np.clip(_lognormal(rng, 3.5, 0.55, n), 0.4, 10.5)
    ofd2 = _skip_sunday(_morning(fail + DAY_S, off_d, u[19]), off_d, no_sunday)
    t[:, E_OFD] = ofd
    t[:, E_FAIL] = np.where(attempt, fail, np.nan)
    t[:, E_OFD2] = np.where(attempt, ofd2, np.nan)
    t[:, E_DLV] = np.where(attempt, ofd2, ofd) + HOUR_S * np.clip(
        _lognormal(rng, 3.5, 0.55, n), 0.4, 10.5
    )

    # Whole minutes, strictly increasing along each row.
    t = np.floor(t / 60.0) * 60.0
    prev = np.full(n, -np.inf)
    for k in range(N_EVENTS):
        present = ~np.isnan(t[:, k])
        t[:, k] = np.where(present, np.maximum(t[:, k], prev + 60.0), np.nan)
        prev = np.where(present, t[:, k], prev)

    # Lost parcels: nothing after some checkpoint past the hand-over. Cancelled: no shipment.
    present = ~np.isnan(t)
    rank = np.cumsum(present, axis=1)
    keep_upto = np.where(u[20] < LOST_P, 2 + np.floor(u[21] * (present.sum(axis=1) - 2)), N_EVENTS)
    t[(rank > keep_upto[:, None]) | cancelled[:, None]] = np.nan

    # Customs: inspection inside the hold, broker, incoterm, hold reason.
    insp_at = np.floor((t[:, E_HELD] + dwell * (0.3 + 0.5 * u[23])) / 60.0) * 60.0
    insp_at = np.where(held & (u[22] < INSPECT_P), insp_at, np.nan)
    cu = rng.random((7, n))
    broker = _pick_rows(cu[0], BROKER_P[dest])
    ddp = cu[1] < DDP_P[dest]
    hold_remark = _pick(cu[2], np.ones(len(HOLD_REMARKS)))
    # Location per slot: seller city or warehouse, export hub or sort hub, gateway, buyer city.
    loc = np.stack(
        [
            np.where(domestic, _pick_loc(cu[3], LOC_WAREHOUSE, dest), cat.city[seller]),
            np.where(domestic, _pick_loc(cu[4], LOC_GATEWAY, dest), cat.hub[seller]),
            _pick_loc(cu[5], LOC_GATEWAY, dest),
            _pick_loc(cu[6], LOC_BUYER, dest),
        ],
        axis=1,
    )
    orders = {
        "epoch_day": np.full(n, epoch_day, dtype=np.int64),
        "seq": np.arange(n, dtype=np.int64),
        "platform": platform,
        "dest": dest,
        "origin": origin,
        "seller": seller,
        "cancelled": cancelled,
        "xb": xb,
        "service": service,
        "carrier": carrier,
        "ordered": ordered.astype(np.int64),
        "ship_by": ship_by,
        "promised": promised,
        "order_value": order_value,
        "main_cat": main_cat,
        "insp_at": insp_at,
        "broker": broker,
        "ddp": ddp,
        "hold_remark": hold_remark,
    }
    lines = {"order": line_order, "line_number": line_no, "sku": sku, "quantity": qty,
             "unit_price": price}  # fmt: skip
    return {"orders": orders, "lines": lines, "times": t, "loc": loc}


# --- assembling the feeds ---------------------------------------------------------------------


def _shipments_frame(o: dict[str, Any], seed: int) -> pl.DataFrame:
    """One row per order with its ids: order_id, tracking_number, declaration_id."""
    salt = int.from_bytes(hashlib.sha256(f"crossdock|{seed}".encode()).digest()[:6], "big")
    uid = o["epoch_day"] * MAX_ORDERS_PER_DAY + o["seq"]  # unique per order
    s10 = _scramble(uid, 26 * 26 * 10**9, 10**9, salt)  # UPU S10: 2 letters, 9 digits, country
    letters = [chr(65 + i) for i in range(26)]
    df = pl.DataFrame(
        {
            "platform": o["platform"],
            "carrier": o["carrier"],
            "service": o["service"],
            "broker": o["broker"],
            "day": o["epoch_day"],
            "sfx": _scramble(o["seq"], 10**7, 10**3, salt + o["epoch_day"] * 7_777),
            "m12": _scramble(uid, 10**12, 10**6, salt),
            "l1": s10 // 10**9 // 26,
            "l2": s10 // 10**9 % 26,
            "s9": s10 % 10**9,
            "dm": _scramble(uid, 10**12, 10**6, salt // 7),
        }
    )
    m12 = _digits("m12", 12)
    s10_str = pl.concat_str(_name("l1", letters), _name("l2", letters), _digits("s9", 9))
    c = pl.col("carrier")
    tracking = (
        pl.when(c == CARRIERS.index("ups"))
        .then(pl.concat_str(pl.lit("1ZA4"), _name("service", ("01", "03", "13")), m12))
        .when(c == CARRIERS.index("dhl")).then(pl.concat_str(pl.lit("JJD00499"), m12))
        .when(c == CARRIERS.index("fedex")).then(m12)
        .when(c == CARRIERS.index("usps")).then(pl.concat_str(pl.lit("9400110200"), m12))
        .when(c == CARRIERS.index("royal-mail")).then(pl.concat_str(s10_str, pl.lit("GB")))
        .when(c == CARRIERS.index("yanwen")).then(pl.concat_str(s10_str, pl.lit("CN")))
        .when(c == CARRIERS.index("cainiao")).then(pl.concat_str(pl.lit("LP00"), m12))
        .otherwise(pl.concat_str(pl.lit("4PX300"), m12, pl.lit("CN")))
    )  # fmt: skip
    return df.select(
        order_id=pl.concat_str(
            _name("platform", PLATFORM_PREFIX), pl.lit("-"),
            pl.from_epoch("day", time_unit="d").dt.strftime("%Y%m%d"), pl.lit("-"),
            _digits("sfx", 7),
        ),
        tracking_number=tracking,
        declaration_id=pl.concat_str(_name("broker", BROKER_CODE), _digits("dm", 12)),
    )  # fmt: skip


def _order_lines(o: dict[str, Any], ln: dict[str, Any], ids: pl.DataFrame, cat: _Catalog,
                 currencies: Sequence[str]) -> pl.DataFrame:  # fmt: skip
    li = ln["order"]
    df = pl.DataFrame(
        {
            "order_id": ids["order_id"].gather(li),
            "line_number": ln["line_number"],
            "platform": o["platform"][li],
            "seller": o["seller"][li] + 1,
            "sku": cat.sku_id.gather(ln["sku"]),
            "cat": cat.sku_cat[ln["sku"]],
            "quantity": ln["quantity"],
            "unit_price": ln["unit_price"],
            "dest": o["dest"][li],
            "origin": o["origin"][li],
            "_t": o["ordered"][li],
            "_off": UTC_OFFSET_MIN[o["dest"][li]],
            "ship_by_date": o["ship_by"][li],
            "promised_delivery_date": o["promised"][li],
            "cancelled": o["cancelled"][li],
        }
    )
    return (
        df.with_columns(_day=_utc_day())
        .sort("_t", "order_id", "line_number")
        .select(
            "order_id",
            pl.col("line_number").cast(pl.Int64),
            _name("platform", PLATFORMS).alias("platform"),
            pl.concat_str(pl.lit("SLR-"), _digits("seller", 4)).alias("seller_id"),
            "sku",
            _name("cat", [c.name for c in CATEGORIES]).alias("product_category"),
            _name("cat", [c.hs_code for c in CATEGORIES]).alias("hs_code"),
            pl.col("quantity").cast(pl.Int64),
            "unit_price",
            _name("dest", currencies).alias("currency"),
            _iso().alias("ordered_at"),
            pl.col("ship_by_date").cast(pl.Date),
            pl.col("promised_delivery_date").cast(pl.Date),
            _name("origin", COUNTRIES).alias("ship_from_country"),
            _name("dest", COUNTRIES).alias("ship_to_country"),
            pl.when("cancelled").then(pl.lit("cancelled")).otherwise(pl.lit("placed"))
            .alias("order_status"),
            "_day",
        )
    )  # fmt: skip


EVENT_SLOT = np.array([e[3] for e in EVENTS])


@dataclass(frozen=True)
class _ShipMeta:
    """Per shipment of one order day: what its webhook payloads need, kept until the last is out."""

    carrier: npt.NDArray[np.int8]
    service: npt.NDArray[np.int8]
    origin: npt.NDArray[np.int8]
    dest: npt.NDArray[np.int8]
    tracking_number: pl.Series
    order_id: pl.Series


@dataclass(frozen=True)
class _Checkpoints:
    """Emitted checkpoints of one order day delivered on one day, in (shipment, time) order."""

    k: int  # order day index
    row: npt.NDArray[np.int32]  # shipment within its order day
    ev: npt.NDArray[np.int8]  # EVENTS column
    t: I64  # UTC epoch seconds
    cday: npt.NDArray[np.int32]  # UTC epoch day of the checkpoint
    loc: npt.NDArray[np.int16]  # LOCATIONS index
    kind: npt.NDArray[np.int8] | None  # fault kind (faults.CP_*), None without faults


class _Tracking:
    """Webhook JSON lines: one payload per (shipment, UTC day) with that day's checkpoints.

    Checkpoints are buffered by delivery day (their UTC day, unless a fault delays them) as small
    numeric arrays; a delivery day's payloads are built and returned by `flush` once no later
    order day can add to it, and the shipments' ids are dropped once their last day is out.
    """

    def __init__(self, iso3: Sequence[str]) -> None:
        self.iso3 = iso3
        self.ev_frag = [
            f'", "tag": "{tag}", "subtag": "{sub}", "message": {json.dumps(msg)}, "location": '
            for tag, sub, msg, _ in EVENTS
        ]
        # Location fixes the country.
        self.loc_frag = [
            f'{json.dumps(name)}, "country_iso3": "{iso3[c]}"}}'
            for name, c in zip(LOCATIONS, LOCATION_COUNTRY.tolist(), strict=True)
        ]
        self.meta: dict[int, _ShipMeta] = {}
        self.last_day: dict[int, int] = {}
        self.buckets: dict[int, list[_Checkpoints]] = {}

    def add(self, k: int, o: dict[str, Any], ids: pl.DataFrame, times: F64, loc: I64,
            emitted: BOOL, delivery: Any = None) -> None:  # fmt: skip
        rows, cols = np.nonzero(emitted)  # row-major: per shipment, in time order
        if rows.size == 0:
            return
        t = times[rows, cols].astype(np.int64)
        cday = t // DAY_S
        cp_loc = loc[rows, EVENT_SLOT[cols]]
        deliver, kind = (cday, None) if delivery is None else delivery(k, rows, cday)
        by_day = np.argsort(deliver, kind="stable")  # keeps (shipment, time) order within a day
        deliver = deliver[by_day]
        bounds = np.flatnonzero(np.diff(deliver)) + 1
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, deliver.size], strict=True):
            sel = by_day[lo:hi]
            self.buckets.setdefault(int(deliver[lo]), []).append(
                _Checkpoints(
                    k,
                    rows[sel].astype(np.int32),
                    cols[sel].astype(np.int8),
                    t[sel],
                    cday[sel].astype(np.int32),
                    cp_loc[sel].astype(np.int16),
                    None if kind is None else kind[sel],
                )
            )
        small = {c: o[c].astype(np.int8) for c in ("carrier", "service", "origin", "dest")}
        self.meta[k] = _ShipMeta(**small, tracking_number=ids["tracking_number"],
                                 order_id=ids["order_id"])  # fmt: skip
        self.last_day[k] = int(deliver[-1])

    def flush(self, day: int) -> pl.DataFrame | None:
        """Payload lines delivered on epoch day `day`, in file order, with their carrier code.

        Columns: carrier, line, and with faults also tracking_number, cday, kind.
        """
        parts = self.buckets.pop(day, None)
        if not parts:
            self._release(day)
            return None
        faulted = parts[0].kind is not None
        ship = np.concatenate([p.k * MAX_ORDERS_PER_DAY + p.row.astype(np.int64) for p in parts])
        cp_loc = np.concatenate([p.loc for p in parts])
        cols: dict[str, Any] = {
            "ship": ship,
            "_t": np.concatenate([p.t for p in parts]),
            "_off": UTC_OFFSET_MIN[LOCATION_COUNTRY[cp_loc]],
            "ev": np.concatenate([p.ev for p in parts]),
            "loc": cp_loc,
        }
        keys = ["ship"]
        if faulted:
            cols["cday"] = np.concatenate([p.cday for p in parts])
            cols["kind"] = np.concatenate([p.kind for p in parts])
            keys = ["ship", "cday"]
        cp = pl.DataFrame(cols).select(
            *keys,
            *(["kind"] if faulted else []),
            "_t",
            cp=pl.concat_str(
                pl.lit('{"checkpoint_time": "'),
                _iso(),
                _name("ev", self.ev_frag),
                _name("loc", self.loc_frag),
            ),
        )
        pay = cp.group_by(keys, maintain_order=True).agg(
            pl.col("_t").first(), pl.col("cp").str.join(", "),
            *([pl.col("kind").first()] if faulted else []),
        )  # fmt: skip
        # Shipment ids and codes of the payloads, gathered per order day (payloads are in k order).
        ship = pay["ship"].to_numpy()
        ks, rows = ship // MAX_ORDERS_PER_DAY, ship % MAX_ORDERS_PER_DAY
        bounds = np.flatnonzero(np.diff(ks)) + 1
        segs = [
            (self.meta[int(ks[lo])], rows[lo:hi])
            for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, ks.size], strict=True)
        ]
        meta = pl.DataFrame(
            {
                "tn": pl.concat([m.tracking_number.gather(r) for m, r in segs]),
                "oid": pl.concat([m.order_id.gather(r) for m, r in segs]),
                **{
                    c: np.concatenate([getattr(m, f)[r] for m, r in segs]).astype(np.int64)
                    for c, f in (("c", "carrier"), ("s", "service"), ("og", "origin"),
                                 ("d", "dest"))
                },
            }
        )  # fmt: skip
        d = date.fromordinal(EPOCH.toordinal() + day)
        cday = (
            pl.from_epoch(pay["cday"], time_unit="d").dt.strftime("%Y-%m-%d")
            if faulted
            else pl.repeat(d.isoformat(), pay.height, eager=True)
        )
        meta = meta.with_columns(eid=_event_ids(meta["tn"], cday), cp=pay["cp"])
        iso3 = self.iso3
        pay = pay.with_columns(
            tracking_number=meta["tn"],
            carrier=meta["c"],
            line=meta.select(
                pl.concat_str(
                    pl.lit('{"event": "tracking_update", "event_id": "'), "eid",
                    pl.lit(f'", "sent_at": "{d.isoformat()}T23:59:00+00:00'),
                    pl.lit('", "msg": {"tracking_number": "'), "tn", pl.lit('", "slug": "'),
                    _name("c", CARRIERS), pl.lit('", "service_type": "'), _name("s", SERVICES),
                    pl.lit('", "order_id": "'), "oid", pl.lit('", "origin_country_iso3": "'),
                    _name("og", iso3), pl.lit('", "destination_country_iso3": "'),
                    _name("d", iso3), pl.lit('", "checkpoints": ['), "cp", pl.lit("]}}"),
                )
            ).to_series(),
        )  # fmt: skip
        self._release(day)
        if not faulted:
            return pay.sort("carrier", "_t", "tracking_number").select("carrier", "line")
        # Out-of-order payloads go after the sorted ones of their file.
        return pay.sort(
            "carrier", pl.col("kind") == CP_OUT_OF_ORDER, "_t", "tracking_number"
        ).select("carrier", "line", "tracking_number", "cday", "kind")

    def _release(self, day: int) -> None:
        for k in [k for k, last in self.last_day.items() if last <= day]:
            del self.meta[k], self.last_day[k]


def _event_ids(tracking_number: pl.Series, day_iso: pl.Series) -> pl.Series:
    """Webhook event ids: first 32 hex digits of sha256(tracking_number|UTC day).

    Hashed by DuckDB (vectorised, multi-threaded; the same digests as hashlib).
    """
    keys = pl.DataFrame({"tn": tracking_number, "day": day_iso})
    with duckdb.connect() as con:
        con.register("keys", keys)
        ids = con.sql("SELECT left(sha256(tn || '|' || day), 32) AS id FROM keys").pl()["id"]
    return ids.cast(pl.String)


def _de_minimis(dest: I64, origin: I64, epoch_day: F64, value: F64,
                currencies: Sequence[str]) -> tuple[F64, F64]:  # fmt: skip
    """Duty and tax de minimis thresholds in force on each declaration's UTC day, converted to
    the declaration currency; -inf where there is no relief.

    Rows for every origin are applied first, then origin-specific rows override them, as the
    dbt mart's precedence does. Thresholds in another currency convert at FX_PER_USD.
    """
    duty_max = np.full(value.size, -np.inf)
    tax_max = np.full(value.size, -np.inf)
    dest_iso = np.array(DESTS)[dest]
    origin_iso = np.array(COUNTRIES)[origin]
    cur = np.array(currencies)[dest]
    for row in sorted(DE_MINIMIS, key=lambda r: r.origin is not None):
        first = (row.effective_from - EPOCH).days
        last = np.inf if row.effective_to is None else (row.effective_to - EPOCH).days
        in_dest = (
            np.isin(dest_iso, sorted(EU_MEMBERS)) if row.destination == "EU"
            else dest_iso == row.destination
        )  # fmt: skip
        m = in_dest & (epoch_day >= first) & (epoch_day <= last)
        if row.origin is not None:
            m &= origin_iso == row.origin
        if not m.any():
            continue
        # threshold in the declaration currency
        fx = np.array([FX_PER_USD[c] for c in cur[m]]) / FX_PER_USD[row.currency]
        duty_max[m] = -np.inf if row.duty_max is None else row.duty_max * fx
        tax_max[m] = -np.inf if row.tax_max is None else row.tax_max * fx
    return duty_max, tax_max


def _declarations(o: dict[str, Any], ids: pl.DataFrame, times: F64, emitted: BOOL, end_s: int,
                  currencies: Sequence[str]) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Declarations (lodged at the departure scan) and their clearance events, up to the end.

    Both keep their sort keys (`_t`, and `_s` the status code) so that rows of several order days
    can be merged into one delivery day in the same order as a single sort would give.
    """
    d = np.nonzero(o["xb"] & emitted[:, E_DEP])[0]
    dest = o["dest"][d]
    value = o["order_value"][d]
    zero_dec = np.array([c in ZERO_DECIMAL for c in currencies])[dest]
    duty_rate = np.array([DUTY_BY_CHAPTER[c.hs_code[:2]] for c in CATEGORIES])[o["main_cat"][d]]
    duty_max, tax_max = _de_minimis(
        dest, o["origin"][d], times[d, E_DEP] // DAY_S, value, currencies
    )
    duty = np.where(value <= duty_max, 0.0, _money(value * duty_rate, zero_dec))
    vat = np.where(value <= tax_max, 0.0, _money((value + duty) * VAT[dest], zero_dec))
    base = pl.DataFrame(
        {
            "declaration_id": ids["declaration_id"].gather(d),
            "broker": o["broker"][d],
            "_off": UTC_OFFSET_MIN[dest],
        }
    )
    decl = (
        base.with_columns(
            tracking_number=ids["tracking_number"].gather(d),
            order_id=ids["order_id"].gather(d),
            _t=pl.Series(times[d, E_DEP].astype(np.int64)),
            cat=pl.Series(o["main_cat"][d]),
            declared_value=pl.Series(value),
            dest=pl.Series(dest),
            origin=pl.Series(o["origin"][d]),
            ddp=pl.Series(o["ddp"][d]),
            duty_amount=pl.Series(duty),
            vat_amount=pl.Series(vat),
        )
        .with_columns(_day=_utc_day())
        .sort("_t", "declaration_id")
        .select(
            "declaration_id", "tracking_number", "order_id", _iso().alias("declared_at"),
            _name("broker", BROKERS).alias("broker"),
            _name("cat", [c.hs_code for c in CATEGORIES]).alias("hs_code"),
            _name("cat", [c.goods for c in CATEGORIES]).alias("goods_description"),
            "declared_value", _name("dest", currencies).alias("currency"),
            pl.when("ddp").then(pl.lit("DDP")).otherwise(pl.lit("DAP")).alias("incoterm"),
            _name("origin", COUNTRIES).alias("origin_country"),
            _name("dest", COUNTRIES).alias("destination_country"),
            "duty_amount", "vat_amount", "_day", "_t",
        )
    )  # fmt: skip

    insp = o["insp_at"][d]
    n_hr = len(HOLD_REMARKS)
    remarks = [
        *HOLD_REMARKS,
        "Physical examination completed",
        "Released; duties and taxes prepaid",
        "Released; duties and taxes due from consignee",
    ]
    events = [  # (known by the end, time, status code, remark index)
        (np.ones(d.size, dtype=bool), times[d, E_DEP], 0, np.full(d.size, -1)),  # no remark
        (emitted[d, E_HELD], times[d, E_HELD], 1, o["hold_remark"][d]),
        (np.nan_to_num(insp, nan=np.inf) < end_s, insp, 2, np.full(d.size, n_hr)),
        (emitted[d, E_CLEARED], times[d, E_CLEARED], 3, n_hr + np.where(o["ddp"][d], 1, 2)),
    ]
    parts = [
        base.filter(pl.Series(m)).with_columns(
            _t=pl.Series(tt[m].astype(np.int64)),
            status=pl.lit(s, dtype=pl.Int64),
            remark=pl.Series(np.asarray(r)[m].astype(np.int64)),
        )
        for m, tt, s, r in events
    ]
    clr = (
        pl.concat(parts)
        .with_columns(_day=_utc_day())
        .sort("_t", "declaration_id", "status")
        .select(
            "declaration_id", _iso().alias("event_at"),
            _name("status", ("LODGED", "HELD", "INSPECTED", "RELEASED")).alias("status"),
            pl.col("remark")
            .replace_strict(range(len(remarks)), remarks, default=None, return_dtype=pl.String)
            .alias("remarks"),
            _name("broker", BROKERS).alias("broker"), "_day", "_t", pl.col("status").alias("_s"),
        )
    )  # fmt: skip
    return decl, clr


# --- writing ----------------------------------------------------------------------------------


TMP_DIR = ".simulator-tmp"  # under out_dir, outside every feed folder


def _write(out_dir: Path, rel: str, data: bytes) -> None:
    """Atomic write (temp file + rename); an identical existing file is left untouched."""
    path = out_dir / rel
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / TMP_DIR / rel.replace("/", "__")
    tmp.parent.mkdir(exist_ok=True)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _write_day_feed(out_dir: Path, df: pl.DataFrame, feed: str, stem: str, partner: str,
                    day: date, files: list[str], inj: FaultInjector | None,
                    drop: Sequence[str] = ()) -> None:  # fmt: skip
    """One CSV per partner for one UTC day: <feed>/<YYYY-MM-DD>/<stem>_<partner>_<YYYYMMDD>.csv."""
    if df.is_empty():
        return
    for (name,), part in df.partition_by(partner, as_dict=True).items():
        rel = f"{feed}/{day.isoformat()}/{stem}_{name}_{day:%Y%m%d}.csv"
        body = part.drop(*drop).write_csv(float_precision=2, date_format="%Y-%m-%d")
        outputs = [(rel, body.encode("utf-8"))] if inj is None else inj.csv_file(rel, day, body)
        for out_rel, data in outputs:
            _write(out_dir, out_rel, data)
            files.append(out_rel)


def _write_tracking_day(out_dir: Path, pay: pl.DataFrame | None, day: date, files: list[str],
                        inj: FaultInjector | None) -> None:  # fmt: skip
    if inj is not None:
        inj.tracking_day_started(day)
    if pay is None:
        return
    for (c,), part in pay.partition_by("carrier", as_dict=True).items():
        rel = f"carrier/tracking/{day.isoformat()}/tracking_{CARRIERS[c]}_{day:%Y%m%d}.jsonl"
        if inj is None:
            body = part.select("line").write_csv(include_header=False, quote_style="never")
            outputs = [(rel, body.encode("utf-8"))]
        else:
            outputs = inj.tracking_file(rel, day, part)
        for out_rel, data in outputs:
            _write(out_dir, out_rel, data)
            files.append(out_rel)


def _bucket(buf: dict[date, list[pl.DataFrame]], df: pl.DataFrame) -> None:
    for (day,), part in df.partition_by("_day", as_dict=True).items():
        buf.setdefault(day, []).append(part)


def _take(buf: dict[date, list[pl.DataFrame]], day: date, keys: Sequence[str]) -> pl.DataFrame:
    parts = buf.pop(day, [])
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts).sort(keys)


def simulate(
    out_dir: Path,
    start: date,
    end: date,
    orders_per_day: int = 200,
    seed: int = 7,
    *,
    faults: Faults | None = None,
    partner_formats: bool = False,
) -> SimulationManifest:
    """Write seeded partner deliveries for orders placed on each UTC day in [start, end].

    out_dir is the landing root; layout and formats follow docs/feeds.md. Only events up to
    end 23:59 UTC are written. Deterministic and idempotent; returns (and writes to
    out_dir/_manifest.json) the exact counts of what was written.

    Streams: order days are simulated in sequence; checkpoints, declarations and clearance events
    wait in per-delivery-day buffers, and a delivery day's files are written as soon as its own
    order day is done (no event precedes its order). Memory follows the orders in flight, not
    the length of the range.

    `faults` (default: none) injects the bad deliveries a real partner sends (simulator/faults.py);
    the manifest then lists exactly what was injected under `faults`.

    `partner_formats` re-delivers part of the clean feeds in partners' own formats (Amazon and
    Shopify orders, DHL IFTSTA, EU H7 declarations) and adds daily warehouse stock reports
    (simulator/partner_formats.py); the counts do not change.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if partner_formats and faults is not None and faults.active:
        raise ValueError("partner_formats re-delivers clean feeds only; do not combine with faults")
    if orders_per_day < 0:
        raise ValueError("orders_per_day must be >= 0")
    out_dir = Path(out_dir)
    iso3, currencies = _country_ref()
    cat = _catalog(seed)
    end_s = ((end - EPOCH).days + 1) * DAY_S  # checkpoints are whole minutes, so <= 23:59 UTC
    inj = FaultInjector(faults, seed, start, end) if faults is not None and faults.active else None

    files: list[str] = []
    tracking = _Tracking(iso3)
    decl_buf: dict[date, list[pl.DataFrame]] = {}
    clr_buf: dict[date, list[pl.DataFrame]] = {}
    n = dict.fromkeys(
        ("orders", "order_lines", "cancelled_orders", "shipments", "tracking_events",
         "delivered_shipments", "declarations", "clearance_events"), 0
    )  # fmt: skip
    for k in range((end - start).days + 1):
        day = start + timedelta(days=k)
        sim = _simulate_day(day, orders_per_day, seed, cat)
        o, ln, times, loc = sim["orders"], sim["lines"], sim["times"], sim["loc"]
        emitted = ~np.isnan(times) & (times < end_s)
        ids = _shipments_frame(o, seed)
        lines = _order_lines(o, ln, ids, cat, currencies)
        tracking.add(k, o, ids, times, loc, emitted, None if inj is None else inj.delivery_days)
        decl, clr = _declarations(o, ids, times, emitted, end_s, currencies)
        _bucket(decl_buf, decl)
        _bucket(clr_buf, clr)
        n["orders"] += int(o["seq"].size)
        n["order_lines"] += lines.height
        n["cancelled_orders"] += int(o["cancelled"].sum())
        n["shipments"] += int(emitted.any(axis=1).sum())
        n["tracking_events"] += int(emitted.sum())
        n["delivered_shipments"] += int(emitted[:, E_DLV].sum())
        n["declarations"] += decl.height
        n["clearance_events"] += clr.height
        del sim, o, ln, times, loc, emitted, ids, decl, clr

        # Delivery day `day` is complete: later order days only add later events.
        _write_day_feed(out_dir, lines.drop("_day"), "marketplace/orders", "orders", "platform",
                        day, files, inj)  # fmt: skip
        _write_tracking_day(out_dir, tracking.flush((day - EPOCH).days), day, files, inj)
        decl_day = _take(decl_buf, day, ("_t", "declaration_id"))
        _write_day_feed(out_dir, decl_day, "customs/declarations", "declarations", "broker", day,
                        files, inj, drop=("_day", "_t"))  # fmt: skip
        clr_day = _take(clr_buf, day, ("_t", "declaration_id", "_s"))
        _write_day_feed(out_dir, clr_day, "customs/clearance_events", "clearance", "broker", day,
                        files, inj, drop=("broker", "_day", "_t", "_s"))  # fmt: skip
    assert not tracking.buckets and not decl_buf and not clr_buf, "events after the end"
    if partner_formats:
        from simulator.partner_formats import convert

        converted = convert(out_dir, start, end, seed)
        files = [f for f in files if (out_dir / f).exists()] + converted

    manifest = SimulationManifest(
        start=start,
        end=end,
        seed=seed,
        orders_per_day=orders_per_day,
        **n,
        files=tuple(sorted(files)),
        faults={} if inj is None else inj.manifest(),
    )
    manifest_json = json.dumps(manifest.to_dict(), indent=2) + "\n"
    _write(out_dir, "_manifest.json", manifest_json.encode("utf-8"))
    with contextlib.suppress(OSError):  # absent, or holds leftovers of an interrupted run
        (out_dir / TMP_DIR).rmdir()
    return manifest


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Simulate partner deliveries into a landing root.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--end", type=date.fromisoformat, required=True)
    volume = parser.add_mutually_exclusive_group()
    volume.add_argument("--orders-per-day", type=int, default=200)
    volume.add_argument(
        "--orders", type=int, help="total orders over the range (orders per day = ceil(N / days))"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=RATE]",
        help=f"inject a fault (repeatable): {', '.join(Faults.names())}",
    )
    a = parser.parse_args(argv)
    if a.end < a.start:
        parser.error(f"--end {a.end} is before --start {a.start}")
    opd = a.orders_per_day
    if a.orders is not None:
        opd = math.ceil(a.orders / ((a.end - a.start).days + 1))
    try:
        faults = Faults.parse(a.fault) if a.fault else None
    except ValueError as exc:
        parser.error(str(exc))
    m = simulate(a.out_dir, a.start, a.end, opd, a.seed, faults=faults)
    print(json.dumps({k: v for k, v in m.to_dict().items() if k not in ("files", "faults")},
                     indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
