"""Suites for the overseas-warehouse inventory marts (empty when the optional feed is absent)."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import at_least, not_null, rate, suite


def fct_inventory_daily() -> gx.ExpectationSuite:
    # No row-count floor: a deployment without warehouse stock reports has an empty mart.
    return suite(
        "marts.fct_inventory_daily",
        gxe.ExpectColumnValuesToBeUnique(column="inventory_daily_id"),
        *not_null("snapshot_date", "warehouse_id", "sku", "units_sold", "is_excess"),
        gxe.ExpectColumnValuesToBeBetween(column="on_hand", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="inbound_in_transit", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="units_sold", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="days_in_window", min_value=1, max_value=28),
        gxe.ExpectColumnValuesToBeBetween(column="stockout_days_28d", min_value=0, max_value=28),
        gxe.ExpectColumnValuesToBeBetween(column="days_of_cover", min_value=0),
        rate("sell_through_rate_28d"),
        at_least("units_sold_28d", "units_sold"),
        at_least("on_hand", "reserved"),
    )


SUITES = {
    "fct_inventory_daily": fct_inventory_daily,
}
