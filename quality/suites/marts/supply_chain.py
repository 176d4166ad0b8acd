"""Suites for the supply-chain marts: shipment journeys, events and carrier lanes."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import not_null, suite


def fct_shipment_journeys() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_shipment_journeys",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("tracking_number", "order_id", "carrier"),
        gxe.ExpectColumnValuesToBeUnique(column="tracking_number"),
        gxe.ExpectColumnValuesToBeBetween(column="transit_days", min_value=0, max_value=120),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="delivered_at",
            column_B="handed_to_carrier_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="first_scan_at",
            column_B="ordered_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    )


def fct_carrier_lane_performance() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_carrier_lane_performance",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="lane_week_id"),
        gxe.ExpectColumnValuesToBeBetween(column="shipments", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="on_time_rate", min_value=0, max_value=1),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="transit_days_p90",
            column_B="transit_days_p50",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    )


SUITES = {
    "fct_shipment_journeys": fct_shipment_journeys,
    "fct_carrier_lane_performance": fct_carrier_lane_performance,
}
