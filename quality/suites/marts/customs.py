"""Suites for the customs marts."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import in_reference, not_null, suite


def fct_customs_declarations() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_customs_declarations",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("declaration_id", "tracking_number", "hs_code"),
        gxe.ExpectColumnValuesToBeUnique(column="declaration_id"),
        in_reference("hs_code", "hs2022_subheadings"),
        gxe.ExpectColumnValuesToBeBetween(column="dwell_hours", min_value=0),
    )


SUITES = {
    "fct_customs_declarations": fct_customs_declarations,
}
