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

import json
from json.decoder import JSONArray, JSONObject  # type: ignore[attr-defined]
from json.scanner import c_make_scanner, py_make_scanner  # type: ignore[attr-defined]
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


# Objects nested this deep (0: the page, 1: an order, 2: a line item) and deeper are parsed whole
# by the C scanner; only the levels above, where the line items are found, go through Python.
_LOCATED_DEPTH = 2


def load_located(text: str) -> Any:
    """json.loads, but the page, its orders and the objects directly inside an order's values
    (line items, shipping address, ...) are `_Located` dicts carrying their line in `text`.

    The page and its orders are walked in Python (json.decoder.JSONObject / JSONArray) to learn
    where each object opens; everything inside a line item is parsed by the C scanner.
    Objects are met in file order, so the line count advances with one `str.count` per object.
    """
    decoder = json.JSONDecoder()
    c_scan = c_make_scanner(decoder) if c_make_scanner is not None else py_make_scanner(decoder)
    memo: dict[str, str] = {}
    counted = [0, 0]  # position up to which newlines are counted, newlines before it

    def line_at(pos: int) -> int:
        counted[1] += text.count("\n", counted[0], pos)
        counted[0] = pos
        return counted[1] + 1

    def scanner(depth: int) -> Any:
        def scan_once(s: str, idx: int) -> tuple[Any, int]:
            try:
                char = s[idx]
            except IndexError:
                raise StopIteration(idx) from None
            if char == "{":
                located = _Located()
                located.line = line_at(idx)
                if depth >= _LOCATED_DEPTH:
                    value, end = c_scan(s, idx)
                else:
                    value, end = JSONObject((s, idx + 1), decoder.strict, inner, None, None, memo)
                located.update(value)
                return located, end
            if char == "[":
                return JSONArray((s, idx + 1), scan_once)
            return c_scan(s, idx)

        inner = scanner(depth + 1) if depth < _LOCATED_DEPTH else c_scan
        return scan_once

    decoder.scan_once = scanner(0)  # type: ignore[attr-defined]
    try:
        return decoder.decode(text)
    finally:
        memo.clear()


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
