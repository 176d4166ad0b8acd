"""Suites for the demand marts (placed order lines over a complete daily spine)."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import not_null, suite


def fct_demand_daily() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_demand_daily",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="demand_daily_id"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["order_date", "sku", "destination_country", "platform"]
        ),
        *not_null(
            "order_date", "sku", "destination_country", "platform", "units", "orders", "gmv_eur"
        ),
        *not_null("day_of_week", "iso_week", "month", "is_weekend", "is_public_holiday"),
        gxe.ExpectColumnValuesToBeBetween(column="units", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="orders", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="gmv_eur", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="day_of_week", min_value=1, max_value=7),
        gxe.ExpectColumnValuesToBeBetween(column="iso_week", min_value=1, max_value=53),
        # An order has at least one unit of the SKU.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="units", column_B="orders", or_equal=True
        ),
    )


def fct_demand_weekly() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_demand_weekly",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="demand_weekly_id"),
        *not_null("week_start", "sku", "units", "orders", "gmv_eur", "stockout_days", "days"),
        gxe.ExpectColumnValuesToBeBetween(column="days", min_value=1, max_value=7),
        gxe.ExpectColumnValuesToBeBetween(column="units", min_value=0),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="days", column_B="stockout_days", or_equal=True
        ),
    )


SUITES = {
    "fct_demand_daily": fct_demand_daily,
    "fct_demand_weekly": fct_demand_weekly,
}
