"""`dbt.*` cross-database macros, rendered as dbt-duckdb renders them (near enough to parse).

Only the macros the models call are spelled out; any other renders as a plain function call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def type_string() -> str:
    return "varchar"


def type_int() -> str:
    return "integer"


def type_bigint() -> str:
    return "bigint"


def type_float() -> str:
    return "double"


def type_timestamp() -> str:
    return "timestamp"


def cast(field: Any, type: str) -> str:
    return f"cast({field} as {type})"


def concat(fields: Sequence[Any]) -> str:
    return f"concat({', '.join(map(str, fields))})"


def date_trunc(datepart: str, date: Any) -> str:
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart: str, interval: Any, from_date_or_timestamp: Any) -> str:
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def datediff(first_date: Any, second_date: Any, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def listagg(
    measure: Any, delimiter_text: Any = "','", order_by_clause: Any = None, limit_num: Any = None
) -> str:
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def __getattr__(name: str) -> Any:
    """Any other dbt macro renders as a function of the same name over its arguments."""
    if name.startswith("__"):
        raise AttributeError(name)

    def call(*args: Any, **kwargs: Any) -> str:
        return f"{name}({', '.join(str(a) for a in [*args, *kwargs.values()])})"

    return call
