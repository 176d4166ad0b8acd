"""Suites for the planning marts: forecast accuracy and replenishment advice.

No row-count floors: the accuracy marts are empty until a forecast's target days are reached by
the demand data, the advice when the optional inventory feed is not delivered.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import at_least, in_set, not_null, rate, suite

HORIZON_BUCKETS = ["h01-07", "h08-14", "h15-28", "h29+"]
DEMAND_BASES = ["forecast", "trailing_sales"]
LEAD_TIME_BASES = ["lane", "destination", "network"]


def boolean(column: str) -> list[gxe.Expectation]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column=column),
        gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True, False]),
    ]


def non_negative(*columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def fct_forecast_accuracy() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_forecast_accuracy",
        gxe.ExpectColumnValuesToBeUnique(column="forecast_accuracy_id"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["forecast_run_id", "series_id", "target_date", "model_name"]
        ),
        *not_null("forecast_run_id", "series_id", "target_date", "model_name", "actual_units"),
        *boolean("is_chosen"),
        *boolean("is_in_80"),
        *boolean("is_in_95"),
        gxe.ExpectColumnValuesToBeBetween(column="horizon_days", min_value=1),
        *non_negative("actual_units", "absolute_error"),
        # the intervals nest: lo_95 <= lo_80 <= hi_80 <= hi_95
        at_least("hi_80", "lo_80"),
        at_least("hi_95", "hi_80"),
        at_least("lo_80", "lo_95"),
    )


def fct_forecast_accuracy_weekly() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_forecast_accuracy_weekly",
        gxe.ExpectColumnValuesToBeUnique(column="forecast_accuracy_week_id"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["target_week", "horizon_bucket", "model_name"]
        ),
        *not_null("target_week", "horizon_bucket", "model_name", "forecasts"),
        in_set("horizon_bucket", HORIZON_BUCKETS),
        gxe.ExpectColumnValuesToBeBetween(column="series", min_value=1),
        at_least("forecasts", "series"),
        *non_negative("actual_units", "mean_absolute_error", "wape"),
        rate("coverage_80"),
        rate("coverage_95"),
        at_least("coverage_95", "coverage_80"),
    )


def fct_lane_lead_times() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_lane_lead_times",
        gxe.ExpectColumnValuesToBeUnique(column="lane_lead_time_id"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["lead_time_basis", "origin_country", "destination_country"]
        ),
        *not_null("lead_time_basis", "window_end_date", "shipments", "mean_days", "p50_days"),
        in_set("lead_time_basis", LEAD_TIME_BASES),
        gxe.ExpectColumnValuesToBeBetween(column="shipments", min_value=1),
        *non_negative("mean_days", "sd_days", "p50_days"),
        at_least("p90_days", "p50_days"),
        at_least("window_end_date", "window_start_date"),
    )


def fct_replenishment_advice() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_replenishment_advice",
        gxe.ExpectColumnValuesToBeUnique(column="replenishment_advice_id"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["warehouse_id", "sku"]),
        *not_null("as_of_date", "warehouse_id", "sku", "demand_basis", "service_level"),
        in_set("demand_basis", DEMAND_BASES),
        in_set("lead_time_basis", LEAD_TIME_BASES),
        *boolean("is_reorder"),
        gxe.ExpectColumnValuesToBeBetween(column="service_level", min_value=0.5, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="lead_time_shipments", min_value=2),
        *non_negative(
            "on_hand",
            "inbound_in_transit",
            "inventory_position",
            "forecast_days",
            "daily_demand_units",
            "daily_demand_sd_units",
            "lead_time_mean_days",
            "lead_time_sd_days",
            "z_score",
            "review_days",
            "lead_time_demand_units",
            "safety_stock_units",
            "recommended_order_units",
            "days_until_stockout",
        ),
        at_least("on_hand", "reserved"),
        at_least("reorder_point_units", "safety_stock_units"),
        at_least("order_up_to_units", "reorder_point_units"),
    )


SUITES = {
    "fct_forecast_accuracy": fct_forecast_accuracy,
    "fct_forecast_accuracy_weekly": fct_forecast_accuracy_weekly,
    "fct_lane_lead_times": fct_lane_lead_times,
    "fct_replenishment_advice": fct_replenishment_advice,
}
