"""Tests of the partner-delivery simulator: determinism, layout, coherence, manifest counts."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from crossdock.config import REFERENCE_DIR
from simulator.generate import SimulationManifest, simulate

START, END = date(2024, 3, 1), date(2024, 3, 3)
OPD, SEED = 50, 11
# A longer, thinner run so that deliveries, holds and releases of cross-border parcels occur.
LONG_END = date(2024, 3, 28)

FILE_RE = re.compile(
    r"^(?P<feed>marketplace/orders|carrier/tracking|customs/declarations|customs/clearance_events)"
    r"/(?P<day>\d{4}-\d{2}-\d{2})/(?P<stem>orders|tracking|declarations|clearance)"
    r"_(?P<partner>[a-z0-9-]+)_(?P<ymd>\d{8})\.(?P<ext>csv|jsonl)$"
)
STEM = {
    "marketplace/orders": ("orders", "csv"),
    "carrier/tracking": ("tracking", "jsonl"),
    "customs/declarations": ("declarations", "csv"),
    "customs/clearance_events": ("clearance", "csv"),
}
ORDER_COLUMNS = [
    "order_id", "line_number", "platform", "seller_id", "sku", "product_category", "hs_code",
    "quantity", "unit_price", "currency", "ordered_at", "ship_by_date", "promised_delivery_date",
    "ship_from_country", "ship_to_country", "order_status",
]  # fmt: skip
DECLARATION_COLUMNS = [
    "declaration_id", "tracking_number", "order_id", "declared_at", "broker", "hs_code",
    "goods_description", "declared_value", "currency", "incoterm", "origin_country",
    "destination_country", "duty_amount", "vat_amount",
]  # fmt: skip
CLEARANCE_COLUMNS = ["declaration_id", "event_at", "status", "remarks"]
PREFIX = {"amazon": "AMZ-", "shopify": "SHP-", "ebay": "EBY-", "walmart": "WMT-"}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _utc(ts: str) -> datetime:
    parsed = datetime.fromisoformat(ts)
    assert parsed.tzinfo is not None, f"timestamp without offset: {ts}"
    return parsed.astimezone(UTC)


@dataclass
class Landing:
    root: Path
    manifest: SimulationManifest
    orders: pl.DataFrame
    checkpoints: pl.DataFrame  # one row per checkpoint, with its payload's fields
    payloads: list[tuple[str, dict]]  # (relative file, payload)
    declarations: pl.DataFrame
    clearance: pl.DataFrame


def _read_csvs(root: Path, feed: str) -> pl.DataFrame:
    paths = sorted((root / feed).rglob("*.csv"))
    if not paths:
        return pl.DataFrame()
    return pl.concat(
        [
            pl.read_csv(p, infer_schema=False).with_columns(
                _file=pl.lit(p.relative_to(root).as_posix())
            )
            for p in paths
        ]
    )


def _load(root: Path, manifest: SimulationManifest) -> Landing:
    payloads: list[tuple[str, dict]] = []
    rows: list[dict] = []
    for p in sorted((root / "carrier/tracking").rglob("*.jsonl")):
        rel = p.relative_to(root).as_posix()
        for line in p.read_text(encoding="utf-8").splitlines():
            payload = json.loads(line)
            payloads.append((rel, payload))
            msg = payload["msg"]
            for cp in msg["checkpoints"]:
                rows.append(
                    {
                        "file": rel,
                        "sent_at": payload["sent_at"],
                        "tracking_number": msg["tracking_number"],
                        "slug": msg["slug"],
                        "order_id": msg["order_id"],
                        "origin": msg["origin_country_iso3"],
                        "destination": msg["destination_country_iso3"],
                        "event_at": _utc(cp["checkpoint_time"]),
                        **{k: cp[k] for k in ("subtag", "tag", "country_iso3")},
                    }
                )
    return Landing(
        root=root,
        manifest=manifest,
        orders=_read_csvs(root, "marketplace/orders"),
        checkpoints=pl.DataFrame(rows),
        payloads=payloads,
        declarations=_read_csvs(root, "customs/declarations"),
        clearance=_read_csvs(root, "customs/clearance_events"),
    )


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    root = tmp_path_factory.mktemp("landing_short")
    return _load(root, simulate(root, START, END, orders_per_day=OPD, seed=SEED))


@pytest.fixture(scope="module")
def long_run(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    root = tmp_path_factory.mktemp("landing_long")
    return _load(root, simulate(root, START, LONG_END, orders_per_day=20, seed=SEED))


@pytest.fixture(params=["short", "long"])
def run(request: pytest.FixtureRequest, short_run: Landing, long_run: Landing) -> Landing:
    return short_run if request.param == "short" else long_run


# --- determinism and idempotence ----------------------------------------------------------------


def test_same_args_give_identical_bytes(short_run: Landing, tmp_path: Path) -> None:
    manifest = simulate(tmp_path, START, END, orders_per_day=OPD, seed=SEED)
    assert manifest == short_run.manifest
    first, second = _files(short_run.root), _files(tmp_path)
    assert first.keys() == second.keys()
    assert [f for f in first if first[f] != second[f]] == []


def test_other_seed_gives_other_data(short_run: Landing, tmp_path: Path) -> None:
    simulate(tmp_path, START, END, orders_per_day=OPD, seed=SEED + 1)
    rel = "marketplace/orders/2024-03-01/orders_amazon_20240301.csv"
    assert (tmp_path / rel).read_bytes() != (short_run.root / rel).read_bytes()


def test_rerun_into_same_dir_rewrites_identically(tmp_path: Path) -> None:
    first = simulate(tmp_path, START, END, orders_per_day=OPD, seed=SEED)
    before = _files(tmp_path)
    second = simulate(tmp_path, START, END, orders_per_day=OPD, seed=SEED)
    assert second == first
    assert _files(tmp_path) == before


def test_extending_end_keeps_earlier_files(short_run: Landing, tmp_path: Path) -> None:
    """Files of a day depend on seed, start and that day only, never on the end of the range."""
    shorter = simulate(tmp_path, START, END - timedelta(days=1), orders_per_day=OPD, seed=SEED)
    assert shorter.files and set(shorter.files) < set(short_run.manifest.files)
    for rel in shorter.files:
        assert (tmp_path / rel).read_bytes() == (short_run.root / rel).read_bytes(), rel


def test_no_orders_writes_only_the_manifest(tmp_path: Path) -> None:
    manifest = simulate(tmp_path, START, END, orders_per_day=0, seed=SEED)
    assert manifest.files == () and manifest.orders == manifest.tracking_events == 0
    assert list(_files(tmp_path)) == ["_manifest.json"]


# --- layout and manifest --------------------------------------------------------------------------


def test_layout_and_file_list(run: Landing) -> None:
    on_disk = sorted(f for f in _files(run.root) if f != "_manifest.json")
    assert list(run.manifest.files) == on_disk
    assert {f.split("/")[0] + "/" + f.split("/")[1] for f in on_disk} == set(STEM)
    for rel in on_disk:
        m = FILE_RE.match(rel)
        assert m, rel
        assert STEM[m["feed"]] == (m["stem"], m["ext"]), rel
        day = date.fromisoformat(m["day"])
        assert m["ymd"] == day.strftime("%Y%m%d"), rel
        assert run.manifest.start <= day <= run.manifest.end, rel
    assert SimulationManifest.read(run.root / "_manifest.json") == run.manifest


def test_manifest_counts_match_files(run: Landing) -> None:
    m, orders, cps = run.manifest, run.orders, run.checkpoints
    assert m.order_lines == orders.height
    assert m.orders == orders["order_id"].n_unique()
    cancelled = orders.filter(pl.col("order_status") == "cancelled")
    assert m.cancelled_orders == cancelled["order_id"].n_unique()
    assert m.tracking_events == cps.height
    assert m.shipments == cps["tracking_number"].n_unique()
    assert m.delivered_shipments == cps.filter(pl.col("subtag") == "Delivered_001").height
    assert m.declarations == run.declarations.height
    assert m.clearance_events == run.clearance.height
    assert (m.start, m.end, m.seed) == (START, m.end, SEED)
    assert m.orders > 0 and m.tracking_events > 0 and m.declarations > 0


def test_csv_headers(run: Landing) -> None:
    assert run.orders.drop("_file").columns == ORDER_COLUMNS
    assert run.declarations.drop("_file").columns == DECLARATION_COLUMNS
    assert run.clearance.drop("_file").columns == CLEARANCE_COLUMNS


# --- content and coherence --------------------------------------------------------------------


def test_order_lines(run: Landing) -> None:
    o = run.orders
    assert o.select("order_id", "line_number").is_duplicated().sum() == 0
    assert set(o["platform"]) <= set(PREFIX)
    assert set(o["order_status"]) <= {"placed", "cancelled"}
    for platform, order_id in o.select("platform", "order_id").iter_rows():
        assert order_id.startswith(PREFIX[platform])
    assert o["quantity"].cast(pl.Int64).is_between(1, 4).all()
    assert (o["unit_price"].cast(pl.Float64) > 0).all()
    # Lines of an order are numbered 1..n and share the order's attributes.
    per_order = o.group_by("order_id").agg(
        pl.col("line_number").cast(pl.Int64).sort(),
        pl.col("ordered_at", "currency", "ship_to_country", "order_status").n_unique(),
    )
    for lines in per_order["line_number"]:
        assert list(lines) == list(range(1, len(lines) + 1))
    same = per_order.select(
        pl.all_horizontal(pl.col("ordered_at", "currency", "order_status") == 1)
    )
    assert same.to_series().all()
    currency = dict(
        pl.read_csv(REFERENCE_DIR / "countries.csv", infer_schema=False)
        .select("iso2", "currency")
        .iter_rows()
    )
    for to, cur in o.select("ship_to_country", "currency").unique().iter_rows():
        assert currency[to] == cur
    # Orders are filed by the UTC day they were placed on; deadlines follow the local order day.
    for rel, ordered_at, ship_by, promised in o.select(
        "_file", "ordered_at", "ship_by_date", "promised_delivery_date"
    ).iter_rows():
        assert _utc(ordered_at).date().isoformat() == rel.split("/")[2]
        local_day = datetime.fromisoformat(ordered_at).date()
        assert local_day < date.fromisoformat(ship_by) <= local_day + timedelta(days=4)
        assert date.fromisoformat(promised) > local_day


def test_hs_codes_are_hs2022_subheadings(run: Landing) -> None:
    hs = pl.read_csv(REFERENCE_DIR / "hs2022.csv", infer_schema=False)
    level6 = set(hs.filter(pl.col("level") == "6")["hs_code"])
    used = set(run.orders["hs_code"]) | set(run.declarations["hs_code"])
    assert used and all(len(code) == 6 for code in used)
    assert used <= level6, used - level6


def test_shipments_belong_to_placed_orders(run: Landing) -> None:
    status = dict(run.orders.select("order_id", "order_status").unique().iter_rows())
    ships = run.checkpoints.select("tracking_number", "order_id", "slug").unique()
    assert ships["tracking_number"].n_unique() == ships.height  # one order, one carrier each
    assert ships["order_id"].n_unique() == ships.height  # at most one shipment per order
    for order_id in ships["order_id"]:
        assert status.get(order_id) == "placed", order_id


def test_checkpoints_timing(run: Landing) -> None:
    end_utc = datetime.combine(run.manifest.end + timedelta(days=1), datetime.min.time(), UTC)
    cps = run.checkpoints
    assert cps["event_at"].max() < end_utc
    ordered = {
        oid: _utc(ts)
        for oid, ts in run.orders.select("order_id", "ordered_at").unique().iter_rows()
    }
    for rel, payload in run.payloads:
        file_day = rel.split("/")[2]
        assert payload["sent_at"] == f"{file_day}T23:59:00+00:00"
        assert payload["msg"]["slug"] == rel.rsplit("/", 1)[1].split("_")[1]
        times = [_utc(c["checkpoint_time"]) for c in payload["msg"]["checkpoints"]]
        assert times and times == sorted(times)
        assert all(t.date().isoformat() == file_day for t in times)
        assert all(t >= ordered[payload["msg"]["order_id"]] for t in times)
    # One payload per shipment per day, and unique webhook ids.
    keys = Counter((rel, p["msg"]["tracking_number"]) for rel, p in run.payloads)
    assert max(keys.values()) == 1
    assert len({p["event_id"] for _, p in run.payloads}) == len(run.payloads)
    # Each shipment starts with the label and never repeats a checkpoint.
    per_ship = cps.sort("event_at").group_by("tracking_number").agg(pl.col("subtag"), "event_at")
    for subtags, times in per_ship.select("subtag", "event_at").iter_rows():
        assert subtags[0] == "InfoReceived_001"
        assert len(set(times)) == len(times)
        assert subtags.count("Delivered_001") <= 1
        if "Delivered_001" in subtags:
            assert subtags[-1] == "Delivered_001"


def test_webhook_shape(run: Landing) -> None:
    msg_keys = [
        "tracking_number", "slug", "service_type", "order_id", "origin_country_iso3",
        "destination_country_iso3", "checkpoints",
    ]  # fmt: skip
    cp_keys = ["checkpoint_time", "tag", "subtag", "message", "location", "country_iso3"]
    for _, p in run.payloads:
        assert list(p) == ["event", "event_id", "sent_at", "msg"]
        assert p["event"] == "tracking_update"
        assert list(p["msg"]) == msg_keys
        assert p["msg"]["service_type"] in {"express", "standard", "economy"}
        for cp in p["msg"]["checkpoints"]:
            assert list(cp) == cp_keys
            assert cp["subtag"].startswith(cp["tag"] + "_")


def test_declarations_cover_departed_cross_border_shipments(run: Landing) -> None:
    cps, decl = run.checkpoints, run.declarations
    xb = cps.filter(pl.col("origin") != pl.col("destination"))
    departed = xb.filter(pl.col("subtag") == "InTransit_007")
    domestic = set(cps.filter(pl.col("origin") == pl.col("destination"))["tracking_number"])
    assert decl["declaration_id"].n_unique() == decl.height
    assert sorted(decl["tracking_number"]) == sorted(departed["tracking_number"])
    assert not set(decl["tracking_number"]) & domestic
    assert set(decl["incoterm"]) <= {"DDP", "DAP", "DDU"}
    # Lodged at the departure scan, for the order's value, currency and lane.
    dep_at = dict(departed.select("tracking_number", "event_at").iter_rows())
    lines = run.orders.with_columns(
        value=pl.col("quantity").cast(pl.Int64) * pl.col("unit_price").cast(pl.Float64)
    )
    orders = lines.group_by("order_id").agg(
        pl.col("value").sum(), pl.col("currency", "ship_from_country", "ship_to_country").first()
    )
    order = {r["order_id"]: r for r in orders.iter_rows(named=True)}
    for r in decl.iter_rows(named=True):
        assert _utc(r["declared_at"]) == dep_at[r["tracking_number"]]
        o = order[r["order_id"]]
        assert float(r["declared_value"]) == pytest.approx(o["value"], abs=0.011)
        assert r["currency"] == o["currency"]
        assert (r["origin_country"], r["destination_country"]) == (
            o["ship_from_country"],
            o["ship_to_country"],
        )
        assert r["origin_country"] != r["destination_country"]
        unit = 1.0 if r["currency"] == "JPY" else 0.01  # rounding to the currency's minor unit
        assert 0 <= float(r["duty_amount"]) <= 0.12 * float(r["declared_value"]) + unit
        assert 0 <= float(r["vat_amount"]) <= 0.25 * float(r["declared_value"]) + unit
        assert r["destination_country"] != "US" or float(r["vat_amount"]) == 0


def test_clearance_events_follow_tracking(run: Landing) -> None:
    clr, decl, cps = run.clearance, run.declarations, run.checkpoints
    end_utc = datetime.combine(run.manifest.end + timedelta(days=1), datetime.min.time(), UTC)
    assert set(clr["status"]) <= {"LODGED", "HELD", "INSPECTED", "RELEASED"}
    assert not clr.select("declaration_id", "status", "event_at").is_duplicated().any()
    tracking = dict(decl.select("declaration_id", "tracking_number").iter_rows())
    declared = dict(decl.select("declaration_id", "declared_at").iter_rows())
    assert set(clr["declaration_id"]) <= set(tracking)
    lodged = clr.filter(pl.col("status") == "LODGED")
    assert sorted(lodged["declaration_id"]) == sorted(decl["declaration_id"])
    at = {(t, s): e for t, s, e in cps.select("tracking_number", "subtag", "event_at").iter_rows()}
    for decl_id, event_at, status in clr.select("declaration_id", "event_at", "status").iter_rows():
        when = _utc(event_at)
        assert _utc(declared[decl_id]) <= when < end_utc
        tn = tracking[decl_id]
        if status == "HELD":
            assert at[(tn, "Exception_004")] == when
        if status == "RELEASED":
            assert at[(tn, "InTransit_005")] == when
    # Every customs hold / clearance checkpoint has its HELD / RELEASED event.
    statuses = set(clr.select("declaration_id", "status").iter_rows())
    declaration_of = {tn: decl_id for decl_id, tn in tracking.items()}
    for tn, subtag in at:
        if subtag in ("Exception_004", "InTransit_005"):
            status = "HELD" if subtag == "Exception_004" else "RELEASED"
            assert (declaration_of[tn], status) in statuses


def test_long_run_exercises_the_whole_lifecycle(long_run: Landing) -> None:
    cps, o = long_run.checkpoints, long_run.orders
    subtags = set(cps["subtag"])
    assert {"Exception_004", "InTransit_005", "Delivered_001", "OutForDelivery_001"} <= subtags
    assert {"LODGED", "HELD", "RELEASED"} <= set(long_run.clearance["status"])
    # Rough mix: mostly cross-border from CN, some domestic warehouse shipments, few cancels.
    first = o.group_by("order_id").agg(pl.all().first())
    cross = first.filter(pl.col("ship_from_country") != pl.col("ship_to_country"))
    assert 0.6 < cross.height / first.height < 0.9
    assert cross["ship_from_country"].value_counts(sort=True)["ship_from_country"][0] == "CN"
    assert (first["order_status"] == "cancelled").mean() < 0.06
    delivered = cps.filter(pl.col("subtag") == "Delivered_001")
    assert set(delivered["destination"]) & {"USA", "GBR", "DEU"}
