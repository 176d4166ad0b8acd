"""Suites for the customs marts: declarations and weekly clearance."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import at_least, in_reference, not_null, rate, suite


def fct_customs_declarations() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_customs_declarations",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("declaration_id", "tracking_number", "hs_code", "declaration_date"),
        gxe.ExpectColumnValuesToBeUnique(column="declaration_id"),
        in_reference("hs_code", "hs2022_subheadings"),
        in_reference("currency", "iso4217"),
        gxe.ExpectColumnValuesToBeBetween(column="dwell_hours", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="declared_value_eur", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="declared_value_usd", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="currency_per_eur", min_value=0, strict_min=True),
        # a declaration relieved of duty is de minimis
        at_least("is_de_minimis", "is_duty_de_minimis", skip_missing=True),
    )


def fct_customs_clearance_weekly() -> gx.ExpectationSuite:
    return suite(
        "marts.fct_customs_clearance_weekly",
        *not_null("customs_week_id", "destination_country", "declaration_week"),
        gxe.ExpectColumnValuesToBeUnique(column="customs_week_id"),
        gxe.ExpectColumnValuesToBeBetween(column="declarations", min_value=1),
        *[
            rate(c)
            for c in ("hold_rate", "inspection_rate", "de_minimis_share", "effective_duty_rate")
        ],
        gxe.ExpectColumnValuesToBeBetween(column="effective_vat_rate", min_value=0, max_value=0.5),
        at_least("dwell_hours_p90", "dwell_hours_p50", skip_missing=True),
        at_least("declarations", "released_declarations"),
        in_reference("destination_country", "iso3166_alpha2"),
    )


SUITES = {
    "fct_customs_declarations": fct_customs_declarations,
    "fct_customs_clearance_weekly": fct_customs_clearance_weekly,
}
