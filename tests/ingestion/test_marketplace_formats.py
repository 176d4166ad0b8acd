"""Partner marketplace formats: Shopify JSON, Amazon flat file, Olist dump, inventory report."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingestion import (
    amazon_orders_tsv,
    inventory_report_csv,
    marketplace_orders_csv,
    olist_orders_csv,
    shopify_orders_json,
)
from ingestion.contract import FeedError, RowError
from ingestion.feed import Feed
from simulator.formats import marketplace as writers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "marketplace"
DAY = date(2024, 3, 1)
CONTRACT = marketplace_orders_csv.CONTRACT
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Never parses as an int, float (no "nan"/"inf" letters) or date.
BAD_VALUE = st.text(alphabet="xyzQ!?#%", min_size=1, max_size=8)


def parse(feed: Feed, path: Path, source_file: str | None = None) -> tuple[list[tuple], list]:
    typed, errors = feed.parse(path, source_file or path.name)
    return typed.rows(), errors


def canonical(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CONTRACT.polars_schema())


def parse_written(feed: Feed, root: Path, files: list[str]) -> tuple[pl.DataFrame, list[RowError]]:
    frames, errors = [], []
    for rel in files:
        if (root / rel).match(feed.pattern):
            typed, errs = feed.parse(root / rel, rel)
            frames.append(typed.drop("_source_line"))
            errors += errs
    return pl.concat(frames), errors


def sort_lines(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("order_id", "line_number")


# --- (a) hand-written fixtures ---------------------------------------------------------------


def test_shopify_fixture() -> None:
    path = FIXTURES / "shopify/2024-03-01/orders_20240301_001.json"
    rows, errors = parse(shopify_orders_json.FEED, path)
    assert errors == []
    assert rows == [
        ("SHP-1001", 1, "shopify", "SLR-0007", "BBT-00042", "bed_bath_table", "630231", 2, 26.5,
         "USD", datetime(2024, 3, 1, 14, 15, 2), date(2024, 3, 4), date(2024, 3, 12), "CN", "US",
         "placed", 20),
        # the line property _ship_by_date wins over the order's note attribute
        ("SHP-1001", 2, "shopify", "SLR-0007", "TOY-00310", None, "950300", 1, 17.0, "USD",
         datetime(2024, 3, 1, 14, 15, 2), date(2024, 3, 5), date(2024, 3, 12), "CN", "US",
         "placed", 33),
        ("SHP-1002", 1, "shopify", "SLR-0031", "WTC-00008", "watches_gifts", "910211", 1, 53.2,
         "AUD", datetime(2024, 3, 1, 11, 40), date(2024, 3, 4), date(2024, 3, 15), "HK", "AU",
         "cancelled", 58),
    ]  # fmt: skip
    text = path.read_text().splitlines()
    for row in rows:  # the line of a row is where its line item object opens
        assert text[row[-1] - 1].strip() == "{"
        assert f'"sku": "{row[4]}"' in "\n".join(text[row[-1] : row[-1] + 3])


def test_amazon_fixture() -> None:
    path = FIXTURES / "amazon/2024-03-01/orders_A2EUQ1WTGCTBG2_20240301.txt"
    rows, errors = parse(amazon_orders_tsv.FEED, path)
    assert errors == []
    assert rows == [
        # item-price 54.00 is the total of 3 units; latest-ship-date given as a timestamp
        ("114-3941689-8772232", 1, "amazon", "A2EUQ1WTGCTBG2", "HSW-00117", "housewares",
         "732393", 3, 18.0, "USD", datetime(2024, 3, 1, 14, 2, 51), date(2024, 3, 4),
         date(2024, 3, 13), "CN", "US", "placed", 2),
        ("114-3941689-8772232", 2, "amazon", "A2EUQ1WTGCTBG2", "GRD-00009", None, "820190", 1,
         21.99, "USD", datetime(2024, 3, 1, 14, 2, 51), date(2024, 3, 4), date(2024, 3, 13), "CN",
         "US", "placed", 3),
        # after a blank line 4; the product name is Windows-1252 ("Kopfhörer")
        ("302-7719935-1026715", 1, "amazon", "A2EUQ1WTGCTBG2", "ELC-00021", "electronics",
         "851830", 2, 29.0, "EUR", datetime(2024, 3, 1, 7, 11, 40), date(2024, 3, 5),
         date(2024, 3, 14), "VN", "DE", "cancelled", 5),
    ]  # fmt: skip


def test_olist_fixture() -> None:
    path = FIXTURES / "olist/2024-03-01/olist_order_items_dataset.csv"
    rows, errors = parse(olist_orders_csv.FEED, path)
    assert errors == []
    assert rows == [
        # two unit rows (order_item_id 1, 2) of the same product are one line of quantity 2;
        # 10:56:33 in Sao Paulo (UTC-3) is 13:56:33 UTC
        ("e481f51cbdc54678b7cc49136f2d6af7", 1, "olist", "3504c0cb71d7fa48d967e0e4c94d59d9",
         "87285b34884572647811a353c7ac498a", "housewares", "732393", 2, 29.99, "BRL",
         datetime(2024, 3, 1, 13, 56, 33), date(2024, 3, 6), date(2024, 3, 18), "BR", "BR",
         "placed", 2),
        ("e481f51cbdc54678b7cc49136f2d6af7", 2, "olist", "289cdb325fb7e7f891c38608bf9e0962",
         "595fac2a385ac33a80bd5114aec74eb8", "watches_gifts", "910211", 1, 118.7, "BRL",
         datetime(2024, 3, 1, 13, 56, 33), date(2024, 3, 6), date(2024, 3, 18), "BR", "BR",
         "placed", 4),
        ("53cdb2fc8bc7dce0b6741e2150273451", 1, "olist", "4869f7a5dfa277a7dca6462dcf3b52b2",
         "aef53b2f5e41e5e1a2a0ae6b8a1dc3b5", "bed_bath_table", "630231", 1, 159.9, "BRL",
         datetime(2024, 3, 1, 23, 41, 37), date(2024, 3, 5), date(2024, 3, 20), "BR", "BR",
         "cancelled", 5),
    ]  # fmt: skip


def test_inventory_fixture() -> None:
    path = FIXTURES / "inventory/2024-03-01/inventory_FBA-LEJ1_20240301.csv"
    rows, errors = parse(inventory_report_csv.FEED, path)
    assert errors == []
    assert rows == [
        (DAY, "FBA-LEJ1", "DE", "BBT-00042", 120, 8, 0, 2, 2),
        (DAY, "FBA-LEJ1", "DE", "ELC-00021", 35, 3, 200, None, 3),
        (DAY, "FBA-LEJ1", "DE", "TOY-00310", 0, 0, 48, 0, 4),
    ]
    assert inventory_report_csv.FEED.entity == "inventory_snapshots"


# --- (b) round trips -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated_lines(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """A day of the simulator's canonical order lines (through the canonical CSV connector)."""
    from simulator.generate import simulate  # here, so the other tests never depend on it

    root = tmp_path_factory.mktemp("sim")
    simulate(root, DAY, DAY, orders_per_day=600)
    frames = []
    for path in sorted((root / "marketplace/orders").rglob("*.csv")):
        typed, errors = marketplace_orders_csv.FEED.parse(path, path.name)
        assert errors == []
        frames.append(typed.drop("_source_line"))
    return pl.concat(frames)


def as_olist(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.with_columns(
        platform=pl.lit("olist"),
        currency=pl.lit("BRL"),
        ship_to_country=pl.lit("BR"),
        ship_from_country=pl.lit("BR"),
    )


ORDER_FORMATS = {
    "shopify": (writers.write_shopify, shopify_orders_json.FEED),
    "amazon": (writers.write_amazon, amazon_orders_tsv.FEED),
    "olist": (writers.write_olist, olist_orders_csv.FEED),
}


@pytest.mark.parametrize("platform", sorted(ORDER_FORMATS))
def test_round_trip_simulated_day(
    platform: str, simulated_lines: pl.DataFrame, tmp_path: Path
) -> None:
    writer, feed = ORDER_FORMATS[platform]
    sources = ["ebay", "walmart"] if platform == "olist" else [platform]
    lines = simulated_lines.filter(pl.col("platform").is_in(sources))
    if platform == "olist":
        lines = as_olist(lines)
    assert lines.height > 10 and (lines["order_status"] == "cancelled").any()
    files = writer(lines, tmp_path, DAY)
    assert files and all(f.startswith(f"marketplace/{platform}/2024-03-01/") for f in files)
    got, errors = parse_written(feed, tmp_path, files)
    assert errors == []
    assert sort_lines(got).equals(sort_lines(lines))
    # deterministic: a second run writes the same bytes
    first = {f: (tmp_path / f).read_bytes() for f in files}
    assert writer(lines, tmp_path, DAY) == files
    assert {f: (tmp_path / f).read_bytes() for f in files} == first


@st.composite
def order_lines(draw: st.DrawFn, platform: str) -> pl.DataFrame:
    """Canonical orders: order-level fields shared by the lines, distinct SKUs per order."""
    olist = platform == "olist"
    categories = sorted(olist_orders_csv.HS_BY_CATEGORY)
    rows = []
    for n in range(draw(st.integers(1, 6))):
        order_id = f"{platform[:3].upper()}-{n:04d}{draw(st.sampled_from('ABC'))}"
        ordered_at = datetime(2021, 1, 1) + timedelta(seconds=draw(st.integers(0, 10**8)))
        ship_by = ordered_at.date() + timedelta(days=draw(st.integers(0, 5)))
        promised = ship_by + timedelta(days=draw(st.integers(0, 20)))
        currency = "BRL" if olist else draw(st.sampled_from(["USD", "EUR", "JPY", "GBP"]))
        ship_to = "BR" if olist else draw(st.sampled_from(["US", "DE", "JP"]))
        status = draw(st.sampled_from(["placed", "cancelled"]))
        seller = draw(st.sampled_from(["SLR-0001", "SLR-0002"]))
        skus = draw(st.lists(st.integers(0, 30), min_size=1, max_size=4, unique=True))
        for line_number, sku in enumerate(skus, start=1):
            category = categories[sku % len(categories)]
            rows.append(
                {
                    "order_id": order_id,
                    "line_number": line_number,
                    "platform": platform,
                    "seller_id": seller,
                    "sku": f"SKU-{sku:05d}",
                    "product_category": category,
                    "hs_code": olist_orders_csv.HS_BY_CATEGORY[category],
                    "quantity": draw(st.integers(1, 5)),
                    "unit_price": draw(st.integers(1, 99_999)) / 100,
                    "currency": currency,
                    "ordered_at": ordered_at,
                    "ship_by_date": ship_by,
                    "promised_delivery_date": promised,
                    "ship_from_country": "BR" if olist else draw(st.sampled_from(["CN", "VN"])),
                    "ship_to_country": ship_to,
                    "order_status": status,
                }
            )
    frame = canonical(rows)
    return frame.unique(["order_id", "line_number"], keep="first", maintain_order=True)


@pytest.mark.parametrize("platform", sorted(ORDER_FORMATS))
@FUZZ
@given(data=st.data())
def test_round_trip_property(platform: str, data: st.DataObject, tmp_path: Path) -> None:
    lines = data.draw(order_lines(platform))
    out = tmp_path / f"rt-{data.draw(st.integers(0, 10**9))}"
    writer, feed = ORDER_FORMATS[platform]
    got, errors = parse_written(feed, out, writer(lines, out, DAY))
    assert errors == []
    assert sort_lines(got).equals(sort_lines(lines))


def inventory_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "snapshot_date": [DAY] * 4,
            "warehouse_id": ["FBA-LEJ1", "FBA-LEJ1", "3PL-ONT2", "3PL-ONT2"],
            "warehouse_country": ["DE", "DE", "US", "US"],
            "sku": ["BBT-00042", "ELC-00021", "BBT-00042", "TOY-00310"],
            "on_hand": [120, 35, 7, 0],
            "reserved": [8, 3, 0, 0],
            "inbound": [0, 200, 50, 48],
            "unsellable": [2, None, 0, None],
        },
        schema=inventory_report_csv.CONTRACT.polars_schema(),
    )


def test_round_trip_inventory(tmp_path: Path) -> None:
    frame = inventory_frame()
    files = writers.write_inventory(frame, tmp_path, DAY)
    assert files == [
        "marketplace/inventory/2024-03-01/inventory_3PL-ONT2_20240301.csv",
        "marketplace/inventory/2024-03-01/inventory_FBA-LEJ1_20240301.csv",
    ]
    got, errors = parse_written(inventory_report_csv.FEED, tmp_path, files)
    assert errors == []
    key = list(inventory_report_csv.CONTRACT.key)
    assert got.sort(key).equals(frame.sort(key))


def test_writers_refuse_what_the_format_cannot_carry(tmp_path: Path) -> None:
    lines = canonical(
        [
            {"order_id": "X-1", "line_number": 2, "platform": "amazon", "seller_id": "S1",
             "sku": "A", "product_category": "toys", "hs_code": "950300", "quantity": 1,
             "unit_price": 1.0, "currency": "USD", "ordered_at": datetime(2024, 3, 1),
             "ship_by_date": DAY, "promised_delivery_date": DAY, "ship_from_country": "CN",
             "ship_to_country": "US", "order_status": "placed"},
        ]
    )  # fmt: skip
    with pytest.raises(ValueError, match="line numbers"):
        writers.write_amazon(lines, tmp_path, DAY)
    with pytest.raises(ValueError, match="domestic Brazil"):
        writers.write_olist(lines.with_columns(line_number=pl.lit(1, pl.Int32)), tmp_path, DAY)


# --- (c) fuzzing: bad values are row errors, broken files are FeedErrors ---------------------


def written_day(platform: str, tmp_path: Path) -> tuple[Path, str]:
    """Write a small valid day and return (path, source_file) of the file the feed matches."""
    lines = canonical(
        [
            {"order_id": f"O-{i}", "line_number": n, "platform": platform, "seller_id": "SLR-0001",
             "sku": f"SKU-{i}{n}", "product_category": "toys", "hs_code": "950300",
             "quantity": n, "unit_price": 12.5, "currency": "BRL",
             "ordered_at": datetime(2024, 3, 1, 12), "ship_by_date": DAY,
             "promised_delivery_date": date(2024, 3, 9), "ship_from_country": "BR",
             "ship_to_country": "BR", "order_status": "placed"}
            for i in range(3) for n in (1, 2)
        ]
    )  # fmt: skip
    writer, feed = ORDER_FORMATS[platform]
    files = [f for f in writer(lines, tmp_path, DAY) if (tmp_path / f).match(feed.pattern)]
    return tmp_path / files[0], files[0]


def assert_located(errors: list[RowError], source_file: str) -> None:
    for error in errors:
        assert error.source_file == source_file
        assert error.line >= 1 and error.column in CONTRACT.names and error.reason


AMAZON_TARGETS = {  # flat-file column -> canonical column it feeds
    "quantity": "quantity",
    "item-price": "unit_price",
    "purchase-date": "ordered_at",
    "latest-ship-date": "ship_by_date",
    "latest-delivery-date": "promised_delivery_date",
}


@FUZZ
@given(row=st.integers(0, 5), column=st.sampled_from(sorted(AMAZON_TARGETS)), bad=BAD_VALUE)
def test_fuzz_amazon_bad_cell(tmp_path: Path, row: int, column: str, bad: str) -> None:
    path, source = written_day("amazon", tmp_path / f"a{row}{column}{abs(hash(bad))}")
    lines = path.read_text().split("\n")
    header = lines[0].split("\t")
    cells = lines[row + 1].split("\t")
    cells[header.index(column)] = bad
    lines[row + 1] = "\t".join(cells)
    path.write_text("\n".join(lines))
    typed, errors = amazon_orders_tsv.FEED.parse(path, source)
    assert_located(errors, source)
    assert (row + 2, AMAZON_TARGETS[column]) in {(e.line, e.column) for e in errors}
    assert typed.height == 6


SHOPIFY_TARGETS = {"quantity": "quantity", "price": "unit_price"}


@FUZZ
@given(
    item=st.integers(0, 5),
    field=st.sampled_from(sorted(SHOPIFY_TARGETS)),
    bad=st.one_of(BAD_VALUE, st.just([1]), st.just({"a": 1})),
)
def test_fuzz_shopify_bad_value(tmp_path: Path, item: int, field: str, bad: object) -> None:
    path, source = written_day("shopify", tmp_path / f"s{item}{field}{abs(hash(str(bad)))}")
    page = json.loads(path.read_text())
    page["orders"][item // 2]["line_items"][item % 2][field] = bad
    path.write_text(json.dumps(page, indent=2))
    typed, errors = shopify_orders_json.FEED.parse(path, source)
    assert_located(errors, source)
    [error] = [e for e in errors if e.column == SHOPIFY_TARGETS[field]]
    assert path.read_text().splitlines()[error.line - 1].strip() == "{"
    assert typed.row(item, named=True)["_source_line"] == error.line


@FUZZ
@given(row=st.integers(0, 8), bad=BAD_VALUE)
def test_fuzz_olist_bad_price(tmp_path: Path, row: int, bad: str) -> None:
    path, source = written_day("olist", tmp_path / f"o{row}{abs(hash(bad))}")
    items = path.read_text().split("\n")
    row = row % (len([x for x in items if x]) - 1)
    cells = items[row + 1].split(",")
    cells[5] = bad  # price
    items[row + 1] = ",".join(cells)
    path.write_text("\n".join(items))
    _, errors = olist_orders_csv.FEED.parse(path, source)
    assert_located(errors, source)
    assert (row + 2, "unit_price") in {(e.line, e.column) for e in errors}


@FUZZ
@given(row=st.integers(0, 3), column=st.sampled_from(["on_hand", "snapshot_date"]), bad=BAD_VALUE)
def test_fuzz_inventory_bad_cell(tmp_path: Path, row: int, column: str, bad: str) -> None:
    out = tmp_path / f"i{row}{column}{abs(hash(bad))}"
    frame = inventory_frame().with_columns(warehouse_id=pl.lit("FBA-LEJ1"))
    [rel] = writers.write_inventory(frame, out, DAY)
    table = pl.read_csv(out / rel, infer_schema=False)
    table = table.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.lit(bad)).otherwise(pl.col(column))
        .alias(column)
    )  # fmt: skip
    table.write_csv(out / rel)
    _, errors = inventory_report_csv.FEED.parse(out / rel, rel)
    assert [(e.line, e.column, e.value) for e in errors] == [(row + 2, column, bad.strip())]
    assert "not a valid" in errors[0].reason


def garble(data: bytes, cut: int, junk: bytes, at: int) -> bytes:
    cut = cut % (len(data) + 1)
    at = at % (cut + 1)
    return data[:at] + junk + data[at:cut]


@pytest.mark.parametrize("platform", sorted(ORDER_FORMATS))
@FUZZ
@given(cut=st.integers(0, 10**6), junk=st.binary(max_size=12), at=st.integers(0, 10**6))
def test_fuzz_garbled_files(platform: str, tmp_path: Path, cut: int, junk: bytes, at: int) -> None:
    path, source = written_day(platform, tmp_path / f"g{cut}{at}{junk.hex()}")
    path.write_bytes(garble(path.read_bytes(), cut, junk, at))
    try:
        _, errors = ORDER_FORMATS[platform][1].parse(path, source)
    except FeedError as exc:
        assert source in str(exc)
        return
    assert_located(errors, source)


@FUZZ
@given(cut=st.integers(0, 10**6), junk=st.binary(max_size=12), at=st.integers(0, 10**6))
@example(cut=2, junk=b"\x1f\x8b", at=0)  # starts like gzip: polars raised a bare OSError
def test_fuzz_garbled_olist_siblings(tmp_path: Path, cut: int, junk: bytes, at: int) -> None:
    path, source = written_day("olist", tmp_path / f"gs{cut}{at}{junk.hex()}")
    for name in (olist_orders_csv.ORDERS, olist_orders_csv.PRODUCTS, olist_orders_csv.SELLERS):
        sibling = path.with_name(name)
        sibling.write_bytes(garble(sibling.read_bytes(), cut, junk, at))
    try:
        _, errors = olist_orders_csv.FEED.parse(path, source)
    except FeedError as exc:
        assert "2024-03-01/" in str(exc)
        return
    assert_located(errors, source)


# --- (d) missing required columns ------------------------------------------------------------


def test_amazon_missing_column(tmp_path: Path) -> None:
    path, source = written_day("amazon", tmp_path)
    lines = [line.split("\t") for line in path.read_text().split("\n")]
    drop = lines[0].index("hs-code")
    path.write_text("\n".join("\t".join(c[:drop] + c[drop + 1 :]) for c in lines))
    with pytest.raises(FeedError, match=rf"{source}: missing required column\(s\) hs-code"):
        amazon_orders_tsv.FEED.parse(path, source)


def test_amazon_file_name_names_the_seller(tmp_path: Path) -> None:
    path, _ = written_day("amazon", tmp_path)
    renamed = path.rename(path.with_name("report.txt"))
    with pytest.raises(FeedError, match=r"report\.txt: file name does not name the seller"):
        amazon_orders_tsv.FEED.parse(renamed, "report.txt")


def test_olist_missing_column_and_sibling(tmp_path: Path) -> None:
    path, source = written_day("olist", tmp_path)
    products = path.with_name(olist_orders_csv.PRODUCTS)
    table = pl.read_csv(products, infer_schema=False)
    table.drop("product_category_name").write_csv(products)
    with pytest.raises(
        FeedError, match=r"olist_products_dataset.csv: missing required column\(s\) product_cat"
    ):
        olist_orders_csv.FEED.parse(path, source)
    products.unlink()
    with pytest.raises(FeedError, match=r"2024-03-01/olist_products_dataset.csv: missing"):
        olist_orders_csv.FEED.parse(path, source)


def test_shopify_not_an_orders_page(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_text('{"products": []}')
    with pytest.raises(FeedError, match=r"orders\.json: not an orders page"):
        shopify_orders_json.FEED.parse(path, "orders.json")
    path.write_text('{"orders": [\n{"name": "SHP-1", "line_items": 3}]}')
    with pytest.raises(FeedError, match=r"orders.json:2: orders\[0\] has no 'line_items'"):
        shopify_orders_json.FEED.parse(path, "orders.json")


def test_inventory_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    pl.read_csv(
        FIXTURES / "inventory/2024-03-01/inventory_FBA-LEJ1_20240301.csv", infer_schema=False
    ).drop("reserved").write_csv(path)
    with pytest.raises(FeedError, match=r"inv.csv: missing required column\(s\) reserved"):
        inventory_report_csv.FEED.parse(path, "inv.csv")


# --- the real Olist catalogue ----------------------------------------------------------------


@pytest.mark.shared_data
def test_olist_real_products_and_sellers(shared_data: Path, tmp_path: Path) -> None:
    real = shared_data / "olist_official_subset"
    day = tmp_path / "marketplace/olist/2024-03-01"
    day.mkdir(parents=True)
    for name in (olist_orders_csv.PRODUCTS, olist_orders_csv.SELLERS):
        with gzip.open(real / f"{name}.gz", "rb") as src, (day / name).open("wb") as dst:
            shutil.copyfileobj(src, dst)
    for name in (olist_orders_csv.ORDERS, olist_orders_csv.PAYMENTS):
        shutil.copy(FIXTURES / "olist/2024-03-01" / name, day / name)
    items = day / olist_orders_csv.ITEMS
    items.write_text(
        '"order_id","order_item_id","product_id","seller_id","shipping_limit_date","price",'
        '"freight_value"\n'
        # perfumaria, quoted product id; seller with zip prefix "04195"
        "e481f51cbdc54678b7cc49136f2d6af7,1,1e9e8ef04dbcff4541ed26657ea517e5,"
        "c0f3eea2e14555b6faeea3dd58c1b1c3,2024-03-06 11:07:15,89.90,12.00\n"
        # a real product without category (610 of them): no HS code, a row error
        "e481f51cbdc54678b7cc49136f2d6af7,2,a41e356c76fab66334f36de622ecbd3a,"
        "c0f3eea2e14555b6faeea3dd58c1b1c3,2024-03-06 11:07:15,15.00,12.00\n"
        # pc_gamer has no English translation in Olist's table: passes unchanged
        "53cdb2fc8bc7dce0b6741e2150273451,1,0105b5323d24fc655f73052694dbbb3a,"
        "d1b65fc7debc3361ea86b5f14c68d2e2,2024-03-05 20:55:00,2499.00,60.10\n"
    )
    source = "marketplace/olist/2024-03-01/olist_order_items_dataset.csv"
    tables = olist_orders_csv.read_tables(items, source)
    products, sellers = tables[olist_orders_csv.PRODUCTS], tables[olist_orders_csv.SELLERS]
    assert products.height == 32_951 and sellers.height == 3_095
    assert {"product_name_lenght", "product_description_lenght"} <= set(products.columns)
    zips = dict(zip(sellers["seller_id"], sellers["seller_zip_code_prefix"], strict=True))
    assert zips["c0f3eea2e14555b6faeea3dd58c1b1c3"] == "04195"  # quoted, leading zero kept
    assert zips["3442f8959a84dea7ee197c632cb2df15"] == "13023"
    assert products["product_category_name"].null_count() == 610
    typed, errors = olist_orders_csv.FEED.parse(items, source)
    assert [(e.line, e.column, e.reason) for e in errors] == [
        (3, "hs_code", "is required but empty"),
        (4, "hs_code", "is required but empty"),
    ]
    assert typed.select("sku", "product_category", "hs_code", "ship_from_country").rows() == [
        ("1e9e8ef04dbcff4541ed26657ea517e5", "perfumery", "330300", "BR"),
        ("a41e356c76fab66334f36de622ecbd3a", None, None, "BR"),
        ("0105b5323d24fc655f73052694dbbb3a", "pc_gamer", None, "BR"),
    ]
