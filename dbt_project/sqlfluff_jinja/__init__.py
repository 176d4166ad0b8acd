"""Jinja stand-ins for sqlfluff's jinja templater (see ../.sqlfluff).

sqlfluff lints the SQL that the templates render to. dbt's own templater cannot be installed
beside this project's pins, so the dbt cross-database macros (`dbt.*`, in `dbt.py` here) and the
project's macros (below) are rendered by small Python functions into the DuckDB SQL they stand
for. Only their output's shape matters: generated code is never linted, only the source around it.

A model that calls a project macro missing here fails the lint with "Undefined jinja template
variable": add a stand-in below when adding a macro to macros/.
"""

from __future__ import annotations

from collections.abc import Sequence

# dbt's id of the running invocation (models mark the rows they rebuilt with it).
invocation_id = "00000000-0000-0000-0000-000000000000"


def generate_surrogate_key(field_list: Sequence[str]) -> str:
    fields = ", '-', ".join(f"coalesce(cast({f} as varchar), '_null_')" for f in field_list)
    return f"md5(concat({fields}))"


def percentile(expression: str, p: float) -> str:
    return f"percentile_cont({p}) within group (order by cast({expression} as double))"


def calendar_days(start_date: str, end_date: str) -> str:
    return (
        "select cast(generate_series as date) as date_day"
        f" from generate_series(date '{start_date}', date '{end_date}', interval 1 day)"
    )


def safe_ratio(numerator: str, denominator: str) -> str:
    return f"(cast({numerator} as double) / nullif({denominator}, 0))"


def convert_currency(
    amount: str, from_currency: str, to_currency: str, from_per_eur: str, to_per_eur: str
) -> str:
    return (
        f"case when {from_currency} = {to_currency} then {amount}"
        f" else round({amount} / {from_per_eur} * {to_per_eur}, 2) end"
    )


def deduplicate_tracking_events(relation: str) -> str:
    return (
        "select ranked.event_id, ranked.times_delivered from (select *, row_number() over"
        " (partition by event_id order by delivery_date) as delivery_rank,"
        f" count(*) over (partition by event_id) as times_delivered from {relation}) as ranked"
        " where ranked.delivery_rank = 1"
    )


def in_build_batch(qualifier: str | None = None) -> str:
    prefix = f"{qualifier}." if qualifier else ""
    return (
        f"({prefix}delivery_date in (select batch_files.delivery_date from batch_files)"
        f" and {prefix}_file_sha256 in (select batch_files.file_sha256 from batch_files))"
    )


def rows_of_touched_keys(relation: str, keys: Sequence[str]) -> str:
    return f"select {relation}.* from {relation}"
