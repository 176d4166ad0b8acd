"""Small builders shared by the suites."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.gates import context
from quality.reference_expectation import ExpectColumnValuesToBeInReference


def suite(name: str, *expectations: gxe.Expectation) -> gx.ExpectationSuite:
    context()  # GX wants an active context before a suite is built
    built = gx.ExpectationSuite(name=name)
    for e in expectations:
        built.add_expectation(e)
    return built


def not_null(*columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def at_least(column_a: str, column_b: str, *, skip_missing: bool = False) -> gxe.Expectation:
    """column_a >= column_b on every row (`skip_missing`: only where both are present)."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=column_a,
        column_B=column_b,
        or_equal=True,
        ignore_row_if="either_value_is_missing" if skip_missing else "both_values_are_missing",
    )


def rate(column: str) -> gxe.Expectation:
    """A share: between 0 and 1."""
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)


def in_set(column: str, values: list[str]) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values)


def in_reference(column: str, reference: str) -> gxe.Expectation:
    """Membership in a shipped reference table (HS 2022, ISO 3166, ISO 4217)."""
    return ExpectColumnValuesToBeInReference(column=column, reference=reference)
