"""What a feed connector declares: where its files land, how to read them, and its contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingestion.contract import Contract, FeedError, RowError, apply_contract

Reader = Callable[[Path, str], pl.DataFrame]
# A reader may add text columns `_error_<column>`: each non-null value is a domain error reason
# (unknown code, unknown country) for that row and column, reported in place of a cast error.
ERROR_PREFIX = "_error_"


def _unchanged(frame: pl.DataFrame) -> pl.DataFrame:
    return frame


@dataclass(frozen=True)
class Feed:
    name: str  # connector name, also the prefix of its lake files
    family: str  # marketplace | carrier | customs
    folder: str  # landing/<family>/<folder>/<YYYY-MM-DD>/
    pattern: str  # file glob inside a day folder
    contract: Contract
    read_raw: Reader  # (path, source_file) -> text columns + `_source_line`
    # Columns derived from valid typed rows (e.g. a content key), applied before landing.
    finalize: Callable[[pl.DataFrame], pl.DataFrame] = _unchanged

    @property
    def entity(self) -> str:
        return self.contract.entity

    def day_dir(self, landing: Path, day: str) -> Path:
        return landing / self.family / self.folder / day

    def parse(self, path: Path, source_file: str) -> tuple[pl.DataFrame, list[RowError]]:
        raw = self.read_raw(path, source_file)
        if raw.height == 0:
            raise FeedError(f"{source_file}: no data rows")
        typed, errors = apply_contract(raw, self.contract, source_file)
        flagged: dict[tuple[int, str], RowError] = {}
        for flag in (c for c in raw.columns if c.startswith(ERROR_PREFIX)):
            column = flag.removeprefix(ERROR_PREFIX)
            bad = raw.filter(pl.col(flag).is_not_null())
            for line, value, reason in zip(
                bad["_source_line"], bad[column], bad[flag], strict=True
            ):
                flagged[(int(line), column)] = RowError(
                    source_file, int(line), column, value, reason
                )
        if not flagged:
            return typed, errors
        # A domain reason is more specific than the cast's, so it replaces it.
        errors = [e for e in errors if (e.line, e.column) not in flagged] + list(flagged.values())
        return typed, sorted(errors, key=lambda e: (e.line, e.column))


GZIP_MAGIC = b"\x1f\x8b"


def compressed_error(path: Path, source_file: str, exc: OSError) -> Exception:
    """polars reads a file that starts with the gzip magic bytes as gzip and raises OSError when
    it is not (or is cut short): that is the file's fault, a FeedError naming it. Any other
    OSError (the disk, permissions) is not, and is raised as it is."""
    with path.open("rb") as f:
        if f.read(2) == GZIP_MAGIC:
            return FeedError(f"{source_file}: cannot be parsed as CSV: corrupt gzip data ({exc})")
    return exc


def read_csv_text(path: Path, source_file: str, separator: str = ",") -> pl.DataFrame:
    """Every column as text, with the 1-based file line of each row (header is line 1)."""
    try:
        raw = pl.read_csv(
            path,
            separator=separator,
            infer_schema=False,
            encoding="utf8",
            raise_if_empty=True,
        )
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise FeedError(f"{source_file}: cannot be parsed as CSV: {exc}") from exc
    except OSError as exc:
        error = compressed_error(path, source_file, exc)
        if error is exc:
            raise
        raise error from exc
    raw = raw.with_row_index("_source_line", offset=2).with_columns(
        pl.col("_source_line").cast(pl.Int64)
    )
    if raw.height and not _ends_with_newline(path):
        # A cut-off last line can still parse (missing fields read as empty, a number cut short
        # stays a number): never trust it.
        flag = pl.when(pl.int_range(pl.len()) == raw.height - 1).then(
            pl.lit("is on the last line, which has no line ending (truncated file?)")
        )
        first = next(c for c in raw.columns if not c.startswith("_"))
        raw = raw.with_columns(flag.alias(f"{ERROR_PREFIX}{first}"))
    return raw


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) in (b"\n", b"\r")
