"""Suites for the finance marts: landed cost per order line."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import in_reference, in_set, not_null, suite

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
        gxe.ExpectColumnValuesToBeBetween(column="value_share", min_value=0, max_value=1),
        *[gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in COMPONENTS],
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="landed_cost", column_B="goods_value", or_equal=True
        ),
        in_set("is_freight_estimated", [True]),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="order_date",
            column_B="fx_rate_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    )


SUITES = {
    "fct_landed_costs": fct_landed_costs,
}
