"""`crossdock sql`: a read-only SQL shell on the published serving warehouse.

It opens `<home>/serving/crossdock.duckdb` with `read_only=True` (never the build file), runs a
query (`-c`), a file of statements (`-f`) or a small REPL, and prints each result as an aligned
table, CSV or JSON. A write is refused by DuckDB; the error is re-raised naming the snapshot.

DuckDB caches one database instance per path inside a process, so a connection keeps the
snapshot it opened. The REPL reconnects when the serving file was replaced by a publish (its
inode changed), so a long session always answers from the newest snapshot.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import duckdb

from crossdock.config import Settings

FORMATS = ("table", "csv", "json")
DEFAULT_MAX_ROWS = 1000  # table format only; csv and json print every row


class ReadOnlySnapshot(Exception):
    """A statement tried to write to the published snapshot."""


class NoSnapshot(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Result:
    statement: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    path = settings.serving_path
    if not path.exists():
        raise NoSnapshot(
            f"no published warehouse at {path}: run `crossdock run` (or `crossdock build` and "
            "`crossdock publish`) first"
        )
    return duckdb.connect(str(path), read_only=True)


def _is_read_only_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "read-only" in text or "read only" in text


def execute(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    *,
    snapshot: Path,
    max_rows: int | None = None,
) -> list[Result]:
    """Run every statement of `sql` in order; a result per statement that returns rows."""
    results: list[Result] = []
    for statement in con.extract_statements(sql):
        text = statement.query.strip().rstrip(";").strip()
        try:
            cursor = con.execute(statement)
        except duckdb.Error as exc:
            if _is_read_only_error(exc):
                raise ReadOnlySnapshot(
                    f"{snapshot} is the read-only published snapshot: "
                    f"{statement.type.name} statements cannot change it. Change the dbt models "
                    f"(dbt_project/) and publish instead. Statement: {text[:120]}"
                ) from exc
            raise
        if cursor.description is None:
            continue
        columns = [d[0] for d in cursor.description]
        if max_rows is None:
            rows, truncated = cursor.fetchall(), False
        else:
            rows = cursor.fetchmany(max_rows + 1)
            truncated = len(rows) > max_rows
            rows = rows[:max_rows]
        results.append(Result(text, columns, rows, truncated))
    return results


def _text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else repr(value)
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def render(result: Result, fmt: str) -> str:
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([["" if v is None else v for v in row] for row in result.rows])
        return buf.getvalue()
    if fmt == "json":
        records = [
            {c: _jsonable(v) for c, v in zip(result.columns, row, strict=True)}
            for row in result.rows
        ]
        return json.dumps(records, indent=2) + "\n"
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    cells = [[_text(v) for v in row] for row in result.rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(result.columns)]
    numeric = [
        bool(result.rows)
        and all(isinstance(r[i], int | float | Decimal) or r[i] is None for r in result.rows)
        for i in range(len(result.columns))
    ]

    def line(values: Sequence[str]) -> str:
        return " | ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(result.columns), "-+-".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    count = f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
    if result.truncated:
        count += f"; only the first {len(result.rows)} shown, use --format csv for all"
    out.append(count + ")")
    return "\n".join(out) + "\n"


def run_sql(
    settings: Settings,
    sql: str,
    fmt: str = "table",
    out: TextIO = sys.stdout,
    max_rows: int | None = DEFAULT_MAX_ROWS,
) -> list[Result]:
    """Run `sql` on the serving snapshot and print each result to `out`."""
    with connect(settings) as con:
        results = execute(
            con,
            sql,
            snapshot=settings.serving_path,
            max_rows=max_rows if fmt == "table" else None,
        )
    for result in results:
        out.write(render(result, fmt))
    return results


HELP = """Statements end with ';'. Commands:
  .tables            list the published tables
  .format FMT        table, csv or json
  .help              this text
  .quit              leave (or Ctrl-D)"""


def _snapshot_id(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def repl(
    settings: Settings,
    fmt: str = "table",
    lines: Iterable[str] | None = None,
    out: TextIO = sys.stdout,
) -> None:
    """Read statements until EOF or .quit. `lines` replaces stdin (tests)."""
    interactive = lines is None and sys.stdin.isatty()
    source = iter(lines) if lines is not None else iter(sys.stdin)
    path = settings.serving_path
    con = connect(settings)
    seen = _snapshot_id(path)
    if interactive:
        out.write(f"crossdock sql: {path} (read-only). .help for help.\n")
    buffer: list[str] = []
    try:
        while True:
            if interactive:
                out.write("...> " if buffer else "crossdock> ")
                out.flush()
            try:
                line = next(source)
            except StopIteration:
                break
            stripped = line.strip()
            if not buffer and stripped.startswith("."):
                command, *arg = stripped.split()
                if command in (".quit", ".exit"):
                    break
                if command == ".help":
                    out.write(HELP + "\n")
                elif command == ".format" and arg and arg[0] in FORMATS:
                    fmt = arg[0]
                elif command == ".tables":
                    buffer = [
                        "select table_schema, table_name from information_schema.tables "
                        "order by all;"
                    ]
                else:
                    out.write(f"unknown command: {stripped} (.help)\n")
                if not buffer:
                    continue
            else:
                buffer.append(line)
            sql = "\n".join(buffer)
            if not sql.strip().endswith(";"):
                continue
            buffer = []
            current = _snapshot_id(path)
            if current != seen:  # a publish replaced the file: open the new snapshot
                con.close()
                con = connect(settings)
                seen = current
                out.write("(a new snapshot was published; reconnected)\n")
            try:
                for result in execute(
                    con, sql, snapshot=path, max_rows=DEFAULT_MAX_ROWS if fmt == "table" else None
                ):
                    out.write(render(result, fmt))
            except (ReadOnlySnapshot, duckdb.Error) as exc:
                out.write(f"error: {exc}\n")
    finally:
        con.close()


def main(settings: Settings, command: str | None, file: Path | None, fmt: str) -> int:
    """The CLI entry: 0 on success, 1 on a query error, 2 on a refused write."""
    try:
        if command is None and file is None:
            repl(settings, fmt)
            return 0
        if file is not None:
            if not file.is_file():
                print(f"crossdock sql: no such file: {file}", file=sys.stderr)
                return 1
            sql = file.read_text()
        else:
            sql = command or ""
        run_sql(settings, sql, fmt)
        return 0
    except ReadOnlySnapshot as exc:
        print(f"crossdock sql: {exc}", file=sys.stderr)
        return 2
    except NoSnapshot as exc:
        print(f"crossdock sql: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        where = f" in {file}" if file is not None else ""
        print(f"crossdock sql: query failed{where}: {exc}", file=sys.stderr)
        return 1
