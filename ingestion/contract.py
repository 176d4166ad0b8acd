"""Declared schemas for delivered files, and their strict application to raw text columns.

A connector reads a delivery as text columns, then `apply_contract` casts each column to its
declared type. A value that does not cast is a `RowError` naming file, line, column and reason;
a required column that is missing fails the whole file with a `FeedError`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

ISO_TIMESTAMP = "%Y-%m-%dT%H:%M:%S%z"
ISO_DATE = "%Y-%m-%d"
LINEAGE_COLUMNS = ("_source_file", "_source_line", "_file_sha256")


class FeedError(Exception):
    """A delivered file that cannot be ingested. The message names the file and the reason."""


@dataclass(frozen=True)
class RowError:
    source_file: str
    line: int
    column: str
    value: str | None
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.source_file}:{self.line}: column {self.column!r} {self.reason} ({self.value!r})"
        )


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # one of: string, int, float, date, timestamp
    required: bool = True  # a null or empty value is an error

    def cast(self, raw: pl.Expr) -> pl.Expr:
        text = raw.cast(pl.String).str.strip_chars()
        text = pl.when(text == "").then(None).otherwise(text)
        match self.dtype:
            case "string":
                return text
            case "int":
                return text.cast(pl.Int32, strict=False)
            case "float":
                return text.cast(pl.Float64, strict=False)
            case "date":
                return text.str.to_date(ISO_DATE, strict=False)
            case "timestamp":
                # Offsets are part of the contract; land as naive UTC.
                return (
                    text.str.to_datetime(ISO_TIMESTAMP, strict=False, time_unit="us")
                    .dt.convert_time_zone("UTC")
                    .dt.replace_time_zone(None)
                )
        raise ValueError(f"unknown dtype {self.dtype!r} for column {self.name!r}")


@dataclass(frozen=True)
class Contract:
    """The canonical shape of one landed entity."""

    entity: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def polars_schema(self) -> dict[str, pl.DataType]:
        kinds = {
            "string": pl.String(),
            "int": pl.Int32(),
            "float": pl.Float64(),
            "date": pl.Date(),
            "timestamp": pl.Datetime("us"),
        }
        return {c.name: kinds[c.dtype] for c in self.columns}


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def apply_contract(
    raw: pl.DataFrame, contract: Contract, source_file: str
) -> tuple[pl.DataFrame, list[RowError]]:
    """Cast the raw text frame (with a `_source_line` column) to the contract.

    Returns the typed frame (contract columns, any extra delivered columns carried as text, then
    `_source_line`) and the row errors. A missing contract column raises FeedError, naming the
    unexpected columns too, since a renamed column shows up as one missing and one extra.
    """
    known = set(contract.names)
    extra = [c for c in raw.columns if c not in known and not c.startswith("_")]
    missing = [c.name for c in contract.columns if c.name not in raw.columns]
    if missing:
        unexpected = f"; unexpected column(s): {', '.join(extra)}" if extra else ""
        raise FeedError(
            f"{source_file}: missing required column(s) {', '.join(missing)}{unexpected}"
        )
    typed = raw.select(
        *[c.cast(pl.col(c.name)).alias(c.name) for c in contract.columns],
        *[pl.col(c).cast(pl.String) for c in extra],
        pl.col("_source_line"),
    )
    # Which rows of which column are bad, in one pass over raw and typed side by side (the
    # common case, no error at all, then costs one more query per file, not a few per column).
    columns = list(enumerate(contract.columns))
    both = pl.concat(
        [
            raw.select(
                *[
                    pl.col(c.name).cast(pl.String).str.strip_chars().alias(f"t{i}")
                    for i, c in columns
                ],
                "_source_line",
            ),
            typed.select(pl.col(c.name).is_null().alias(f"n{i}") for i, c in columns),
        ],
        how="horizontal",
    )

    def blank(i: int) -> pl.Expr:
        return pl.col(f"t{i}").is_null() | (pl.col(f"t{i}") == "")

    def bad(i: int, col: Column) -> pl.Expr:
        failed_cast = pl.col(f"n{i}") & ~blank(i)
        return failed_cast | blank(i) if col.required else failed_cast

    counts = both.select(bad(i, c).sum().alias(str(i)) for i, c in columns).row(0)
    errors: list[RowError] = []
    for i, col in columns:
        if not counts[i]:
            continue
        rows = both.filter(bad(i, col)).select("_source_line", f"t{i}", blank(i).alias("blank"))
        for line, value, is_blank in rows.iter_rows():
            reason = "is required but empty" if is_blank else f"is not a valid {col.dtype}"
            errors.append(RowError(source_file, int(line), col.name, value, reason))
    return typed, sorted(errors, key=lambda e: (e.line, e.column))
