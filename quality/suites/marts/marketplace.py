"""Suites for the marketplace marts."""

from __future__ import annotations

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


SUITES = {
    "fct_orders": fct_orders,
}
