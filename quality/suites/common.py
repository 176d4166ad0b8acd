"""Small builders shared by the suites.

Every builder takes `severity` ("error" by default: a failure blocks; "warn": recorded only);
`warn(expectation)` marks any expectation as a warning.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.gates import ERROR, SEVERITIES, WARN, context
from quality.reference_expectation import ExpectColumnValuesToBeInReference


def suite(name: str, *expectations: gxe.Expectation) -> gx.ExpectationSuite:
    context()  # GX wants an active context before a suite is built
    built = gx.ExpectationSuite(name=name)
    for e in expectations:
        built.add_expectation(e)
    return built


def with_severity(expectation: gxe.Expectation, severity: str) -> gxe.Expectation:
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r} is not one of {SEVERITIES}")
    if severity != ERROR:  # error is the default: leave the meta alone
        expectation.meta = {**(expectation.meta or {}), "severity": severity}
    return expectation


def warn(expectation: gxe.Expectation) -> gxe.Expectation:
    """A distribution or freshness signal: a failure is recorded in dq_results, nothing blocks."""
    return with_severity(expectation, WARN)


def not_null(*columns: str, severity: str = ERROR) -> list[gxe.Expectation]:
    return [with_severity(gxe.ExpectColumnValuesToNotBeNull(column=c), severity) for c in columns]


def at_least(
    column_a: str, column_b: str, *, skip_missing: bool = False, severity: str = ERROR
) -> gxe.Expectation:
    """column_a >= column_b on every row (`skip_missing`: only where both are present)."""
    return with_severity(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=column_a,
            column_B=column_b,
            or_equal=True,
            ignore_row_if="either_value_is_missing" if skip_missing else "both_values_are_missing",
        ),
        severity,
    )


def rate(column: str, *, severity: str = ERROR) -> gxe.Expectation:
    """A share: between 0 and 1."""
    return with_severity(
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1), severity
    )


def in_set(column: str, values: list[str], *, severity: str = ERROR) -> gxe.Expectation:
    return with_severity(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values), severity)


def in_reference(column: str, reference: str, *, severity: str = ERROR) -> gxe.Expectation:
    """Membership in a shipped reference table (HS 2022, ISO 3166, ISO 4217)."""
    return with_severity(
        ExpectColumnValuesToBeInReference(column=column, reference=reference), severity
    )
