"""Shopify Admin REST API order pages (GET /admin/api/2024-10/orders.json), one page per file.

`landing/marketplace/shopify/<day>/*.json`, each file one response body `{"orders": [...]}`.
One canonical row per element of an order's `line_items`.

Mapping to `marketplace_order_lines` (fields Shopify has natively first):

| canonical | Shopify |
|---|---|
| order_id | order `name` (the shop's order name; crossdock shops set the prefix `SHP-`) |
| line_number | 1-based position in `line_items` |
| seller_id | line item `vendor` (multi-vendor marketplace apps set it to the seller account) |
| sku, quantity, unit_price | line item `sku`, `quantity`, `price` (unit price, shop currency) |
| currency | order `currency` (shop currency, the currency of `price`) |
| ordered_at | order `created_at` (ISO 8601 with offset) |
| ship_from_country | line item `origin_location.country_code` (the fulfilling location) |
| ship_to_country | order `shipping_address.country_code` |
| order_status | `cancelled` when `cancelled_at` is set, else `placed` |

Shopify has no HS code on a line item (it lives on the InventoryItem), no category and no
dispatch or delivery promise. The crossdock checkout app writes them as hidden line item
`properties` (names starting with `_`, not shown to the buyer): `_hs_code`, `_product_category`,
`_ship_by_date`, `_promised_delivery_date`. The two dates may instead be order-level
`note_attributes` named `ship_by_date` and `promised_delivery_date`; a line property wins.

`_source_line` is the file line where the line item's JSON object starts (pages are pretty-printed,
so it points at the line item itself).
"""

from __future__ import annotations

import bisect
import json
from json.decoder import JSONObject  # type: ignore[attr-defined]
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.contract import FeedError
from ingestion.feed import Feed
from ingestion.marketplace_orders_csv import CONTRACT

PLATFORM = "shopify"
LINE_PROPERTIES = {  # canonical column -> hidden line item property
    "hs_code": "_hs_code",
    "product_category": "_product_category",
    "ship_by_date": "_ship_by_date",
    "promised_delivery_date": "_promised_delivery_date",
}
ORDER_ATTRIBUTES = {  # canonical column -> order note attribute (fallback for dates)
    "ship_by_date": "ship_by_date",
    "promised_delivery_date": "promised_delivery_date",
}


class _Located(dict):  # type: ignore[type-arg]
    """A JSON object that remembers the 1-based file line of its opening brace."""

    line: int = 0


def load_located(text: str) -> Any:
    """json.loads, but every object is a `_Located` dict carrying its line in `text`."""
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    decoder = json.JSONDecoder()

    def parse_object(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> tuple[Any, int]:
        _, end = s_and_end  # end is just past the "{"
        value, new_end = JSONObject(s_and_end, *args, **kwargs)
        located = _Located(value)
        located.line = bisect.bisect_left(newlines, end - 1) + 1
        return located, new_end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)


def _text(value: Any) -> str | None:
    """A JSON scalar as contract text; objects and arrays as JSON (they then fail the cast)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True)


def _name_values(pairs: Any) -> dict[str, Any]:
    """Shopify's `[{"name": ..., "value": ...}]` lists (properties, note_attributes) as a dict."""
    if not isinstance(pairs, list):
        return {}
    return {
        str(p["name"]): p.get("value")
        for p in pairs
        if isinstance(p, dict) and isinstance(p.get("name"), str)
    }


def _field(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def _iso_offset(value: str | None) -> str | None:
    # Shopify writes offsets (`-05:00`); accept a `Z` suffix as UTC too.
    return value[:-1] + "+00:00" if value is not None and value.endswith("Z") else value


def read_shopify_page(path: Path, source_file: str) -> pl.DataFrame:
    """One text row per line item, in canonical column names, with its file line."""
    try:
        doc = load_located(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FeedError(f"{source_file}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise FeedError(f"{source_file}:{exc.lineno}: invalid JSON ({exc.msg})") from exc
    except RecursionError as exc:
        raise FeedError(f"{source_file}: JSON nested too deeply") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("orders"), list):
        raise FeedError(f"{source_file}: not an orders page (no top-level 'orders' array)")
    rows: list[dict[str, Any]] = []
    for i, order in enumerate(doc["orders"]):
        if not isinstance(order, _Located):
            raise FeedError(f"{source_file}: orders[{i}] is not an object")
        items = order.get("line_items")
        if not isinstance(items, list):
            raise FeedError(f"{source_file}:{order.line}: orders[{i}] has no 'line_items' array")
        notes = _name_values(order.get("note_attributes"))
        cancelled = order.get("cancelled_at") not in (None, "")
        for n, item in enumerate(items, start=1):
            if not isinstance(item, _Located):
                raise FeedError(f"{source_file}:{order.line}: line_items[{n - 1}] is not an object")
            props = _name_values(item.get("properties"))
            row = {
                "order_id": _text(order.get("name")),
                "line_number": str(n),
                "platform": PLATFORM,
                "seller_id": _text(item.get("vendor")),
                "sku": _text(item.get("sku")),
                "quantity": _text(item.get("quantity")),
                "unit_price": _text(item.get("price")),
                "currency": _text(order.get("currency")),
                "ordered_at": _iso_offset(_text(order.get("created_at"))),
                "ship_from_country": _text(_field(item.get("origin_location"), "country_code")),
                "ship_to_country": _text(_field(order.get("shipping_address"), "country_code")),
                "order_status": "cancelled" if cancelled else "placed",
                "_source_line": item.line,
            }
            for column, prop in LINE_PROPERTIES.items():
                value = props.get(prop)
                if value in (None, "") and column in ORDER_ATTRIBUTES:
                    value = notes.get(ORDER_ATTRIBUTES[column])
                row[column] = _text(value)
            rows.append(row)
    schema: dict[str, pl.DataType] = {name: pl.String() for name in CONTRACT.names}
    schema["_source_line"] = pl.Int64()
    return pl.DataFrame(rows, schema=schema).select(*CONTRACT.names, "_source_line")


FEED = Feed(
    name="shopify_orders_json",
    family="marketplace",
    folder="shopify",
    pattern="*.json",
    contract=CONTRACT,
    read_raw=read_shopify_page,
)
