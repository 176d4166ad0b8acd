"""Suites for the supply-chain marts: shipment events, journeys and carrier lanes."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from ingestion.carrier_status import TAGS
from quality.suites.common import at_least, in_set, not_null, rate, suite

SOURCE_SYSTEMS = ["crossdock", "scms"]
SHIPMENT_STATUSES = [
    "returned",
    "delivered",
    "lost",
    "held_in_customs",
    "exception",
    "failed_attempt",
    "available_for_pickup",
    "out_for_delivery",
    "label_created",
    "expired",
    "pending",
    "in_transit",
]
CROSSDOCK = 'source_system == "crossdock"'


def fct_shipment_events() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_shipment_events",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("event_id", "tracking_number", "event_sequence", "event_at", "tag"),
        gxe.ExpectColumnValuesToBeUnique(column="event_id"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["tracking_number", "event_sequence"]),
        in_set("tag", list(TAGS)),
        gxe.ExpectColumnValuesToBeBetween(column="event_sequence", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="arrival_rank", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="times_delivered", min_value=1),
        gxe.ExpectColumnValuesToBeInSet(column="is_late_arrival", value_set=[True, False]),
        gxe.ExpectColumnValuesToBeInSet(column="is_out_of_order", value_set=[True, False]),
    )


def fct_shipment_journeys() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_shipment_journeys",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("shipment_id", "source_system", "shipment_status"),
        gxe.ExpectColumnValuesToBeUnique(column="shipment_id"),
        gxe.ExpectColumnValuesToBeUnique(column="tracking_number"),
        in_set("source_system", SOURCE_SYSTEMS),
        in_set("shipment_status", SHIPMENT_STATUSES),
        *[
            gxe.ExpectColumnValuesToNotBeNull(
                column=c, row_condition=CROSSDOCK, condition_parser="pandas"
            )
            for c in ("tracking_number", "order_id", "carrier", "current_tag")
        ],
        gxe.ExpectColumnValuesToBeNull(column="export_cleared_at"),  # no feed reports it yet
        gxe.ExpectColumnValuesToBeBetween(column="transit_days", min_value=0, max_value=120),
        gxe.ExpectColumnValuesToBeBetween(column="first_mile_hours", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="last_mile_hours", min_value=0),
        at_least("delivered_at", "handed_to_carrier_at", skip_missing=True),
        at_least("first_scan_at", "ordered_at", skip_missing=True),
        at_least("handed_to_carrier_at", "first_scan_at", skip_missing=True),
    )


def fct_carrier_lane_performance() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_carrier_lane_performance",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("lane_week_id", "source_system", "ship_week", "shipments"),
        gxe.ExpectColumnValuesToBeUnique(column="lane_week_id"),
        in_set("source_system", SOURCE_SYSTEMS),
        gxe.ExpectColumnValuesToBeBetween(column="shipments", min_value=1),
        *[rate(c) for c in ("on_time_rate", "late_shipment_rate", "exception_rate", "lost_rate")],
        at_least("transit_days_p90", "transit_days_p50", skip_missing=True),
        at_least("transit_days_p95", "transit_days_p90", skip_missing=True),
        at_least("lead_time_days_p90", "lead_time_days_p50", skip_missing=True),
        at_least("first_mile_hours_p90", "first_mile_hours_p50", skip_missing=True),
        at_least("last_mile_hours_p90", "last_mile_hours_p50", skip_missing=True),
        at_least("delivered_shipments", "on_time_shipments", skip_missing=True),
        at_least("shipments", "delivered_shipments", skip_missing=True),
    )


SUITES = {
    "fct_shipment_events": fct_shipment_events,
    "fct_shipment_journeys": fct_shipment_journeys,
    "fct_carrier_lane_performance": fct_carrier_lane_performance,
}
