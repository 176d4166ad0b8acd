"""Suites over in-warehouse aggregates: checks that span tables, the ledger or days.

Each validates a small frame that crossdock.dq computes in DuckDB (GX cannot reach DuckDB itself),
so their cost does not grow with the marts: reconciliation of the lake with the ingest ledger,
referential integrity between marts, freshness, and day-over-day distribution drift.
"""

from __future__ import annotations

from collections.abc import Callable

import great_expectations as gx
import great_expectations.expectations as gxe

from quality.suites.common import not_null, suite, warn

# A required feed whose newest delivery lags the newest delivery of any feed by more than this
# many days is late: warn (a quiet partner must not stop the others' data from publishing). An
# incremental mart behind the lake it is built from is an error: the build missed landed data.
FRESHNESS_WARN_DAYS = 1
FEED, MART = 'kind == "feed"', 'kind == "mart"'
# On-time % of delivered shipments moving more than this (as a share) from one delivery day to
# the next, on days with at least ON_TIME_MIN_DELIVERIES deliveries: warn.
ON_TIME_MAX_DAILY_MOVE = 0.15
ON_TIME_MIN_DELIVERIES = 20


def _zero(column: str) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0)


def lake_reconciliation() -> gx.ExpectationSuite:
    """One row per lake entity: what the ledger recorded vs what the lake holds."""
    return suite(
        "warehouse.lake_reconciliation",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("entity"),
        _zero("unrecorded_files"),  # a lake file without its ledger row
        _zero("missing_files"),  # a ledger row without its lake file
        gxe.ExpectColumnPairValuesToBeEqual(column_A="lake_rows", column_B="ledger_rows"),
    )


def referential_integrity() -> gx.ExpectationSuite:
    """One row: orphans between the marts."""
    return suite(
        "warehouse.referential_integrity",
        gxe.ExpectTableRowCountToEqual(value=1),
        _zero("events_without_shipment"),  # each tracking event's shipment exists
        _zero("declarations_without_shipment"),  # each declaration's shipment exists
    )


def freshness() -> gx.ExpectationSuite:
    """One row per required lake entity (kind feed: lag behind the newest delivery of any feed)
    and per incremental mart (kind mart: lag behind the newest delivery of its own feed)."""
    return suite(
        "warehouse.freshness",
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        *not_null("newest_delivery", "lag_days"),
        warn(
            gxe.ExpectColumnValuesToBeBetween(
                column="lag_days",
                min_value=0,
                max_value=FRESHNESS_WARN_DAYS,
                row_condition=FEED,
                condition_parser="pandas",
            )
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="lag_days",
            min_value=0,
            max_value=0,
            row_condition=MART,
            condition_parser="pandas",
        ),
    )


def on_time_drift() -> gx.ExpectationSuite:
    """One row per delivery day with enough deliveries: the on-time share and its daily move."""
    return suite(
        "warehouse.on_time_drift",
        gxe.ExpectColumnValuesToBeBetween(column="on_time_rate", min_value=0, max_value=1),
        warn(
            gxe.ExpectColumnValuesToBeBetween(
                column="daily_move",
                min_value=-ON_TIME_MAX_DAILY_MOVE,
                max_value=ON_TIME_MAX_DAILY_MOVE,
            )
        ),
    )


SUITES: dict[str, Callable[[], gx.ExpectationSuite]] = {
    "lake_reconciliation": lake_reconciliation,
    "referential_integrity": referential_integrity,
    "freshness": freshness,
    "on_time_drift": on_time_drift,
}
