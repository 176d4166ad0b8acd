"""Carrier status reports as UN/EDIFACT IFTSTA (D.01B subset), parsed with pydifact.

`landing/carrier/iftsta/<day>/*.edi`: one interchange (UNA? UNB ... UNZ) per file with one or
more IFTSTA messages. The profile read here (and written by `simulator.formats.carrier_customs`):

    UNH+1+IFTSTA:D:01B:UN'
    BGM+23+<status report id>+9'                  -> webhook_event_id (one report = one push)
    DTM+137:<CCYYMMDDHHMMSS>:204'                 -> sent_at
    NAD+CA+<carrier slug>::ZZZ'                   -> carrier
    CNI+<seq>+<tracking number>'                  -> tracking_number (one group per consignment)
      TSR+++<service>::ZZZ'                       -> service (optional)
      RFF+CU:<order id>'                          -> order_id
      LOC+5+<ISO2>::5'  LOC+8+<ISO2>::5'          -> origin_country, destination_country
      STS+1+<event code>::ZZZ[+<reason code>]'    -> tag, subtag via carrier_status (one row)
        DTM+334:<date/time>:<format>'             -> event_at
        FTX+AAI+++<text>'                         -> message
        LOC+175+:::<place name>+<ISO2>::5'        -> location, event_country
    UNT+<segment count>+1'
    UNZ+<message count>+<control reference>'

Date/time formats (2379): 203 CCYYMMDDHHMM and 204 CCYYMMDDHHMMSS are UTC by agreement,
205 CCYYMMDDHHMMZHHMM carries its UTC offset. Any other format lands as a row error.

`_source_line` is the 1-based ordinal of the STS segment in the interchange (UNA, when present,
is segment 1). For the usual layout of one segment per line this is the file line.

Envelope faults (no UNB/UNZ, UNH without UNT, wrong UNT/UNZ counts, a message that is not
IFTSTA, unparseable syntax) raise FeedError naming the file and segment; an unknown status code
or country code is a row error.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl
from pydifact.parser import Parser
from pydifact.segments import Segment

from crossdock.reference import iso2_codes
from ingestion.carrier_status import lookup_status
from ingestion.carrier_tracking_webhook import CONTRACT, add_event_id
from ingestion.contract import FeedError
from ingestion.feed import ERROR_PREFIX, Feed


def country_error(expr: pl.Expr) -> pl.Expr:
    """Reason text where a non-empty value is not an ISO 3166-1 alpha-2 code, else null."""
    return (
        pl.when(expr.is_not_null() & (expr != "") & ~expr.is_in(sorted(iso2_codes())))
        .then(pl.lit("is not an ISO 3166-1 alpha-2 country code"))
        .otherwise(None)
    )


RAW_COLUMNS = (*CONTRACT.names, "_error_tag", "_source_line")
_OFFSET = re.compile(r"^(\d{12})([+-])(\d{2})(\d{2})$")


def component(element: Any, index: int = 0) -> str:
    """Component `index` of a data element (pydifact gives a str or a list of str)."""
    if isinstance(element, list):
        value = element[index] if index < len(element) else ""
    else:
        value = element if index == 0 else ""
    return value if isinstance(value, str) else ""


def edifact_timestamp(value: str, fmt: str) -> str:
    """ISO 8601 with offset for formats 203/204 (UTC) and 205; otherwise the raw text.

    The raw text then fails the contract's timestamp cast and becomes a row error.
    """
    try:
        if fmt == "203" and len(value) == 12:
            at = datetime.strptime(value, "%Y%m%d%H%M").replace(tzinfo=UTC)
        elif fmt == "204" and len(value) == 14:
            at = datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        elif fmt == "205" and (m := _OFFSET.match(value)):
            sign = 1 if m.group(2) == "+" else -1
            offset = timedelta(hours=int(m.group(3)), minutes=int(m.group(4))) * sign
            at = datetime.strptime(m.group(1), "%Y%m%d%H%M").replace(tzinfo=timezone(offset))
        else:
            return f"{value}:{fmt}"
    except ValueError:
        return f"{value}:{fmt}"
    return at.isoformat(timespec="seconds")


def read_segments(path: Path, source_file: str) -> list[Segment]:
    """All segments of the interchange (UNA included), via pydifact's parser."""
    data = path.read_bytes()
    syntax = re.search(rb"UNB\+(UNO[A-Z])", data[:512])
    # UNOA-UNOC are ISO 646 / 8859-1; UNOW and UNOY are UTF-8.
    encoding = "utf-8" if syntax and syntax.group(1) in (b"UNOW", b"UNOY") else "latin-1"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FeedError(f"{source_file}: not valid {encoding} ({exc.reason})") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydifact warns on empty segments
            return list(Parser().parse(text.lstrip("\ufeff")))
    except Exception as exc:  # pydifact raises assorted errors on garbled syntax
        raise FeedError(f"{source_file}: not a parseable EDIFACT interchange ({exc})") from exc


def _check_envelope(segments: Sequence[Segment], source_file: str) -> None:
    tags = [s.tag for s in segments]
    first = 1 if tags[:1] == ["UNA"] else 0
    if tags[first : first + 1] != ["UNB"]:
        raise FeedError(f"{source_file}: segment {first + 1}: interchange does not start with UNB")
    if tags[-1] != "UNZ":
        raise FeedError(f"{source_file}: interchange does not end with UNZ (truncated?)")
    messages, start = 0, None
    for n, seg in enumerate(segments, start=1):
        if seg.tag == "UNH":
            if start is not None:
                raise FeedError(
                    f"{source_file}: segment {n}: UNH before the UNT of segment {start}"
                )
            start = n
            if component(seg[1], 0) != "IFTSTA":
                raise FeedError(
                    f"{source_file}: segment {n}: message type {component(seg[1], 0)!r}, "
                    "expected IFTSTA"
                )
        elif seg.tag == "UNT":
            if start is None:
                raise FeedError(f"{source_file}: segment {n}: UNT without UNH")
            if component(seg[0]) != str(n - start + 1):
                raise FeedError(
                    f"{source_file}: segment {n}: UNT counts {component(seg[0])!r} segments, "
                    f"the message has {n - start + 1}"
                )
            messages, start = messages + 1, None
        elif start is None and seg.tag not in ("UNA", "UNB", "UNZ", "UNG", "UNE"):
            raise FeedError(f"{source_file}: segment {n}: {seg.tag} outside a message")
        elif seg.tag == "UNZ" and n != len(segments):
            raise FeedError(f"{source_file}: segment {n}: UNZ before the end of the file")
    if start is not None:
        raise FeedError(f"{source_file}: segment {start}: UNH without UNT")
    if component(segments[-1][0]) != str(messages):
        raise FeedError(
            f"{source_file}: UNZ counts {component(segments[-1][0])!r} messages, "
            f"the interchange has {messages}"
        )


def read_iftsta(path: Path, source_file: str) -> pl.DataFrame:
    """One text row per STS segment, with the consignment and message it belongs to."""
    segments = read_segments(path, source_file)
    if not segments:
        raise FeedError(f"{source_file}: empty interchange")
    _check_envelope(segments, source_file)
    rows: list[dict[str, Any]] = []
    message: dict[str, Any] = {}
    consignment: dict[str, Any] | None = None
    event: dict[str, Any] | None = None
    for n, seg in enumerate(segments, start=1):
        e = seg.elements
        qualifier = component(seg[0])
        if seg.tag == "UNH":
            message, consignment, event = {}, None, None
        elif seg.tag == "BGM":
            message["webhook_event_id"] = component(seg[1])
        elif seg.tag == "DTM" and event is None and consignment is None and qualifier == "137":
            message["sent_at"] = edifact_timestamp(component(e[0], 1), component(e[0], 2))
        elif seg.tag == "NAD" and consignment is None and qualifier == "CA":
            message["carrier"] = component(seg[1])
        elif seg.tag == "CNI":
            consignment, event = {**message, "tracking_number": component(seg[1])}, None
        elif consignment is None and seg.tag in ("STS", "TSR", "RFF", "LOC", "FTX"):
            if seg.tag == "STS":
                raise FeedError(f"{source_file}: segment {n}: STS outside a CNI consignment")
        elif seg.tag == "TSR" and event is None:
            consignment["service"] = component(seg[2])
        elif seg.tag == "RFF" and event is None and qualifier == "CU":
            consignment["order_id"] = component(e[0], 1)
        elif seg.tag == "LOC" and event is None and qualifier in ("5", "8"):
            key = "origin_country" if qualifier == "5" else "destination_country"
            consignment[key] = component(seg[1])
        elif seg.tag == "STS":
            code, reason = component(seg[1]), component(seg[2])
            raw_status = f"{code}:{reason}" if reason else code
            status = lookup_status(raw_status, "iftsta")
            event = {**consignment, "_source_line": n}
            if status is None:
                event["tag"] = raw_status
                event["_error_tag"] = f"is an unknown IFTSTA status code ({raw_status!r})"
            else:
                event["tag"], event["subtag"] = status
            rows.append(event)
        elif event is not None and seg.tag == "DTM" and qualifier == "334":
            event["event_at"] = edifact_timestamp(component(e[0], 1), component(e[0], 2))
        elif event is not None and seg.tag == "FTX" and qualifier == "AAI":
            text = seg[3]
            event["message"] = "".join(text) if isinstance(text, list) else (text or "")
        elif event is not None and seg.tag == "LOC" and qualifier == "175":
            event["location"] = component(seg[1], 3)
            event["event_country"] = component(seg[2])
    frame = pl.DataFrame(
        [{c: row.get(c) for c in RAW_COLUMNS} for row in rows],
        schema={c: (pl.Int64 if c == "_source_line" else pl.String) for c in RAW_COLUMNS},
        orient="row",
    )
    country_checks = [
        country_error(pl.col(c)).alias(f"{ERROR_PREFIX}{c}")
        for c in ("origin_country", "destination_country", "event_country")
    ]
    return frame.with_columns(country_checks)


FEED = Feed(
    name="carrier_iftsta_edifact",
    family="carrier",
    folder="iftsta",
    pattern="*.edi",
    contract=CONTRACT,
    read_raw=read_iftsta,
    finalize=add_event_id,
)
