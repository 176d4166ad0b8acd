"""Suites for the shared dimensions."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import at_least, in_reference, not_null, suite


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


def dim_carriers() -> gx.ExpectationSuite:
    return suite(
        "marts.dim_carriers",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="carrier"),
        *not_null("carrier", "carrier_name", "is_in_reference"),
        in_reference("headquarters_country", "iso3166_alpha2"),
        gxe.ExpectColumnValuesToBeBetween(column="shipments", min_value=1),
    )


def dim_sellers() -> gx.ExpectationSuite:
    return suite(
        "marts.dim_sellers",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="seller_key"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["seller_id", "platform"]),
        *not_null("seller_id", "platform", "first_order_at", "last_order_at"),
        in_reference("ship_from_country", "iso3166_alpha2"),
        at_least("last_order_at", "first_order_at"),
        at_least("orders", "cancelled_orders"),
    )


def dim_products() -> gx.ExpectationSuite:
    return suite(
        "marts.dim_products",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectColumnValuesToBeUnique(column="product_key"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["sku", "version_number"]),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["sku", "valid_to"], ignore_row_if="any_value_is_missing"
        ),
        *not_null("sku", "version_number", "valid_from", "is_current"),
        in_reference("hs_code", "hs2022_subheadings"),
        at_least("valid_to", "valid_from", skip_missing=True),
    )


def dim_country_dates() -> gx.ExpectationSuite:
    return suite(
        "marts.dim_country_dates",
        gxe.ExpectColumnValuesToBeUnique(column="country_date_id"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["date_day", "country"]),
        *not_null("date_day", "country", "is_business_day"),
        in_reference("country", "iso3166_alpha2"),
    )


SUITES = {
    "dim_countries": dim_countries,
    "dim_hs_codes": dim_hs_codes,
    "dim_dates": dim_dates,
    "dim_carriers": dim_carriers,
    "dim_sellers": dim_sellers,
    "dim_products": dim_products,
    "dim_country_dates": dim_country_dates,
}
