"""`dbt.*` cross-database macros, rendered as dbt-duckdb renders them (near enough to parse)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _sql(value: Any) -> str:
    return str(value)


def type_string() -> str:
    return "varchar"


def type_int() -> str:
    return "integer"


def type_bigint() -> str:
    return "bigint"


def type_float() -> str:
    return "double"


def type_numeric() -> str:
    return "numeric(28, 6)"


def type_timestamp() -> str:
    return "timestamp"


def type_boolean() -> str:
    return "boolean"


def cast(field: Any, type: str) -> str:
    return f"cast({_sql(field)} as {type})"


def safe_cast(field: Any, type: str) -> str:
    return f"try_cast({_sql(field)} as {type})"


def hash(field: Any) -> str:
    return f"md5(cast({_sql(field)} as varchar))"


def concat(fields: Sequence[Any]) -> str:
    return f"concat({', '.join(_sql(f) for f in fields)})"


def date_trunc(datepart: str, date: Any) -> str:
    return f"date_trunc('{datepart}', {_sql(date)})"


def dateadd(datepart: str, interval: Any, from_date_or_timestamp: Any) -> str:
    return f"date_add({_sql(from_date_or_timestamp)}, interval ({_sql(interval)}) {datepart})"


def datediff(first_date: Any, second_date: Any, datepart: str) -> str:
    return f"date_diff('{datepart}', {_sql(first_date)}, {_sql(second_date)})"


def last_day(date: Any, datepart: str) -> str:
    return f"last_day({_sql(date)})"


def date(year: int, month: int, day: int) -> str:
    return f"date '{year:04d}-{month:02d}-{day:02d}'"


def current_timestamp() -> str:
    return "now()"


def string_literal(value: Any) -> str:
    return f"'{value}'"


def split_part(string_text: Any, delimiter_text: Any, part_number: Any) -> str:
    return f"split_part({_sql(string_text)}, {_sql(delimiter_text)}, {_sql(part_number)})"


def listagg(
    measure: Any, delimiter_text: Any = "','", order_by_clause: Any = None, limit_num: Any = None
) -> str:
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({_sql(measure)}, {_sql(delimiter_text)}{order})"


def __getattr__(name: str) -> Any:
    """Any other dbt macro renders as a function of the same name over its arguments."""
    if name.startswith("__"):
        raise AttributeError(name)

    def call(*args: Any, **kwargs: Any) -> str:
        return f"{name}({', '.join(_sql(a) for a in [*args, *kwargs.values()])})"

    return call
