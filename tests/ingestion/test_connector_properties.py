"""Property tests: fuzzed deliveries never crash a connector; every bad value gets a reason."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion import carrier_tracking_webhook, marketplace_orders_csv
from ingestion.contract import FeedError

GOOD_ORDER = {
    "order_id": "AMZ-1",
    "line_number": "1",
    "platform": "amazon",
    "seller_id": "SLR-0001",
    "sku": "SKU-1",
    "product_category": "toys",
    "hs_code": "950300",
    "quantity": "2",
    "unit_price": "12.50",
    "currency": "USD",
    "ordered_at": "2025-03-03T10:00:00+08:00",
    "ship_by_date": "2025-03-05",
    "promised_delivery_date": "2025-03-15",
    "ship_from_country": "CN",
    "ship_to_country": "US",
    "order_status": "placed",
}
cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "2024-02-30", "-3", "1e309", "NaN", "2025-13-01T00:00:00Z", "0x1F"]),
)


def _write(text: str, suffix: str) -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf8") as fh:
        fh.write(text)
    return Path(fh.name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(list(GOOD_ORDER)), cells), min_size=1, max_size=5))
def test_fuzzed_order_csv_rows_are_parsed_or_named(overrides: list[dict[str, str]]):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(GOOD_ORDER), lineterminator="\n")
    writer.writeheader()
    rows = [{**GOOD_ORDER, **o} for o in overrides]
    writer.writerows(rows)
    path = _write(buf.getvalue(), ".csv")
    try:
        typed, errors = marketplace_orders_csv.FEED.parse(path, "fuzz.csv")
    except FeedError as exc:
        assert "fuzz.csv" in str(exc)  # a file-level failure still names the file
        return
    finally:
        path.unlink()
    assert typed.height == len(rows)
    for e in errors:
        assert e.source_file == "fuzz.csv" and 2 <= e.line <= len(rows) + 1 and e.reason
    # A row without errors holds every required value, typed.
    bad = {e.line for e in errors}
    clean = typed.filter(~typed["_source_line"].is_in(list(bad)))
    required = [c.name for c in marketplace_orders_csv.CONTRACT.columns if c.required]
    assert clean.select(required).null_count().sum_horizontal().item() == 0


payload = st.fixed_dictionaries(
    {
        "event": st.just("tracking_update"),
        "event_id": st.text(max_size=8),
        "sent_at": cells,
        "msg": st.fixed_dictionaries(
            {
                "tracking_number": st.text(min_size=1, max_size=8),
                "slug": st.sampled_from(["ups", "dhl"]),
                "order_id": st.text(max_size=8),
                "origin_country_iso3": st.sampled_from(["CHN", "USA", "XXX", ""]),
                "destination_country_iso3": st.sampled_from(["GBR", "DEU"]),
                "checkpoints": st.lists(
                    st.fixed_dictionaries(
                        {"checkpoint_time": cells, "tag": st.text(max_size=10), "subtag": cells}
                    ),
                    max_size=3,
                ),
            }
        ),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(payload, min_size=1, max_size=4), st.integers(min_value=0, max_value=40))
def test_fuzzed_or_truncated_webhooks_parse_or_fail_with_the_file_named(payloads, cut: int):
    text = "".join(json.dumps(p) + "\n" for p in payloads)
    path = _write(text[: len(text) - cut] if cut else text, ".jsonl")
    try:
        typed, errors = carrier_tracking_webhook.FEED.parse(path, "fuzz.jsonl")
    except FeedError as exc:
        assert str(exc).startswith("fuzz.jsonl")
        return
    finally:
        path.unlink()
    n_lines = len(payloads)
    for e in errors:
        assert 1 <= e.line <= n_lines and e.reason
    assert typed.height == sum(
        len(p["msg"]["checkpoints"]) for p in payloads[: typed.height and n_lines]
    )
