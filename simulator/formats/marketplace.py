"""Writers of the partner marketplace formats from canonical frames (inverse of the connectors).

Each writer takes a canonical frame (`marketplace_order_lines`, or `inventory_snapshots` for the
inventory report), typed as the contract types, and writes the files of one delivery day under the
landing root `out_dir` in the layout its connector reads. Output is deterministic: rows are
sorted, ids are hashes of canonical values, nothing depends on the wall clock. Each returns the
written paths relative to `out_dir`, sorted. A frame that the format cannot carry exactly (e.g.
line numbers with gaps, an order whose lines disagree on an order-level field) is a ValueError,
so that connector(writer(frame)) == frame whenever the writer succeeds.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from ingestion import (
    amazon_orders_tsv,
    inventory_report_csv,
    olist_orders_csv,
    shopify_orders_json,
)
from ingestion.contract import ISO_DATE

SHOPIFY_PAGE_SIZE = 250  # the REST API's maximum `limit`
SAFE_NAME = re.compile(r"^[A-Za-z0-9-]+$")
AMAZON_SITES = {
    "US": "Amazon.com", "GB": "Amazon.co.uk", "DE": "Amazon.de", "FR": "Amazon.fr",
    "CA": "Amazon.ca", "AU": "Amazon.com.au", "JP": "Amazon.co.jp", "NL": "Amazon.nl",
    "ES": "Amazon.es", "IT": "Amazon.it",
}  # fmt: skip


def _num_id(*parts: object) -> int:
    """A stable 13-digit numeric id (Shopify ids are 64-bit integers)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:15], 16) % 10**13


def _hex_id(*parts: object) -> str:
    """A stable 32-hex id, like Olist's anonymised ids."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _write(out_dir: Path, rel: str, data: bytes) -> str:
    path = out_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return rel


def _orders(lines: pl.DataFrame) -> list[pl.DataFrame]:
    """Lines grouped by order, orders by (ordered_at, order_id), lines by line_number.

    Checks what every format needs: line numbers 1..n without gaps and one value per order of the
    order-level fields.
    """
    if lines["order_id"].null_count():
        raise ValueError("order_id is null")
    ordered = lines.sort("ordered_at", "order_id", "line_number", nulls_last=True)
    groups = ordered.partition_by("order_id", maintain_order=True)
    for order in groups:
        order_id = order["order_id"][0]
        if order["line_number"].to_list() != list(range(1, order.height + 1)):
            raise ValueError(f"order {order_id}: line numbers are not 1..{order.height}")
        for column in ("currency", "ordered_at", "ship_to_country", "order_status"):
            if order[column].n_unique() > 1:
                raise ValueError(f"order {order_id}: lines disagree on {column}")
    return groups


def _utc_iso(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _money(value: float) -> str:
    return f"{value:.2f}"


# --- Shopify ----------------------------------------------------------------------------------


def _shopify_order(order: pl.DataFrame) -> dict[str, Any]:
    first = order.row(0, named=True)
    order_id, created_at = first["order_id"], _utc_iso(first["ordered_at"])
    # The dates go to the order's note_attributes when all its lines agree, else per line.
    order_level = [c for c in shopify_orders_json.ORDER_ATTRIBUTES if order[c].n_unique() == 1]
    items = []
    for line in order.iter_rows(named=True):
        props = [
            {"name": prop, "value": line[col].isoformat() if col.endswith("date") else line[col]}
            for col, prop in shopify_orders_json.LINE_PROPERTIES.items()
            if col not in order_level and line[col] is not None
        ]
        items.append(
            {
                "id": _num_id(order_id, line["line_number"]),
                "admin_graphql_api_id": "gid://shopify/LineItem/"
                + str(_num_id(order_id, line["line_number"])),
                "sku": line["sku"],
                "title": line["sku"],
                "name": line["sku"],
                "vendor": line["seller_id"],
                "quantity": line["quantity"],
                "current_quantity": 0 if first["order_status"] == "cancelled" else line["quantity"],
                "fulfillable_quantity": line["quantity"],
                "price": _money(line["unit_price"]),
                "requires_shipping": True,
                "taxable": True,
                "gift_card": False,
                "fulfillment_status": None,
                "properties": props,
                "origin_location": {"country_code": line["ship_from_country"]},
            }
        )
    total = sum(row["unit_price"] * row["quantity"] for row in order.iter_rows(named=True))
    cancelled = first["order_status"] == "cancelled"
    numeric_id = _num_id(order_id)
    return {
        "id": numeric_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{numeric_id}",
        "name": order_id,
        "created_at": created_at,
        "updated_at": created_at,
        "processed_at": created_at,
        "cancelled_at": created_at if cancelled else None,
        "cancel_reason": "customer" if cancelled else None,
        "currency": first["currency"],
        "presentment_currency": first["currency"],
        "financial_status": "voided" if cancelled else "paid",
        "fulfillment_status": None,
        "subtotal_price": _money(total),
        "total_price": _money(total),
        "note_attributes": [
            {"name": shopify_orders_json.ORDER_ATTRIBUTES[c], "value": first[c].isoformat()}
            for c in order_level
            if first[c] is not None
        ],
        "shipping_address": {"country_code": first["ship_to_country"]},
        "line_items": items,
    }


def write_shopify(lines: pl.DataFrame, out_dir: Path, day: date) -> list[str]:
    """Orders API pages, 250 orders each: `marketplace/shopify/<day>/orders_<day>_<page>.json`."""
    orders = [_shopify_order(o) for o in _orders(lines)]
    written = []
    for page, start in enumerate(range(0, len(orders), SHOPIFY_PAGE_SIZE), start=1):
        body = {"orders": orders[start : start + SHOPIFY_PAGE_SIZE]}
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        rel = f"marketplace/shopify/{day.isoformat()}/orders_{day:%Y%m%d}_{page:03d}.json"
        written.append(_write(out_dir, rel, text.encode("utf-8")))
    return sorted(written)


# --- Amazon -----------------------------------------------------------------------------------


def _amazon_row(line: dict[str, Any]) -> dict[str, str]:
    status = "Cancelled" if line["order_status"] == "cancelled" else "Unshipped"
    purchased = _utc_iso(line["ordered_at"])
    row = dict.fromkeys(amazon_orders_tsv.REPORT_COLUMNS, "")
    row.update(
        {
            "amazon-order-id": line["order_id"],
            "purchase-date": purchased,
            "last-updated-date": purchased,
            "order-status": status,
            "fulfillment-channel": "Merchant",
            "sales-channel": AMAZON_SITES.get(line["ship_to_country"], "Amazon.com"),
            "ship-service-level": "Standard",
            "product-name": line["sku"],
            "sku": line["sku"],
            "asin": "B0" + _hex_id(line["sku"])[:8].upper(),
            "item-status": status,
            "quantity": str(line["quantity"]),
            "currency": line["currency"],
            "item-price": _money(line["unit_price"] * line["quantity"]),  # the line total
            "ship-country": line["ship_to_country"],
            "hs-code": line["hs_code"],
            "ship-from-country": line["ship_from_country"],
            "latest-ship-date": line["ship_by_date"].strftime(ISO_DATE),
            "latest-delivery-date": line["promised_delivery_date"].strftime(ISO_DATE),
            "product-category": line["product_category"] or "",
        }
    )
    for name, value in row.items():
        if value is None or "\t" in value or "\n" in value or "\r" in value:
            raise ValueError(f"order {line['order_id']}: {name} {value!r} cannot be written")
    return row


def write_amazon(lines: pl.DataFrame, out_dir: Path, day: date) -> list[str]:
    """One All Orders report per seller: `marketplace/amazon/<day>/orders_<seller>_<day>.txt`."""
    header = (
        *amazon_orders_tsv.REPORT_COLUMNS,
        *amazon_orders_tsv.EXTRA_COLUMNS,
        *amazon_orders_tsv.OPTIONAL_COLUMNS,
    )
    by_seller: dict[str, list[str]] = {}
    for order in _orders(lines):
        sellers = order["seller_id"].unique().to_list()
        if len(sellers) != 1 or sellers[0] is None or not SAFE_NAME.match(sellers[0]):
            raise ValueError(f"order {order['order_id'][0]}: needs one seller id [A-Za-z0-9-]+")
        rows = by_seller.setdefault(sellers[0], [])
        rows.extend("\t".join(_amazon_row(line).values()) for line in order.iter_rows(named=True))
    written = []
    for seller, rows in sorted(by_seller.items()):
        text = "\n".join(["\t".join(header), *rows]) + "\n"
        rel = f"marketplace/amazon/{day.isoformat()}/orders_{seller}_{day:%Y%m%d}.txt"
        written.append(_write(out_dir, rel, text.encode("utf-8")))
    return sorted(written)


# --- Olist ------------------------------------------------------------------------------------


def _csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv(date_format=ISO_DATE).encode("utf-8")


def write_olist(lines: pl.DataFrame, out_dir: Path, day: date) -> list[str]:
    """The five Olist tables of one day in `marketplace/olist/<day>/` (BRL, Brazil only)."""
    olist = olist_orders_csv
    orders = _orders(lines)
    domestic = (("currency", "BRL"), ("ship_to_country", "BR"), ("ship_from_country", "BR"))
    for column, value in domestic:
        if (lines[column] != value).any() or lines[column].null_count():
            raise ValueError(f"Olist is domestic Brazil: every {column} must be {value}")
    for row in lines.iter_rows(named=True):
        if olist.HS_BY_CATEGORY.get(row["product_category"]) != row["hs_code"]:
            raise ValueError(
                f"order {row['order_id']}: hs_code {row['hs_code']} is not the one Olist's "
                f"category {row['product_category']!r} maps to"
            )
    if lines.group_by("sku").agg(pl.col("product_category").n_unique().alias("n"))["n"].max() > 1:
        raise ValueError("a sku has several product categories")
    run_key = ["sku", "seller_id", "unit_price", "ship_by_date"]
    local = (
        pl.col("ordered_at")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(olist.TIME_ZONE)
        .dt.strftime("%Y-%m-%d %H:%M:%S")
    )
    order_rows, item_rows, payment_rows = [], [], []
    for order in orders:
        order = order.with_columns(local.alias("_local"))
        first = order.row(0, named=True)
        if order["promised_delivery_date"].n_unique() > 1:
            raise ValueError(f"order {first['order_id']}: lines disagree on promised_delivery_date")
        keys = order.select(run_key).rows()
        if any(a == b for a, b in itertools.pairwise(keys)):
            raise ValueError(f"order {first['order_id']}: adjacent lines would merge in Olist")
        cancelled = first["order_status"] == "cancelled"
        order_rows.append(
            {
                "order_id": first["order_id"],
                "customer_id": _hex_id("customer", first["order_id"]),
                "order_status": "canceled" if cancelled else "approved",
                "order_purchase_timestamp": first["_local"],
                "order_approved_at": first["_local"],
                "order_delivered_carrier_date": None,
                "order_delivered_customer_date": None,
                "order_estimated_delivery_date": f"{first['promised_delivery_date']} 00:00:00",
            }
        )
        unit = 0
        for line in order.iter_rows(named=True):
            for _ in range(line["quantity"]):
                unit += 1
                item_rows.append(
                    {
                        "order_id": line["order_id"],
                        "order_item_id": unit,
                        "product_id": line["sku"],
                        "seller_id": line["seller_id"],
                        "shipping_limit_date": f"{line['ship_by_date']} 23:59:59",
                        "price": _money(line["unit_price"]),
                        "freight_value": "0.00",
                    }
                )
        total = sum(r["unit_price"] * r["quantity"] for r in order.iter_rows(named=True))
        payment_rows.append(
            {
                "order_id": first["order_id"],
                "payment_sequential": 1,
                "payment_type": "credit_card",
                "payment_installments": 1,
                "payment_value": _money(total),
            }
        )
    products = (
        lines.select(
            pl.col("sku").alias("product_id"),
            pl.col("product_category").replace(olist.CATEGORY_PT).alias("product_category_name"),
        )
        .unique()
        .sort("product_id")
    )
    sellers = lines.select("seller_id").unique().sort("seller_id")
    tables = {
        olist.ORDERS: pl.DataFrame(order_rows, schema=list(olist.TABLE_COLUMNS[olist.ORDERS])),
        olist.ITEMS: pl.DataFrame(item_rows, schema=list(olist.TABLE_COLUMNS[olist.ITEMS])),
        olist.PAYMENTS: pl.DataFrame(
            payment_rows, schema=list(olist.TABLE_COLUMNS[olist.PAYMENTS])
        ),
        olist.PRODUCTS: products.with_columns(
            pl.lit(None, pl.String).alias(c) for c in olist.TABLE_COLUMNS[olist.PRODUCTS][2:]
        ),
        olist.SELLERS: sellers.with_columns(
            pl.lit(None, pl.String).alias(c) for c in olist.TABLE_COLUMNS[olist.SELLERS][1:]
        ),
    }
    folder = f"marketplace/olist/{day.isoformat()}"
    return sorted(
        _write(out_dir, f"{folder}/{name}", _csv(frame.sort(frame.columns[0], maintain_order=True)))
        for name, frame in tables.items()
    )


# --- inventory --------------------------------------------------------------------------------


def write_inventory(snapshots: pl.DataFrame, out_dir: Path, day: date) -> list[str]:
    """One stock report per warehouse: `marketplace/inventory/<day>/inventory_<wh>_<day>.csv`."""
    frame = snapshots.select(inventory_report_csv.CONTRACT.names)
    frame = frame.sort("warehouse_id", "snapshot_date", "sku")
    written = []
    for (warehouse,), part in frame.partition_by("warehouse_id", as_dict=True).items():
        if warehouse is None or not SAFE_NAME.match(str(warehouse)):
            raise ValueError(f"warehouse_id {warehouse!r} cannot name a file")
        rel = f"marketplace/inventory/{day.isoformat()}/inventory_{warehouse}_{day:%Y%m%d}.csv"
        written.append(_write(out_dir, rel, _csv(part)))
    return sorted(written)
