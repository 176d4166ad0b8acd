"""EU H7 low-value-consignment import declarations, XML (element names after the EU customs data
model, H7 column of UCC DA/IA Annex B), into the canonical `customs_declarations` entity.

`landing/customs/h7/<day>/*.xml`: one file per broker and day, many declarations:

    <H7ImportDeclarations xmlns="urn:crossdock:customs:h7:1">
      <ImportDeclaration>                                  one row; its start line is _source_line
        <LRN>...</LRN>                                     -> declaration_id (broker's reference)
        <MRN>...</MRN>                                     (optional, not landed)
        <LodgementDateAndTime>ISO 8601 with offset</...>   -> declared_at
        <Representative><Name>broker</Name></Representative>
        <ReferenceNumberUCR>order id</ReferenceNumberUCR>  -> order_id
        <TransportDocument><Type>N740</Type><ReferenceNumber>tracking number</ReferenceNumber>
        <DeliveryTerms><IncotermCode>DDP</IncotermCode></DeliveryTerms>
        <InvoiceCurrency>EUR</InvoiceCurrency>             currency of every amount
        <Consignee><Address><Country>DE</Country></Address></Consignee>
        <GoodsItem>                                        exactly one per declaration
          <Commodity><DescriptionOfGoods/><CommodityCode>
            <HarmonizedSystemSubHeadingCode>850760</...></CommodityCode></Commodity>
          <Origin><CountryOfOrigin>CN</CountryOfOrigin></Origin>
          <IntrinsicValue>42.50</IntrinsicValue>          -> declared_value
          <DutiesAndTaxes><TaxType>A00|B00</TaxType><PayableTaxAmount>..</PayableTaxAmount>
        </GoodsItem>

Tax type A00 is customs duty, B00 import VAT; a tax type with no DutiesAndTaxes line is 0 (H7
consignments up to EUR 150 are relieved from duty and usually carry no A00 line). Namespaces are
ignored (local names). Parsed with the stdlib expat parser feeding ElementTree, which records each
element's line; DTDs and entity declarations are refused (no entity expansion).

Row errors besides the casts: unknown currency, HS code not an HS 2022 subheading, country not
ISO alpha-2, unknown incoterm, a declaration with other than one goods item.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.parsers import expat

import polars as pl

from crossdock.reference import currency_codes, hs6_codes
from ingestion.carrier_iftsta_edifact import country_error
from ingestion.contract import FeedError
from ingestion.customs_declarations_csv import CONTRACT
from ingestion.feed import ERROR_PREFIX, Feed

ROOT = "H7ImportDeclarations"
DECLARATION = "ImportDeclaration"
INCOTERMS = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF", "DDU")
TAX_DUTY, TAX_VAT = "A00", "B00"
RAW_COLUMNS = (*CONTRACT.names, "_goods_items", "_source_line")


def parse_xml(path: Path, source_file: str) -> tuple[ET.Element, dict[ET.Element, int]]:
    """The document tree (local names) and the start line of every element."""
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = expat.ParserCreate(namespace_separator="}")

    def start(name: str, attrs: dict[str, str]) -> None:
        element = builder.start(name.rsplit("}", 1)[-1], attrs)
        lines[element] = parser.CurrentLineNumber

    def refuse(*_: Any) -> None:
        raise FeedError(
            f"{source_file}:{parser.CurrentLineNumber}: DTD or entity declarations are refused"
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(name.rsplit("}", 1)[-1])
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        with path.open("rb") as fh:
            parser.ParseFile(fh)
        root = builder.close()
    except expat.ExpatError as exc:
        raise FeedError(f"{source_file}:{exc.lineno}: not well-formed XML ({exc})") from exc
    except LookupError as exc:  # an XML declaration naming an unknown encoding
        raise FeedError(f"{source_file}:1: {exc}") from exc
    return root, lines


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    return found.text.strip() if found is not None and found.text is not None else None


def _tax(item: ET.Element | None, tax_type: str) -> str | None:
    if item is None:
        return None
    for line in item.findall("DutiesAndTaxes"):
        if _text(line, "TaxType") == tax_type:
            return _text(line, "PayableTaxAmount") or ""
    return "0"  # no line for this tax type: nothing assessed


def _xs_datetime(value: str | None) -> str | None:
    """xs:dateTime allows `Z` for UTC; the contract wants a numeric offset."""
    return value[:-1] + "+00:00" if value and value.endswith("Z") else value


def _declaration(decl: ET.Element, line: int) -> dict[str, Any]:
    items = decl.findall("GoodsItem")
    item = items[0] if len(items) == 1 else None

    def of_item(path: str) -> str | None:
        return _text(item, path) if item is not None else None

    return {
        "declaration_id": _text(decl, "LRN"),
        "tracking_number": _text(decl, "TransportDocument/ReferenceNumber"),
        "order_id": _text(decl, "ReferenceNumberUCR"),
        "declared_at": _xs_datetime(_text(decl, "LodgementDateAndTime")),
        "broker": _text(decl, "Representative/Name"),
        "hs_code": of_item("Commodity/CommodityCode/HarmonizedSystemSubHeadingCode"),
        "goods_description": of_item("Commodity/DescriptionOfGoods"),
        "declared_value": of_item("IntrinsicValue"),
        "currency": _text(decl, "InvoiceCurrency"),
        "incoterm": _text(decl, "DeliveryTerms/IncotermCode"),
        "origin_country": of_item("Origin/CountryOfOrigin"),
        "destination_country": _text(decl, "Consignee/Address/Country"),
        "duty_amount": _tax(item, TAX_DUTY),
        "vat_amount": _tax(item, TAX_VAT),
        "_goods_items": str(len(items)),
        "_source_line": line,
    }


def _flag(condition: pl.Expr, reason: str) -> pl.Expr:
    return pl.when(condition).then(pl.lit(reason)).otherwise(None)


def read_h7(path: Path, source_file: str) -> pl.DataFrame:
    """One text row per ImportDeclaration, at the line of its start tag."""
    root, lines = parse_xml(path, source_file)
    if root.tag != ROOT:
        raise FeedError(f"{source_file}:{lines[root]}: root element {root.tag!r}, expected {ROOT}")
    rows = [_declaration(d, lines[d]) for d in root.iter(DECLARATION)]
    frame = pl.DataFrame(
        rows,
        schema={c: (pl.Int64 if c == "_source_line" else pl.String) for c in RAW_COLUMNS},
        orient="row",
    )

    def present(c: str) -> pl.Expr:
        return pl.col(c).is_not_null() & (pl.col(c) != "")

    return frame.with_columns(
        _flag(
            present("currency") & ~pl.col("currency").is_in(sorted(currency_codes())),
            "is not an ISO 4217 currency code in use",
        ).alias(f"{ERROR_PREFIX}currency"),
        pl.coalesce(
            pl.when(pl.col("_goods_items") != "1").then(
                pl.concat_str(
                    pl.lit("declaration has "),
                    pl.col("_goods_items"),
                    pl.lit(" GoodsItem elements; customs_declarations holds exactly one"),
                )
            ),
            _flag(
                present("hs_code") & ~pl.col("hs_code").is_in(sorted(hs6_codes())),
                "is not an HS 2022 subheading (6 digits)",
            ),
        ).alias(f"{ERROR_PREFIX}hs_code"),
        _flag(
            present("incoterm") & ~pl.col("incoterm").is_in(INCOTERMS), "is not an Incoterm"
        ).alias(f"{ERROR_PREFIX}incoterm"),
        *[
            country_error(pl.col(c)).alias(f"{ERROR_PREFIX}{c}")
            for c in ("origin_country", "destination_country")
        ],
    )


FEED = Feed(
    name="customs_h7_xml",
    family="customs",
    folder="h7",
    pattern="*.xml",
    contract=CONTRACT,
    read_raw=read_h7,
)
