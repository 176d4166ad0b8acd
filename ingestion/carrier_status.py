"""One canonical mapping of raw carrier statuses to tracking tags and AfterShip-style subtags.

Sources (the `source` argument):

- ``aftership``: an AfterShip tag (``InTransit``) or subtag (``InTransit_005``), any case.
- ``iftsta``: a UN/EDIFACT IFTSTA STS status event code (data element 9011 of C555), optionally
  followed by ``:<reason>`` (9013 of C556), e.g. ``21`` or ``31:17``. The codes are the EANCOM
  D.01B IFTSTA subset (1 Arrived, 6 Booked, 13 Collected, 21 Delivered, 31 En route, 49 Lost,
  54 Not collected, 71 Receipt fully acknowledged) plus mutually defined three-letter codes for
  the milestones that subset has no code for (see ``IFTSTA_EVENTS``). A reason code that is known
  (``17`` customs refusal, ...) wins over the event code.
- ``text``: carrier free text ("Held by customs", "Out for delivery", ...), matched after
  normalising case, whitespace and punctuation, first against exact phrases, then keyword rules.

Unknown statuses: ``map_status`` is total and never raises on data. A raw status that no table
knows maps to ``UNMAPPED`` = (``Exception``, ``Exception_unmapped``): a valid tag, conservative
(it is not counted as progress nor as delivered), and a subtag that no carrier emits so it stays
visible in the lake. Connectors use ``lookup_status`` (strict, returns None) and turn an unknown
status into a row error: the row is quarantined with its reason (and a file full of them
is rejected) instead of landing under a guessed tag.

Customs sub-statuses: ``Exception_004`` is ``customs_held`` and ``InTransit_005`` is
``customs_cleared`` (``customs_status``).
"""

from __future__ import annotations

import re
from typing import Literal, get_args

import polars as pl

Tag = Literal[
    "InfoReceived",
    "InTransit",
    "OutForDelivery",
    "AttemptFail",
    "Delivered",
    "AvailableForPickup",
    "Exception",
    "Expired",
    "Pending",
]
TAGS: tuple[str, ...] = get_args(Tag)
Source = Literal["aftership", "iftsta", "text"]
SOURCES: tuple[str, ...] = get_args(Source)
Status = tuple[str, str | None]  # (tag, subtag)

UNMAPPED: Status = ("Exception", "Exception_unmapped")
CUSTOMS_HELD: Status = ("Exception", "Exception_004")
CUSTOMS_CLEARED: Status = ("InTransit", "InTransit_005")
CUSTOMS_STATUS = {CUSTOMS_HELD[1]: "customs_held", CUSTOMS_CLEARED[1]: "customs_cleared"}

# IFTSTA STS 9011 status event codes -> status. The first code listed for a status is the one the
# simulator's writer uses for it.
IFTSTA_EVENTS: dict[str, Status] = {
    "6": ("InfoReceived", "InfoReceived_001"),  # EANCOM: Booked
    "13": ("InTransit", "InTransit_002"),  # EANCOM: Collected (accepted by carrier)
    "1": ("InTransit", "InTransit_003"),  # EANCOM: Arrived (hub / sorting centre)
    "31": ("InTransit", "InTransit_001"),  # EANCOM: En route
    "21": ("Delivered", "Delivered_001"),  # EANCOM: Delivered
    "71": ("Delivered", "Delivered_003"),  # EANCOM: Receipt fully acknowledged (signed)
    "49": ("Exception", "Exception_001"),  # EANCOM: Lost
    "54": ("Exception", "Exception_001"),  # EANCOM: Not collected
    # Mutually defined (code list agency ZZZ) for milestones the EANCOM subset does not code.
    "DEP": ("InTransit", "InTransit_007"),  # departure scan
    "ADC": ("InTransit", "InTransit_004"),  # arrived in the destination country
    "CUH": CUSTOMS_HELD,  # held by customs
    "CUC": CUSTOMS_CLEARED,  # customs clearance completed
    "OFD": ("OutForDelivery", "OutForDelivery_001"),
    "DAF": ("AttemptFail", "AttemptFail_001"),  # delivery attempted, recipient absent
    "AFP": ("AvailableForPickup", "AvailableForPickup_001"),
    "RTS": ("Exception", "Exception_001"),  # returned to sender
    "EXC": ("Exception", "Exception_005"),  # delayed, external factors
}
# IFTSTA STS 9013 status reason codes (EANCOM subset) that decide the status on their own.
IFTSTA_REASONS: dict[str, Status] = {
    "17": CUSTOMS_HELD,  # customs refusal
    "210": ("Exception", "Exception_001"),  # destination incorrect
    "231": ("Exception", "Exception_001"),  # payment not received
}

# Free text: exact phrases after `_normalise`, then ordered keyword rules (first match wins).
TEXT_PHRASES: dict[str, Status] = {
    "shipment information received": ("InfoReceived", "InfoReceived_001"),
    "label created": ("InfoReceived", "InfoReceived_001"),
    "shipment accepted by carrier": ("InTransit", "InTransit_002"),
    "arrived at sorting facility": ("InTransit", "InTransit_003"),
    "departed facility": ("InTransit", "InTransit_007"),
    "arrived at destination country": ("InTransit", "InTransit_004"),
    "arrived in destination country": ("InTransit", "InTransit_004"),
    "held by customs": CUSTOMS_HELD,
    "held by customs clearance delayed": CUSTOMS_HELD,
    "customs clearance complete": CUSTOMS_CLEARED,
    "customs clearance completed": CUSTOMS_CLEARED,
    "out for delivery": ("OutForDelivery", "OutForDelivery_001"),
    "delivery attempted": ("AttemptFail", "AttemptFail_001"),
    "delivery attempted recipient not available": ("AttemptFail", "AttemptFail_001"),
    "delivered": ("Delivered", "Delivered_001"),
    "return to sender": ("Exception", "Exception_001"),
    "returned to sender": ("Exception", "Exception_001"),
}
TEXT_RULES: tuple[tuple[re.Pattern[str], Status], ...] = tuple(
    (re.compile(pattern), status)
    for pattern, status in (
        (r"\bcustoms?\b.*\b(held|hold|detained|delay(ed)?|inspection|examination|query)\b"
         r"|\b(held|hold|detained)\b.*\bcustoms?\b", CUSTOMS_HELD),
        (r"\bcustoms?\b.*\b(cleared|released|clearance (is )?complete(d)?)\b"
         r"|\bcleared\b.*\bcustoms?\b", CUSTOMS_CLEARED),
        (r"\breturn(ed|ing)? to (sender|shipper)\b", ("Exception", "Exception_001")),
        (r"\brefused\b", ("Exception", "Exception_003")),
        (r"\b(lost|damaged)\b", ("Exception", "Exception_001")),
        (r"\bout for delivery\b|\bon (the )?vehicle for delivery\b",
         ("OutForDelivery", "OutForDelivery_001")),
        (r"\b(delivery attempt(ed)?|attempted delivery|unable to deliver|not (be )?delivered"
         r"|undeliverable|recipient (absent|not available|not home)|no one (at )?home)\b",
         ("AttemptFail", "AttemptFail_001")),
        (r"\b(available|ready) for (pick ?up|collection)\b", ("AvailableForPickup",
                                                             "AvailableForPickup_001")),
        (r"\bpicked up by (the )?(customer|recipient|consignee)\b", ("Delivered", "Delivered_002")),
        (r"\bsigned (for )?by\b", ("Delivered", "Delivered_003")),
        (r"\bdelivered\b", ("Delivered", "Delivered_001")),
        (r"\barriv(ed|al) (at|in) (the )?destination country\b", ("InTransit", "InTransit_004")),
        (r"\b(information|info) received\b|\blabel (created|printed)\b|\bpre ?advice\b",
         ("InfoReceived", "InfoReceived_001")),
        (r"\b(picked up|accepted|collected|dropped off|received by carrier)\b",
         ("InTransit", "InTransit_002")),
        (r"\bdepart(ed|ure)\b|\bleft (the )?facility\b", ("InTransit", "InTransit_007")),
        (r"\barriv(ed|al)\b", ("InTransit", "InTransit_003")),
        (r"\b(in transit|en route|on the way|processed|transit)\b", ("InTransit", "InTransit_001")),
        (r"\bexpired\b", ("Expired", "Expired_001")),
        (r"\bpending\b|\bno (tracking )?information (yet|available)\b", ("Pending", None)),
        (r"\b(exception|delay(ed)?)\b", ("Exception", "Exception_005")),
    )
)  # fmt: skip

_AFTERSHIP = re.compile(r"(?i)^([a-z]+)(?:_(\d{3}))?$")
_TAG_BY_FOLD = {t.casefold(): t for t in TAGS}
_NON_WORD = re.compile(r"[^\w]+")


def _normalise(raw: str) -> str:
    return _NON_WORD.sub(" ", raw.casefold()).strip()


def _lookup_aftership(raw: str) -> Status | None:
    m = _AFTERSHIP.match(raw.strip())
    if not m or m.group(1).casefold() not in _TAG_BY_FOLD:
        return None
    tag = _TAG_BY_FOLD[m.group(1).casefold()]
    return (tag, f"{tag}_{m.group(2)}" if m.group(2) else None)


def _lookup_iftsta(raw: str) -> Status | None:
    event, _, reason = (part.strip().upper() for part in raw.partition(":"))
    if reason in IFTSTA_REASONS:
        return IFTSTA_REASONS[reason]
    return IFTSTA_EVENTS.get(event)


def _lookup_text(raw: str) -> Status | None:
    text = _normalise(raw)
    if not text:
        return None
    if text in TEXT_PHRASES:
        return TEXT_PHRASES[text]
    for pattern, status in TEXT_RULES:
        if pattern.search(text):
            return status
    return None


_LOOKUPS = {"aftership": _lookup_aftership, "iftsta": _lookup_iftsta, "text": _lookup_text}


def lookup_status(raw: str | None, source: str) -> Status | None:
    """The (tag, subtag) of a raw status, or None if no table knows it (strict)."""
    if source not in _LOOKUPS:
        raise ValueError(f"unknown status source {source!r}; known: {', '.join(SOURCES)}")
    if raw is None or not raw.strip():
        return None
    return _LOOKUPS[source](raw)


def map_status(raw: str | None, source: str) -> Status:
    """The (tag, subtag) of a raw status; `UNMAPPED` if unknown (total, never raises on data)."""
    return lookup_status(raw, source) or UNMAPPED


def customs_status(subtag: str | None) -> str | None:
    """'customs_held' / 'customs_cleared' for the customs subtags, else None."""
    return CUSTOMS_STATUS.get(subtag or "")


def status_expr(raw: pl.Expr, source: str) -> pl.Expr:
    """Vectorised `map_status`: a struct {tag, subtag} per value (distinct values mapped once)."""
    if source not in _LOOKUPS:
        raise ValueError(f"unknown status source {source!r}; known: {', '.join(SOURCES)}")
    dtype = pl.Struct({"tag": pl.String, "subtag": pl.String})

    def batch(values: pl.Series) -> pl.Series:
        mapped = {v: map_status(v, source) for v in values.unique().to_list()}
        rows = [mapped[v] for v in values.to_list()]
        return pl.Series(values.name, [{"tag": t, "subtag": s} for t, s in rows], dtype=dtype)

    return raw.cast(pl.String).map_batches(batch, return_dtype=dtype)


def status_code_for(tag: str, subtag: str | None) -> str | None:
    """The IFTSTA event code a writer uses for a canonical status (first listed), or None."""
    for code, status in IFTSTA_EVENTS.items():
        if status == (tag, subtag):
            return code
    return None
