"""Carrier status mapping, IFTSTA EDIFACT, H7 XML and the real SCMS delivery history."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion import carrier_iftsta_edifact, customs_h7_xml, scms_shipments_csv
from ingestion.carrier_status import TAGS, UNMAPPED, customs_status, map_status, status_expr
from ingestion.carrier_tracking_webhook import CONTRACT as EVENTS
from ingestion.contract import FeedError
from ingestion.customs_declarations_csv import CONTRACT as DECLARATIONS
from simulator.formats.carrier_customs import write_h7, write_iftsta
from simulator.generate import EVENTS as SIMULATED_EVENTS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCMS = "scms_delivery_history_dev/SCMS_Delivery_History_Dataset.dev_pre2014.csv.gz"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- status mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "source", "expected"),
    [
        ("Held by customs", "text", ("Exception", "Exception_004")),
        ("Customs clearance complete", "text", ("InTransit", "InTransit_005")),
        ("Out for delivery", "text", ("OutForDelivery", "OutForDelivery_001")),
        ("Delivered", "text", ("Delivered", "Delivered_001")),
        ("Arrived at destination country", "text", ("InTransit", "InTransit_004")),
        ("Shipment information received", "text", ("InfoReceived", "InfoReceived_001")),
        ("Delivery attempted", "text", ("AttemptFail", "AttemptFail_001")),
        ("Return to sender", "text", ("Exception", "Exception_001")),
        ("Parcel could not be delivered", "text", ("AttemptFail", "AttemptFail_001")),
        ("  CUSTOMS   hold - awaiting docs ", "text", ("Exception", "Exception_004")),
        ("intransit_005", "aftership", ("InTransit", "InTransit_005")),
        ("Delivered", "aftership", ("Delivered", None)),
        ("21", "iftsta", ("Delivered", "Delivered_001")),
        ("31:17", "iftsta", ("Exception", "Exception_004")),
        ("CUC", "iftsta", ("InTransit", "InTransit_005")),
        ("no such status", "text", UNMAPPED),
        ("Bogus_001", "aftership", UNMAPPED),
        ("999", "iftsta", UNMAPPED),
        (None, "text", UNMAPPED),
    ],
)
def test_map_status(raw: str | None, source: str, expected: tuple[str, str | None]) -> None:
    assert map_status(raw, source) == expected


def test_simulator_messages_map_to_their_subtags() -> None:
    for tag, subtag, message, _ in SIMULATED_EVENTS:
        assert map_status(message, "text") == (tag, subtag)
    assert customs_status("Exception_004") == "customs_held"
    assert customs_status("InTransit_005") == "customs_cleared"


def test_status_expr_matches_map_status() -> None:
    raw = ["Delivered", None, "Held by customs", "???", "Delivered"]
    got = pl.DataFrame({"s": raw}).select(status_expr(pl.col("s"), "text")).unnest("s")
    assert list(got.iter_rows()) == [map_status(r, "text") for r in raw]


@FUZZ
@given(raw=st.one_of(st.none(), st.text()), source=st.sampled_from(["text", "iftsta", "aftership"]))
def test_any_status_maps_to_a_valid_tag(raw: str | None, source: str) -> None:
    tag, subtag = map_status(raw, source)
    assert tag in TAGS
    assert subtag is None or subtag.startswith(f"{tag}_")


# --- IFTSTA --------------------------------------------------------------------------------------


def _parse(feed, path: Path) -> tuple[pl.DataFrame, list]:  # type: ignore[no-untyped-def]
    typed, errors = feed.parse(path, path.name)
    return feed.finalize(typed), errors


def test_iftsta_fixture() -> None:
    typed, errors = _parse(
        carrier_iftsta_edifact.FEED, FIXTURES / "carrier/iftsta_dhl_20250204.edi"
    )
    assert errors == []
    common = {"carrier": "dhl", "sent_at": datetime(2025, 2, 4, 23, 59)}
    first = {
        **common,
        "webhook_event_id": "DHL-STS-000981",
        "tracking_number": "JD014600006543210987",
        "service": "express",
        "order_id": "AMZ-114-2231911-0042",
        "origin_country": "CN",
        "destination_country": "DE",
    }
    second = {
        **common,
        "webhook_event_id": "DHL-STS-000982",
        "tracking_number": "JD014600006543299001",
        "service": None,
        "order_id": "SHP-5512-9",
        "origin_country": "TR",
        "destination_country": "FR",
    }
    expected = [
        {**first, "event_at": datetime(2025, 2, 4, 1, 14), "tag": "InTransit",
         "subtag": "InTransit_002", "message": "Shipment accepted by carrier",
         "location": "Shenzhen", "event_country": "CN", "_source_line": 12},
        {**first, "event_at": datetime(2025, 2, 4, 18, 30, 5), "tag": "InTransit",
         "subtag": "InTransit_007", "message": "Departed facility", "location": "Hong Kong",
         "event_country": "HK", "_source_line": 16},
        {**second, "event_at": datetime(2025, 2, 4, 9, 15), "tag": "Exception",
         "subtag": "Exception_004", "message": "Held by customs: documents requested",
         "location": "Paris CDG", "event_country": "FR", "_source_line": 29},
        {**second, "event_at": datetime(2025, 2, 5, 3, 5), "tag": "Delivered",
         "subtag": "Delivered_001", "message": None, "location": None, "event_country": None,
         "_source_line": 33},
    ]  # fmt: skip
    assert typed.drop("event_id").to_dicts() == expected
    assert typed["event_id"].n_unique() == 4


def _events_frame() -> pl.DataFrame:
    rows = []
    for i, (tag, subtag, message, _) in enumerate(SIMULATED_EVENTS):
        rows.append(
            {
                "webhook_event_id": f"{i // 4:032x}",
                "sent_at": datetime(2025, 2, 4, 23, 59, i // 4),
                "tracking_number": f"1ZA40{i // 3:013d}",
                "carrier": "ups" if i % 2 else "dhl",
                "service": None if i == 3 else "express",
                "order_id": f"AMZ-{i // 3}",
                "origin_country": "CN",
                "destination_country": "US",
                "event_at": datetime(2025, 2, 4, 1, 2, 3) + timedelta(hours=i),
                "tag": tag,
                "subtag": subtag,
                "message": None if i == 5 else f"{message} ?+:'",
                "location": None if i == 6 else "Shenzhen, Bao'an",
                "event_country": None if i in (6, 7) else "CN",
            }
        )
    return pl.DataFrame(rows, schema=EVENTS.polars_schema())


def _read_back(feed, out: Path, files: list[str]) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    frames = []
    for rel in files:
        typed, errors = feed.parse(out / rel, rel)
        assert errors == []
        frames.append(typed)
    return pl.concat(frames)


def test_iftsta_round_trip(tmp_path: Path) -> None:
    canonical = _events_frame()
    files = write_iftsta(canonical, tmp_path, date(2025, 2, 4))
    assert files == [
        "carrier/iftsta/2025-02-04/iftsta_dhl_20250204.edi",
        "carrier/iftsta/2025-02-04/iftsta_ups_20250204.edi",
    ]
    first = [(tmp_path / f).read_bytes() for f in files]
    assert write_iftsta(canonical.reverse(), tmp_path, date(2025, 2, 4)) == files
    assert [(tmp_path / f).read_bytes() for f in files] == first  # deterministic
    back = _read_back(carrier_iftsta_edifact.FEED, tmp_path, files).select(EVENTS.names)
    key = ["tracking_number", "event_at"]
    assert back.sort(key).equals(canonical.sort(key))


def test_iftsta_unknown_code_and_bad_date_are_row_errors(tmp_path: Path) -> None:
    text = (FIXTURES / "carrier/iftsta_dhl_20250204.edi").read_text()
    text = text.replace("STS+1+DEP::ZZZ'", "STS+1+XYZ::ZZZ'").replace(
        "20250204183005:204", "20250204:102"
    )
    path = tmp_path / "bad.edi"
    path.write_text(text)
    _, errors = carrier_iftsta_edifact.FEED.parse(path, "bad.edi")
    assert [(e.line, e.column, e.value) for e in errors] == [
        (16, "event_at", "20250204:102"),
        (16, "tag", "XYZ"),
    ]
    assert all(e.reason for e in errors)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("UNT+18+1'", "UNT+17+1'"), "segment 20: UNT counts '17'"),
        (lambda t: t.replace("UNZ+2+", "UNZ+3+"), "UNZ counts '3' messages"),
        (lambda t: t.split("UNZ")[0], "does not end with UNZ"),
        (lambda t: t.replace("IFTSTA:D:01B", "IFTMIN:D:01B", 1), "segment 3: message type"),
        (lambda t: "", "empty interchange"),
    ],
)
def test_iftsta_envelope_faults_raise(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.edi"
    path.write_text(edit((FIXTURES / "carrier/iftsta_dhl_20250204.edi").read_text()))
    with pytest.raises(FeedError, match=message.replace("?", r"\?")):
        carrier_iftsta_edifact.FEED.parse(path, "x.edi")


def _garble(data: st.DataObject, text: str, alphabet: str, span: int) -> str:
    """Replace up to `span` characters somewhere in `text` with junk from `alphabet`."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + span)))
    junk = data.draw(st.text(alphabet=st.sampled_from(alphabet), max_size=span // 2))
    return text[:start] + junk + text[end:]


@FUZZ
@given(data=st.data())
def test_garbled_iftsta_only_raises_feed_error(tmp_path_factory, data) -> None:  # type: ignore[no-untyped-def]
    text = (FIXTURES / "carrier/iftsta_dhl_20250204.edi").read_text()
    path = tmp_path_factory.mktemp("edi") / "x.edi"
    path.write_text(_garble(data, text, "+:'?ABC12 \n\x00é", 40), encoding="utf-8")
    try:
        typed, errors = carrier_iftsta_edifact.FEED.parse(path, "x.edi")
    except FeedError as exc:
        assert "x.edi" in str(exc)
        return
    assert all(e.reason and e.source_file == "x.edi" for e in errors)
    assert typed.height >= 1


# --- H7 ------------------------------------------------------------------------------------------


def test_h7_fixture() -> None:
    typed, errors = _parse(customs_h7_xml.FEED, FIXTURES / "customs/h7_kuehne-nagel_20250204.xml")
    assert errors == []
    assert typed.to_dicts() == [
        {"declaration_id": "KNG000000004711", "tracking_number": "JD014600006543210987",
         "order_id": "AMZ-114-2231911-0042", "declared_at": datetime(2025, 2, 4, 8, 30),
         "broker": "kuehne-nagel", "hs_code": "850760",
         "goods_description": "Lithium-ion power bank, 10000 mAh", "declared_value": 42.5,
         "currency": "EUR", "incoterm": "DDP", "origin_country": "CN",
         "destination_country": "DE", "duty_amount": 0.0, "vat_amount": 8.08, "_source_line": 3},
        {"declaration_id": "KNG000000004712", "tracking_number": "JD014600006543299001",
         "order_id": "SHP-5512-9", "declared_at": datetime(2025, 2, 4, 16, 5, 59),
         "broker": "kuehne-nagel", "hs_code": "610910",
         "goods_description": "Cotton T-shirts & socks", "declared_value": 149.99,
         "currency": "EUR", "incoterm": "DAP", "origin_country": "TR",
         "destination_country": "FR", "duty_amount": 17.99, "vat_amount": 33.6,
         "_source_line": 34},
    ]  # fmt: skip


def test_h7_round_trip(tmp_path: Path) -> None:
    canonical = pl.DataFrame(
        [
            ["FLX000000000001", "1ZA4011", "AMZ-1", datetime(2025, 2, 4, 10, 0, 1), "flexport",
             "850760", "Power bank <10Ah> & cable", 42.5, "USD", "DDP", "CN", "US", 0.0, 3.4],
            ["DSV000000000002", "1ZA4012", "SHP-2", datetime(2025, 2, 4, 9, 0), "dsv",
             "610910", None, 149.99, "GBP", "DAP", "TR", "GB", 17.99, 33.6],
            ["DSV000000000003", "1ZA4013", "EBY-3", datetime(2025, 2, 4, 9, 30), "dsv",
             "950300", "Toy", 10.125, "GBP", "DDU", "VN", "GB", 0.0, 2.0],
        ],
        schema=DECLARATIONS.polars_schema(),
        orient="row",
    )  # fmt: skip
    files = write_h7(canonical, tmp_path, date(2025, 2, 4))
    assert files == [
        "customs/h7/2025-02-04/h7_dsv_20250204.xml",
        "customs/h7/2025-02-04/h7_flexport_20250204.xml",
    ]
    back = _read_back(customs_h7_xml.FEED, tmp_path, files).select(DECLARATIONS.names)
    assert back.sort("declaration_id").equals(canonical.sort("declaration_id"))


def test_h7_domain_errors(tmp_path: Path) -> None:
    text = (FIXTURES / "customs/h7_kuehne-nagel_20250204.xml").read_text()
    text = (
        text.replace(
            "<InvoiceCurrency>EUR</InvoiceCurrency>", "<InvoiceCurrency>EU</InvoiceCurrency>", 1
        )
        .replace("<CountryOfOrigin>TR<", "<CountryOfOrigin>TUR<")
        .replace("<IntrinsicValue>149.99<", "<IntrinsicValue>149,99<")
        .replace("<HarmonizedSystemSubHeadingCode>850760<", "<HarmonizedSystemSubHeadingCode>8507<")
    )
    path = tmp_path / "bad.xml"
    path.write_text(text)
    _, errors = customs_h7_xml.FEED.parse(path, "bad.xml")
    assert [(e.line, e.column, e.value) for e in errors] == [
        (3, "currency", "EU"),
        (3, "hs_code", "8507"),
        (34, "declared_value", "149,99"),
        (34, "origin_country", "TUR"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<H7ImportDeclarations><ImportDeclaration>", r"bad\.xml:1: not well-formed"),
        ("<Other/>", "root element 'Other'"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><H7ImportDeclarations/>', "DTD or entity"),
        ("<H7ImportDeclarations/>", "no data rows"),
    ],
)
def test_h7_file_faults_raise(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text)
    with pytest.raises(FeedError, match=message):
        customs_h7_xml.FEED.parse(path, "bad.xml")


@FUZZ
@given(data=st.data())
def test_garbled_h7_only_raises_feed_error(tmp_path_factory, data) -> None:  # type: ignore[no-untyped-def]
    text = (FIXTURES / "customs/h7_kuehne-nagel_20250204.xml").read_text()
    path = tmp_path_factory.mktemp("h7") / "x.xml"
    path.write_text(_garble(data, text, "<>/&;\"'=ax1 .\n", 30), encoding="utf-8")
    try:
        _, errors = customs_h7_xml.FEED.parse(path, "x.xml")
    except FeedError as exc:
        assert "x.xml" in str(exc)
        return
    assert all(e.reason and e.line >= 1 for e in errors)


# --- SCMS (real data) ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scms(shared_data: Path) -> tuple[pl.DataFrame, list, dict[str, tuple[int, dict[str, str]]]]:
    path = shared_data / SCMS
    typed, errors = scms_shipments_csv.FEED.parse(path, "carrier/scms/2014-01-01/scms.csv.gz")
    # An independent reading of the raw file: csv module, universal newlines.
    text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    raw = {}
    for row in reader:
        raw[row["ID"]] = (reader.line_num, row)
    return typed, errors, raw


def test_scms_lands_every_line_once(scms) -> None:  # type: ignore[no-untyped-def]
    typed, errors, raw = scms
    assert errors == []
    assert typed.height == 7754 == len(raw)
    assert typed["scms_id"].n_unique() == 7754
    assert typed["_source_line"].to_list() == list(range(2, 7756))
    assert typed.select(pl.col("destination_country").str.len_chars().max()).item() == 2


SCMS_EXPECTED = {
    # 2-Jun-06 dates, Côte d'Ivoire, empty insurance
    1: ("CI", date(2006, 6, 2), date(2006, 6, 2), 13.0, None, None, 780.34, None, None, None),
    # Freight Included in Commodity Cost
    44: ("ZM", date(2007, 1, 8), date(2007, 1, 8), 328.0, None, None, None,
         "included_in_commodity_cost", None, None),
    # See ASN-2921 (ID#:719) in weight and freight
    3375: ("CI", date(2009, 1, 23), date(2009, 1, 23), None, "see_other_line", 719, None,
           "see_other_line", 719, 38.22),
    # Congo, DRC; See DN-2500 (ID#:82436)
    82437: ("CD", date(2012, 2, 10), date(2012, 2, 14), None, "see_other_line", 82436, None,
            "see_other_line", 82436, 6.95),
    # Swaziland
    10767: ("SZ", date(2009, 5, 20), date(2009, 5, 20), 239.0, None, None, 2393.34, None, None,
            31.48),
    # Weight Captured Separately, Invoiced Separately
    62: ("NG", date(2007, 1, 10), date(2007, 1, 10), None, "captured_separately", None, None,
         "invoiced_separately", None, None),
}  # fmt: skip


@pytest.mark.parametrize("scms_id", sorted(SCMS_EXPECTED))
def test_scms_rows(scms, scms_id: int) -> None:  # type: ignore[no-untyped-def]
    typed, _, raw = scms
    line, source = raw[str(scms_id)]
    row = typed.filter(pl.col("scms_id") == scms_id).to_dicts()[0]
    got = tuple(
        row[c]
        for c in (
            "destination_country", "scheduled_delivery_date", "delivered_to_client_date",
            "weight_kg", "weight_note", "weight_ref_scms_id", "freight_cost_usd", "freight_note",
            "freight_ref_scms_id", "insurance_usd",
        )
    )  # fmt: skip
    assert got == SCMS_EXPECTED[scms_id]
    assert row["_source_line"] == line
    assert row["project_code"] == source["Project Code"]
    assert row["po_so_number"] == source["PO / SO #"]
    assert row["asn_dn_number"] == source["ASN/DN #"]
    assert row["vendor"] == source["Vendor"]
    assert row["line_item_quantity"] == int(source["Line Item Quantity"])
    assert row["line_item_value_usd"] == float(source["Line Item Value"])
    assert (
        row["delivery_recorded_date"]
        == datetime.strptime(source["Delivery Recorded Date"], "%d-%b-%y").date()
    )
    assert row["shipment_mode"] == (
        None if source["Shipment Mode"] == "N/A" else source["Shipment Mode"]
    )


def test_scms_rdc_lines_have_no_incoterm(scms) -> None:  # type: ignore[no-untyped-def]
    typed, _, _ = scms
    rdc = typed.filter(pl.col("fulfill_via") == "From RDC")
    assert rdc.height == 4384 and rdc["vendor_incoterm"].null_count() == 4384
    assert typed["shipment_mode"].null_count() == 360


def test_scms_plain_csv_and_bad_values(tmp_path: Path) -> None:
    header = (
        "ID,Project Code,PQ #,PO / SO #,ASN/DN #,Country,Managed By,Fulfill Via,Vendor INCO Term,"
        "Shipment Mode,Scheduled Delivery Date,Delivered to Client Date,Delivery Recorded Date,"
        "Product Group,Vendor,Line Item Quantity,Line Item Value,Weight (Kilograms),"
        "Freight Cost (USD),Line Item Insurance (USD)"
    )
    good = (
        "7,P,Q,SCMS-1,ASN-1,Swaziland,PMO - US,Direct Drop,EXW,Air,2-Jun-06,3-Jun-06,3-Jun-06,"
        "ARV,V,1,2,3,4,5"
    )
    bad = (
        "8,P,Q,SCMS-1,ASN-1,Atlantis,PMO - US,Direct Drop,EXW,Air,Date Not Captured,3-Jun-06,"
        "3-Jun-06,ARV,V,1,2,Heavy,See note,"
    )
    path = tmp_path / "scms.csv"
    path.write_bytes(("\ufeff" + "\r".join([header, good, bad])).encode())
    typed, errors = scms_shipments_csv.FEED.parse(path, "scms.csv")
    assert typed["_source_line"].to_list() == [2, 3]
    assert typed.row(0, named=True)["destination_country"] == "SZ"
    assert [(e.line, e.column, e.value) for e in errors] == [
        (3, "destination_country", "Atlantis"),
        (3, "freight_cost_usd", "See note"),
        (3, "scheduled_delivery_date", "Date Not Captured"),
        (3, "weight_kg", "Heavy"),
    ]
    path.write_text(header.replace("Country,", ""))
    with pytest.raises(FeedError, match=r"scms.csv:1: missing required column\(s\) Country"):
        scms_shipments_csv.FEED.parse(path, "scms.csv")
