"""Suites for the finance marts: landed cost per order line."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import at_least, in_reference, in_set, not_null, rate, suite

COMPONENTS = (
    "goods_value", "freight_amount", "insurance_amount", "duty_amount", "vat_amount", "fee_amount",
)  # fmt: skip


def fct_landed_costs() -> gx.ExpectationSuite:
    # No row-count floor: a build whose orders are all cancelled has no landed costs.
    return suite(
        "marts.fct_landed_costs",
        *not_null("order_line_id", "order_id", "currency", "goods_value", "landed_cost"),
        gxe.ExpectColumnValuesToBeUnique(column="order_line_id"),
        in_reference("currency", "iso4217"),
        rate("value_share"),
        *[gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in COMPONENTS],
        at_least("landed_cost", "goods_value"),
        in_set("is_freight_estimated", [True]),
        at_least("order_date", "fx_rate_date", skip_missing=True),
    )


SUITES = {
    "fct_landed_costs": fct_landed_costs,
}
