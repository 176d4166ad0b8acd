"""Suites for the shared dimensions."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import in_reference, not_null, suite


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


SUITES = {
    "dim_countries": dim_countries,
    "dim_hs_codes": dim_hs_codes,
    "dim_dates": dim_dates,
}
