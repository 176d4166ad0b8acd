"""Writers of the carrier IFTSTA (EDIFACT) and customs H7 (XML) deliveries from canonical frames.

Both are deterministic (same frame, same bytes) and are read back by
`ingestion.carrier_iftsta_edifact` and `ingestion.customs_h7_xml` into the same canonical rows.
Paths returned are relative to `out_dir` (the landing root).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from pydifact.control import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from ingestion.carrier_status import status_code_for
from ingestion.customs_h7_xml import DECLARATION, ROOT, TAX_DUTY, TAX_VAT

RECIPIENT = "CROSSDOCK"
H7_NAMESPACE = "urn:crossdock:customs:h7:1"


def _edi_time(at: datetime) -> str:
    return at.strftime("%Y%m%d%H%M%S")  # format 204, UTC


def _write(out_dir: Path, rel: str, data: bytes) -> str:
    path = out_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return rel


def _iftsta_message(ref: str, rows: list[dict[str, Any]]) -> list[Segment]:
    head = rows[0]
    body = [
        Segment("BGM", "23", head["webhook_event_id"], "9"),
        Segment("DTM", ["137", _edi_time(head["sent_at"]), "204"]),
        Segment("NAD", "CA", [head["carrier"], "", "ZZZ"]),
    ]
    consignments: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        consignments.setdefault(row["tracking_number"], []).append(row)
    for seq, (tracking, events) in enumerate(consignments.items(), start=1):
        first = events[0]
        body.append(Segment("CNI", str(seq), tracking))
        if first["service"]:
            body.append(Segment("TSR", "", "", [first["service"], "", "ZZZ"]))
        body += [
            Segment("RFF", ["CU", first["order_id"]]),
            Segment("LOC", "5", [first["origin_country"], "", "5"]),
            Segment("LOC", "8", [first["destination_country"], "", "5"]),
        ]
        for ev in events:
            code = status_code_for(ev["tag"], ev["subtag"])
            if code is None:
                raise ValueError(f"no IFTSTA status code for {ev['tag']}/{ev['subtag']}")
            body.append(Segment("STS", "1", [code, "", "ZZZ"]))
            body.append(Segment("DTM", ["334", _edi_time(ev["event_at"]), "204"]))
            if ev["message"]:
                body.append(Segment("FTX", "AAI", "", "", ev["message"]))
            if ev["location"] or ev["event_country"]:
                place = ["", "", "", ev["location"] or ""]
                loc: list[Any] = ["175", place]
                if ev["event_country"]:
                    loc.append([ev["event_country"], "", "5"])
                body.append(Segment("LOC", *loc))
    unh = Segment("UNH", ref, ["IFTSTA", "D", "01B", "UN"])
    return [unh, *body, Segment("UNT", str(len(body) + 2), ref)]


def write_iftsta(events: pl.DataFrame, out_dir: Path, day: date) -> list[str]:
    """One interchange per carrier: `carrier/iftsta/<day>/iftsta_<carrier>_<YYYYMMDD>.edi`.

    One IFTSTA message per status report (webhook_event_id), one CNI per tracking number.
    """
    files: list[str] = []
    ordered = events.sort("carrier", "sent_at", "webhook_event_id", "tracking_number", "event_at")
    for n, carrier in enumerate(ordered["carrier"].unique(maintain_order=True).to_list()):
        rows = ordered.filter(pl.col("carrier") == carrier).to_dicts()
        reports: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            reports.setdefault(row["webhook_event_id"], []).append(row)
        control = f"{day:%Y%m%d}{n:04d}"
        prepared = max(r["sent_at"] for r in rows)
        segments = [
            Segment(
                "UNB",
                ["UNOW", "4"],
                [carrier.upper(), "ZZZ"],
                [RECIPIENT, "ZZZ"],
                [f"{prepared:%Y%m%d}", f"{prepared:%H%M}"],
                control,
            )
        ]
        for ref, report in enumerate(reports.values(), start=1):
            segments += _iftsta_message(str(ref), report)
        segments.append(Segment("UNZ", str(len(reports)), control))
        text = Serializer(Characters()).serialize(segments, with_una_header=True, break_lines=True)
        rel = f"carrier/iftsta/{day.isoformat()}/iftsta_{carrier}_{day:%Y%m%d}.edi"
        files.append(_write(out_dir, rel, text.encode("utf-8")))
    return files


def _amount(x: float) -> str:
    return f"{x:.2f}" if round(x, 2) == x else repr(x)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def write_h7(declarations: pl.DataFrame, out_dir: Path, day: date) -> list[str]:
    """One XML per broker: `customs/h7/<day>/h7_<broker>_<YYYYMMDD>.xml`."""
    files: list[str] = []
    ordered = declarations.sort("broker", "declared_at", "declaration_id")
    for broker in ordered["broker"].unique(maintain_order=True).to_list():
        root = ET.Element(ROOT, {"xmlns": H7_NAMESPACE})
        for d in ordered.filter(pl.col("broker") == broker).iter_rows(named=True):
            decl = _sub(root, DECLARATION)
            _sub(decl, "LRN", d["declaration_id"])
            _sub(decl, "DeclarationType", "IM")
            _sub(decl, "AdditionalDeclarationType", "A")
            _sub(decl, "LodgementDateAndTime", f"{d['declared_at']:%Y-%m-%dT%H:%M:%S}+00:00")
            _sub(_sub(decl, "Representative"), "Name", d["broker"])
            _sub(decl, "ReferenceNumberUCR", d["order_id"])
            doc = _sub(decl, "TransportDocument")
            _sub(doc, "Type", "N740")
            _sub(doc, "ReferenceNumber", d["tracking_number"])
            _sub(_sub(decl, "DeliveryTerms"), "IncotermCode", d["incoterm"])
            _sub(decl, "InvoiceCurrency", d["currency"])
            _sub(_sub(_sub(decl, "Consignee"), "Address"), "Country", d["destination_country"])
            item = _sub(decl, "GoodsItem")
            _sub(item, "GoodsItemNumber", "1")
            commodity = _sub(item, "Commodity")
            if d["goods_description"] is not None:
                _sub(commodity, "DescriptionOfGoods", d["goods_description"])
            code = _sub(commodity, "CommodityCode")
            _sub(code, "HarmonizedSystemSubHeadingCode", d["hs_code"])
            _sub(_sub(item, "Origin"), "CountryOfOrigin", d["origin_country"])
            _sub(item, "IntrinsicValue", _amount(d["declared_value"]))
            for tax_type, column in ((TAX_DUTY, "duty_amount"), (TAX_VAT, "vat_amount")):
                line = _sub(item, "DutiesAndTaxes")
                _sub(line, "TaxType", tax_type)
                _sub(line, "PayableTaxAmount", _amount(d[column]))
        ET.indent(root)
        data = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
        rel = f"customs/h7/{day.isoformat()}/h7_{broker}_{day:%Y%m%d}.xml"
        files.append(_write(out_dir, rel, data))
    return files
