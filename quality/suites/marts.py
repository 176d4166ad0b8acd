"""Suites for the marts, validated on the build warehouse before it is published."""

from __future__ import annotations

from collections.abc import Callable

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import in_reference, not_null, suite


def fct_orders() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_orders",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("order_id", "ordered_at", "platform", "seller_id"),
        gxe.ExpectColumnValuesToBeUnique(column="order_id"),
        gxe.ExpectColumnValuesToBeBetween(column="units", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="order_value", min_value=0),
        in_reference("ship_to_country", "iso3166_alpha2"),
    )


def fct_shipments() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_shipments",
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


def fct_customs_declarations() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_customs_declarations",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("declaration_id", "tracking_number", "hs_code"),
        gxe.ExpectColumnValuesToBeUnique(column="declaration_id"),
        in_reference("hs_code", "hs2022_subheadings"),
        gxe.ExpectColumnValuesToBeBetween(column="dwell_hours", min_value=0),
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


def dim_countries() -> gx.ExpectationSuite:
    return suite(
        "marts.dim_countries",
        gxe.ExpectTableRowCountToBeBetween(min_value=240, max_value=260),
        gxe.ExpectColumnValuesToBeUnique(column="iso2"),
        in_reference("iso2", "iso3166_alpha2"),
        gxe.ExpectColumnValuesToMatchRegex(column="iso3", regex=r"^[A-Z]{3}$"),
    )


def dim_hs_codes() -> gx.ExpectationSuite:
    return suite(
        "marts.dim_hs_codes",
        gxe.ExpectTableRowCountToEqual(value=5613),  # HS 2022 subheadings
        gxe.ExpectColumnValuesToBeUnique(column="hs6"),
        in_reference("hs6", "hs2022_subheadings"),
        *not_null("heading", "chapter", "section"),
    )


def dim_dates() -> gx.ExpectationSuite:
    return suite(
        "marts.dim_dates",
        gxe.ExpectColumnValuesToBeUnique(column="date_day"),
        gxe.ExpectColumnValuesToBeBetween(column="day_of_week", min_value=1, max_value=7),
        gxe.ExpectColumnValuesToBeBetween(column="iso_week", min_value=1, max_value=53),
    )


SUITES: dict[str, Callable[[], gx.ExpectationSuite]] = {
    "fct_orders": fct_orders,
    "fct_shipments": fct_shipments,
    "fct_customs_declarations": fct_customs_declarations,
    "fct_carrier_lane_performance": fct_carrier_lane_performance,
    "dim_countries": dim_countries,
    "dim_hs_codes": dim_hs_codes,
    "dim_dates": dim_dates,
}
