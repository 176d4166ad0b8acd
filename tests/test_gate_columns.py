"""Mart gates read only the columns their suite checks, and still catch what the suite checks."""

from __future__ import annotations

import duckdb
import great_expectations.expectations as gxe

from crossdock.dq import suite_columns, validate_mart
from quality.suites.common import at_least, not_null, suite


def _suite():
    return suite(
        "t",
        *not_null("a"),
        at_least("b", "c"),
        gxe.ExpectColumnValuesToBeBetween(
            column="d", min_value=0, row_condition='e == "x"', condition_parser="pandas"
        ),
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
    )


def test_suite_columns_are_the_checked_ones_in_table_order():
    table = ["id", "e", "d", "c", "b", "a", "wide_unused"]
    assert suite_columns(_suite(), table) == ["e", "d", "c", "b", "a"]
    row_count_only = suite("t", gxe.ExpectTableRowCountToBeBetween(min_value=1))
    assert suite_columns(row_count_only, table) == ["id"]
    # A column the table lacks: everything is read and GX reports the missing column.
    assert suite_columns(suite("t", *not_null("zz")), table) == table


def test_validate_mart_on_the_selected_columns_still_fails_bad_rows():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.m as select i as id, 'x' as e, i - 3 as d, 1 as c, 2 as b,"
        " case when i = 5 then null else i end as a, repeat('w', 100) as wide_unused"
        " from range(10) t(i)"
    )
    result = validate_mart(con, "m", _suite)
    failed = {(o.expectation, o.column): o.unexpected_count for o in result.failures}
    assert failed == {
        ("expect_column_values_to_not_be_null", "a"): 1,
        ("expect_column_values_to_be_between", "d"): 3,
    }
    # Chunked, the same failures add up over the chunks.
    chunked = validate_mart(con, "m", _suite, chunk_rows=4)
    assert {(o.expectation, o.column): o.unexpected_count for o in chunked.failures} == failed
