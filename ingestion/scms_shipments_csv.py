"""USAID SCMS delivery history (real public data), one row per shipment line.

`landing/carrier/scms/<day>/*.csv` or `*.csv.gz` (gzip detected by its magic bytes). The file as
published (see ../shared/data/README.md, section 2) has quirks handled here:

- UTF-8 with BOM, CR-only line endings, no final newline: read with the csv module over
  universal newlines, so a CR counts as a line break; the header is line 1 and `_source_line` is
  the physical line where the record starts.
- Dates like `2-Jun-06` (`%d-%b-%y`, years 2000-2068) are rewritten as ISO dates; anything else
  is kept verbatim so that the contract's date cast names it.
- `Weight (Kilograms)` and `Freight Cost (USD)` mix numbers with text. Recognised texts land as a
  null amount plus a note: `Weight Captured Separately` -> weight_note `captured_separately`;
  `Freight Included in Commodity Cost` -> freight_note `included_in_commodity_cost`;
  `Invoiced Separately` -> `invoiced_separately`; `See ASN-93 (ID#:1281)` / `See DN-304 (ID#:10589)`
  -> note `see_other_line` and *_ref_scms_id 1281 (the line that carries the amount). Any other
  text stays in the amount column and fails its cast (a row error).
- `Shipment Mode` `N/A` and `Vendor INCO Term` `N/A - From RDC` (goods from a regional
  distribution centre, see fulfill_via) land as null.
- `PO Sent to Vendor Date` and `PQ First Sent to Client Date` (optional columns: a file without
  them lands nulls) hold `2-Jun-06` or `3/19/10` (M/D/YY) dates, or a text saying there is no
  date (`N/A - From RDC`, `Date Not Captured`, `Pre-PQ Process`), which lands as null; any other
  text fails the date cast.
- Country names (`Congo, DRC`, `Côte d'Ivoire`, `Swaziland`, ...) are mapped to ISO alpha-2
  through countries.csv (`name`, `unterm_short_name`, apostrophes and case normalised) and the
  alias table below; an unknown name is a row error.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from datetime import datetime
from functools import cache
from pathlib import Path

import polars as pl

from crossdock.reference import countries
from ingestion.contract import Column, Contract, FeedError
from ingestion.feed import Feed

CONTRACT = Contract(
    entity="scms_shipment_lines",
    key=("scms_id",),
    columns=(
        Column("scms_id", "int"),
        Column("project_code", "string"),
        Column("po_so_number", "string"),
        Column("asn_dn_number", "string"),
        Column("destination_country", "string"),
        Column("managed_by", "string"),
        Column("fulfill_via", "string"),
        Column("vendor_incoterm", "string", required=False),
        Column("shipment_mode", "string", required=False),
        Column("scheduled_delivery_date", "date"),
        Column("delivered_to_client_date", "date"),
        Column("delivery_recorded_date", "date"),
        Column("product_group", "string"),
        Column("vendor", "string"),
        Column("line_item_quantity", "int"),
        Column("line_item_value_usd", "float"),
        Column("weight_kg", "float", required=False),
        Column("weight_note", "string", required=False),
        Column("weight_ref_scms_id", "int", required=False),
        Column("freight_cost_usd", "float", required=False),
        Column("freight_note", "string", required=False),
        Column("freight_ref_scms_id", "int", required=False),
        Column("insurance_usd", "float", required=False),
        Column("po_sent_to_vendor_date", "date", required=False),
        Column("pq_first_sent_to_client_date", "date", required=False),
    ),
)

# Source header -> canonical column, for the columns taken as they are.
SOURCE_COLUMNS = {
    "ID": "scms_id",
    "Project Code": "project_code",
    "PO / SO #": "po_so_number",
    "ASN/DN #": "asn_dn_number",
    "Country": "destination_country",
    "Managed By": "managed_by",
    "Fulfill Via": "fulfill_via",
    "Vendor INCO Term": "vendor_incoterm",
    "Shipment Mode": "shipment_mode",
    "Scheduled Delivery Date": "scheduled_delivery_date",
    "Delivered to Client Date": "delivered_to_client_date",
    "Delivery Recorded Date": "delivery_recorded_date",
    "Product Group": "product_group",
    "Vendor": "vendor",
    "Line Item Quantity": "line_item_quantity",
    "Line Item Value": "line_item_value_usd",
    "Weight (Kilograms)": "weight_kg",
    "Freight Cost (USD)": "freight_cost_usd",
    "Line Item Insurance (USD)": "insurance_usd",
}
# Optional source columns: absent from the header, they land as nulls.
OPTIONAL_SOURCE_COLUMNS = {
    "PO Sent to Vendor Date": "po_sent_to_vendor_date",
    "PQ First Sent to Client Date": "pq_first_sent_to_client_date",
}
OPTIONAL_DATE_COLUMNS = tuple(OPTIONAL_SOURCE_COLUMNS.values())
# Texts of the optional date columns that say there is no date.
NO_DATE_TEXTS = {"N/A - From RDC", "Date Not Captured", "Pre-PQ Process"}
DATE_COLUMNS = ("scheduled_delivery_date", "delivered_to_client_date", "delivery_recorded_date")
NULL_TEXTS = {"shipment_mode": {"N/A"}, "vendor_incoterm": {"N/A - From RDC"}}
# SCMS country names that are neither a CLDR nor a UNTERM short name in countries.csv.
COUNTRY_ALIASES = {
    "Congo, DRC": "CD",
    "Côte d'Ivoire": "CI",
    "Swaziland": "SZ",
    "Tanzania": "TZ",
    "Vietnam": "VN",
    "Kyrgyzstan": "KG",
    "Libya": "LY",
}
AMOUNT_NOTES = {
    "weight_kg": {"Weight Captured Separately": "captured_separately"},
    "freight_cost_usd": {
        "Freight Included in Commodity Cost": "included_in_commodity_cost",
        "Invoiced Separately": "invoiced_separately",
    },
}
SEE_OTHER_LINE = re.compile(r"^See\s+(?:ASN|DN)-\d+\s*\(ID#:(\d+)\)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _fold(name: str) -> str:
    return name.replace("\u2019", "'").casefold().strip()


@cache
def country_lookup() -> dict[str, str]:
    """Folded country name -> ISO alpha-2, from countries.csv names and the alias table."""
    ref = countries()
    table: dict[str, str] = {}
    for column in ("unterm_short_name", "name"):
        for name, iso2 in zip(ref[column], ref["iso2"], strict=True):
            if name:
                table[_fold(name)] = iso2
    table.update({_fold(k): v for k, v in COUNTRY_ALIASES.items()})
    return table


def _date(text: str, formats: tuple[str, ...] = ("%d-%b-%y",)) -> str:
    for fmt in formats:
        try:
            return datetime.strptime(text.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return text  # fails the contract's date cast, naming the raw value


def _optional_date(text: str) -> str:
    """A PO / PQ date: `2-Jun-06` or `3/19/10`; a no-date text is empty (null)."""
    if text.strip() in NO_DATE_TEXTS:
        return ""
    return _date(text, ("%d-%b-%y", "%m/%d/%y"))


def _amount(text: str, notes: dict[str, str]) -> tuple[str, str | None, str | None]:
    """(amount text, note, referenced scms id) of a weight or freight cell."""
    text = text.strip()
    if text in notes:
        return "", notes[text], None
    if see := SEE_OTHER_LINE.match(text):
        return "", "see_other_line", see.group(1)
    return text, None, None  # a number, empty, or unknown text that will fail the cast


def _decode(path: Path, source_file: str) -> str:
    data = path.read_bytes()
    try:
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return data.decode("utf-8-sig")
    except (OSError, EOFError, zlib.error) as exc:
        raise FeedError(f"{source_file}: not a readable gzip file ({exc})") from exc
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\r") + head.count(b"\n") - head.count(b"\r\n") + 1
        raise FeedError(f"{source_file}:{line}: not UTF-8 ({exc.reason})") from exc


def read_scms(path: Path, source_file: str) -> pl.DataFrame:
    """Canonical text columns, one row per record, with the line where the record starts."""
    text = _decode(path, source_file)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise FeedError(f"{source_file}: empty file")
        missing = [c for c in SOURCE_COLUMNS if c not in header]
        if missing:
            raise FeedError(
                f"{source_file}:1: missing required column(s) {', '.join(missing)}; "
                f"found {', '.join(header)}"
            )
        index = {SOURCE_COLUMNS[c]: header.index(c) for c in SOURCE_COLUMNS}
        index |= {c: header.index(h) for h, c in OPTIONAL_SOURCE_COLUMNS.items() if h in header}
        columns: dict[str, list[str | None]] = {c: [] for c in CONTRACT.names}
        columns["_error_destination_country"] = []
        lines: list[int] = []
        start = reader.line_num + 1
        for record in reader:
            if len(record) != len(header):
                raise FeedError(
                    f"{source_file}:{start}: {len(record)} fields, the header has {len(header)}"
                )
            lines.append(start)
            start = reader.line_num + 1
            row = {c: record[i] for c, i in index.items()}
            for column in DATE_COLUMNS:
                row[column] = _date(row[column])
            for column in OPTIONAL_DATE_COLUMNS:
                row[column] = _optional_date(row.get(column, ""))
            for column, nulls in NULL_TEXTS.items():
                if row[column].strip() in nulls:
                    row[column] = ""
            for column, notes in AMOUNT_NOTES.items():
                kind = column.split("_")[0]  # weight | freight
                row[column], row[f"{kind}_note"], row[f"{kind}_ref_scms_id"] = _amount(
                    row[column], notes
                )
            country = row["destination_country"].strip()
            iso2 = country_lookup().get(_fold(country))
            row["destination_country"] = iso2 or country
            unknown = country and iso2 is None
            columns["_error_destination_country"].append(
                "is not a known country name (countries.csv or the SCMS alias table)"
                if unknown
                else None
            )
            for column in CONTRACT.names:
                columns[column].append(row[column])
    except csv.Error as exc:
        raise FeedError(f"{source_file}:{reader.line_num}: malformed CSV ({exc})") from exc
    frame = pl.DataFrame(columns, schema={c: pl.String for c in columns})
    return frame.with_columns(pl.Series("_source_line", lines, dtype=pl.Int64))


FEED = Feed(
    name="scms_shipments_csv",
    family="carrier",
    folder="scms",
    pattern="*.csv*",
    contract=CONTRACT,
    read_raw=read_scms,
)
