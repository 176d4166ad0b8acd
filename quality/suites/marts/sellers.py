"""Suites for the seller marts: the logistics scorecard."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import at_least, in_set, not_null, rate, suite

METRICS = (
    "late_shipment_rate",
    "valid_tracking_rate",
    "on_time_delivery_rate",
    "pre_fulfilment_cancel_rate",
)


def fct_seller_scorecards() -> gx.ExpectationSuite:
    per_metric: list[gxe.Expectation] = []
    for metric in METRICS:
        per_metric += [
            rate(metric),
            gxe.ExpectColumnValuesToBeBetween(column=f"{metric}_numerator", min_value=0),
            at_least(f"{metric}_denominator", f"{metric}_numerator"),
            in_set(f"{metric}_comparator", ["<", "<=", ">", ">="]),
        ]
    return suite(
        "marts.fct_seller_scorecards",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),  # built from orders, a required feed
        gxe.ExpectColumnValuesToBeUnique(column="seller_scorecard_id"),
        *not_null("seller_id", "platform", "as_of_date", "window_days", "is_at_risk"),
        in_set("platform", ["amazon", "shopify", "ebay", "walmart"]),
        gxe.ExpectColumnValuesToBeBetween(column="window_days", min_value=1, max_value=366),
        at_least("as_of_date", "window_start_date"),
        *per_metric,
    )


SUITES = {
    "fct_seller_scorecards": fct_seller_scorecards,
}
