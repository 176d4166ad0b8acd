"""Suites for batches about to land in the lake, one per canonical entity (docs/feeds.md).

A failing row-level expectation quarantines the rows it names (file, line, column, reason) and the
rest of the file lands; an expectation with meta on_failure=block, or a table-level one, rejects
the file. A file with more than `MAX_QUARANTINE_SHARE` of its rows quarantined is rejected too.
"""

from __future__ import annotations

from collections.abc import Callable

import great_expectations as gx
import great_expectations.expectations as gxe

from ingestion.carrier_status import TAGS
from quality.suites.common import in_reference, in_set, not_null, suite

TRACKING_TAGS = list(TAGS)  # the canonical tag set, one definition
INCOTERMS = ["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF", "DDU"]
CLEARANCE_STATUSES = ["LODGED", "HELD", "INSPECTED", "RELEASED"]
ORDER_STATUSES = ["placed", "cancelled"]


def marketplace_order_lines() -> gx.ExpectationSuite:
    return suite(
        "landing.marketplace_order_lines",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("order_id", "line_number", "sku", "quantity", "unit_price", "ordered_at"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["order_id", "line_number"], meta={"on_failure": "block"}
        ),
        gxe.ExpectColumnValuesToBeBetween(column="quantity", min_value=1, max_value=10_000),
        gxe.ExpectColumnValuesToBeBetween(column="unit_price", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToMatchRegex(column="hs_code", regex=r"^\d{6}$"),
        in_reference("hs_code", "hs2022_subheadings"),
        in_reference("currency", "iso4217"),
        in_reference("ship_from_country", "iso3166_alpha2"),
        in_reference("ship_to_country", "iso3166_alpha2"),
        in_set("order_status", ORDER_STATUSES),
    )


def carrier_tracking_events() -> gx.ExpectationSuite:
    return suite(
        "landing.carrier_tracking_events",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("event_id", "tracking_number", "order_id", "event_at", "tag"),
        in_set("tag", TRACKING_TAGS),
        in_reference("origin_country", "iso3166_alpha2"),
        in_reference("destination_country", "iso3166_alpha2"),
        in_reference("event_country", "iso3166_alpha2"),
    )


def customs_declarations() -> gx.ExpectationSuite:
    return suite(
        "landing.customs_declarations",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("declaration_id", "tracking_number", "declared_at"),
        gxe.ExpectColumnValuesToBeUnique(column="declaration_id", meta={"on_failure": "block"}),
        gxe.ExpectColumnValuesToMatchRegex(column="hs_code", regex=r"^\d{6}$"),
        in_reference("hs_code", "hs2022_subheadings"),
        in_reference("currency", "iso4217"),
        in_set("incoterm", INCOTERMS),
        in_reference("origin_country", "iso3166_alpha2"),
        in_reference("destination_country", "iso3166_alpha2"),
        gxe.ExpectColumnValuesToBeBetween(column="declared_value", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="duty_amount", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="vat_amount", min_value=0),
    )


def customs_clearance_events() -> gx.ExpectationSuite:
    return suite(
        "landing.customs_clearance_events",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("declaration_id", "event_at", "status"),
        in_set("status", CLEARANCE_STATUSES),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["declaration_id", "status", "event_at"], meta={"on_failure": "block"}
        ),
    )


def scms_shipment_lines() -> gx.ExpectationSuite:
    return suite(
        "landing.scms_shipment_lines",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="scms_id", meta={"on_failure": "block"}),
        in_reference("destination_country", "iso3166_alpha2"),
        gxe.ExpectColumnValuesToBeBetween(column="line_item_quantity", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="line_item_value_usd", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="weight_kg", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="freight_cost_usd", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="insurance_usd", min_value=0),
    )


def inventory_snapshots() -> gx.ExpectationSuite:
    return suite(
        "landing.inventory_snapshots",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["snapshot_date", "warehouse_id", "sku"], meta={"on_failure": "block"}
        ),
        in_reference("warehouse_country", "iso3166_alpha2"),
        *[
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0)
            for c in ("on_hand", "reserved", "inbound", "unsellable")
        ],
    )


SUITES: dict[str, Callable[[], gx.ExpectationSuite]] = {
    "marketplace_order_lines": marketplace_order_lines,
    "carrier_tracking_events": carrier_tracking_events,
    "customs_declarations": customs_declarations,
    "customs_clearance_events": customs_clearance_events,
    "scms_shipment_lines": scms_shipment_lines,
    "inventory_snapshots": inventory_snapshots,
}
