"""`crossdock sql` on a real published snapshot: queries, formats, files, the REPL, refusal of
writes, and the README's example questions (docs/examples/*.sql)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from crossdock.config import REPO_ROOT, Settings
from crossdock.publish import publish
from crossdock.sql import execute, repl

EXAMPLES = sorted((REPO_ROOT / "docs" / "examples").glob("*.sql"))


def crossdock_sql(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crossdock.cli", "sql", *args],
        env={**os.environ, "CROSSDOCK_HOME": str(home)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def direct(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        return con.execute(sql).fetchall()


ORDERS_BY_PLATFORM = (
    "select platform, count(*) as orders, sum(order_value) as order_value"
    " from marts.fct_orders group by platform order by platform"
)


def test_query_prints_a_table_csv_and_json_equal_to_the_mart(published_run: Settings):
    expected = direct(published_run, ORDERS_BY_PLATFORM)
    assert len(expected) >= 2

    table = crossdock_sql(published_run.home, "-c", ORDERS_BY_PLATFORM)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split("|")[0].strip() == "platform"
    assert lines[-1] == f"({len(expected)} rows)"
    body = [[c.strip() for c in line.split("|")] for line in lines[2:-1]]
    assert [(p, int(n)) for p, n, _ in body] == [(p, n) for p, n, _ in expected]

    as_csv = crossdock_sql(published_run.home, "-c", ORDERS_BY_PLATFORM, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["platform"], int(r["orders"]), str(r["order_value"])) for r in rows] == [
        (p, n, str(v)) for p, n, v in expected
    ]

    as_json = crossdock_sql(published_run.home, "-c", ORDERS_BY_PLATFORM, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    records = json.loads(as_json.stdout)
    assert [(r["platform"], r["orders"], r["order_value"]) for r in records] == [
        (p, n, float(v)) for p, n, v in expected
    ]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "statement",
    [
        "create table marts.scratch as select 1 as x",
        "delete from marts.fct_orders",
        "select 1; update marts.fct_orders set order_status = 'x'",
    ],
)
def test_a_write_is_refused_naming_the_read_only_snapshot(published_run: Settings, statement):
    before = sha256(published_run.serving_path)
    proc = crossdock_sql(published_run.home, "-c", statement)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert str(published_run.serving_path) in proc.stderr
    assert "read-only published snapshot" in proc.stderr
    assert sha256(published_run.serving_path) == before
    assert direct(published_run, "select count(*) > 0 from marts.fct_orders") == [(True,)]


def test_file_of_statements_and_clear_errors(published_run: Settings, tmp_path: Path):
    script = tmp_path / "two.sql"
    script.write_text(
        "-- two results\nselect count(*) as orders from marts.fct_orders;\n"
        "select count(*) as lines from marts.fct_landed_costs;\n"
    )
    proc = crossdock_sql(published_run.home, "-f", str(script), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    [(orders,)] = direct(published_run, "select count(*) from marts.fct_orders")
    [(lines,)] = direct(published_run, "select count(*) from marts.fct_landed_costs")
    assert proc.stdout == f"orders\n{orders}\nlines\n{lines}\n"

    bad = tmp_path / "bad.sql"
    bad.write_text("select nope from marts.fct_orders;")
    proc = crossdock_sql(published_run.home, "-f", str(bad))
    assert proc.returncode == 1
    assert f"query failed in {bad}" in proc.stderr and "nope" in proc.stderr

    proc = crossdock_sql(published_run.home, "-f", str(tmp_path / "missing.sql"))
    assert proc.returncode == 1 and "no such file" in proc.stderr

    proc = crossdock_sql(tmp_path / "empty-home", "-c", "select 1")
    assert proc.returncode == 1
    assert "no published warehouse" in proc.stderr


def test_repl_reads_statements_until_quit(published_run: Settings):
    stdin = (
        "select count(*) as n\n  from marts.fct_orders;\n"
        ".format csv\n"
        "select 'a;b' as s;\n"
        "drop table marts.fct_orders;\n"
        "select 2 as still_here;\n"
        ".quit\n"
        "select 3 as never;\n"
    )
    proc = crossdock_sql(published_run.home, stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    (n,) = direct(published_run, "select count(*) from marts.fct_orders")[0]
    out = proc.stdout
    width = max(1, len(str(n)))  # table format first, the number right-aligned
    assert out.splitlines()[:4] == ["n".rjust(width), "-" * width, str(n), "(1 row)"]
    assert "s\na;b\n" in out  # then csv; the ';' inside the string does not end the statement
    assert "error: " in out and "read-only published snapshot" in out
    assert "still_here\n2\n" in out
    assert "never" not in out


def _build(settings: Settings, version: int) -> None:
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.build_path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.fct_orders as select {version} as version")


def test_repl_reconnects_to_a_newly_published_snapshot(tmp_path: Path):
    """DuckDB keeps the snapshot a connection opened; the REPL notices the replaced file."""
    settings = Settings(home=tmp_path / "home")
    _build(settings, 1)
    publish(settings)

    def lines() -> Iterator[str]:
        yield "select max(version) as v from marts.fct_orders;"
        _build(settings, 2)
        publish(settings)
        yield "select max(version) as v from marts.fct_orders;"

    out = io.StringIO()
    repl(settings, "csv", lines(), out)
    assert out.getvalue() == "v\n1\n(a new snapshot was published; reconnected)\nv\n2\n"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_readme_example_answers_its_question(published_run: Settings, example: Path):
    assert example.name in (REPO_ROOT / "README.md").read_text(), "README must show it"
    with duckdb.connect(str(published_run.serving_path), read_only=True) as con:
        (result,) = execute(con, example.read_text(), snapshot=published_run.serving_path)
    assert result.rows, f"{example.name} returned no rows on the small published run"
    assert all(row[0] is not None for row in result.rows)


def test_there_are_five_examples():
    assert len(EXAMPLES) == 5, [p.name for p in EXAMPLES]
