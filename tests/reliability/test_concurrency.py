"""Readers across publishes, one pipeline run at a time, and read-only analyst access."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from crossdock import cli
from crossdock.config import Settings
from crossdock.pipeline import PipelineBusy, run
from crossdock.publish import connect_serving, publish

PUBLISHES = 50

# A reader process (DuckDB caches database instances per path inside one process, so each
# reader is its own process, as a BI tool is). It holds a read-only connection for several
# reads, then reconnects; every read checks that both marts and the stamp are one version.
READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb
    serving, stop = sys.argv[1], Path(sys.argv[2])
    reads, versions, connections, errors = 0, set(), 0, []
    while not stop.exists():
        try:
            con = duckdb.connect(serving, read_only=True)
            connections += 1
            seen = set()
            for _ in range(15):
                (stamp,) = con.execute("select version from serving.snapshot").fetchall()[0]
                a = con.execute(
                    "select count(*), min(version), max(version) from marts.fct_orders"
                ).fetchall()[0]
                b = con.execute(
                    "select count(*), min(version), max(version) from marts.fct_parcels"
                ).fetchall()[0]
                if not (a[0] == 1000 and b[0] == 300 and a[1] == a[2] == b[1] == b[2]):
                    errors.append(f"torn read: {a} {b}")
                seen.add((stamp, a[1]))
                reads += 1
                time.sleep(0.01)
            if len(seen) != 1:
                errors.append(f"one connection saw several versions: {sorted(seen)}")
            versions |= seen
            con.close()
        except Exception as exc:
            errors.append(repr(exc))
    print(json.dumps({"reads": reads, "connections": connections,
                      "versions": len(versions), "errors": errors[:10]}))
    """
)


def _build(settings: Settings, version: int) -> None:
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.build_path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.fct_orders as"
            f" select range as order_id, {version} as version from range(1000)"
        )
        con.execute(
            "create or replace table marts.fct_parcels as"
            f" select range as parcel_id, {version} as version from range(300)"
        )


def test_readers_held_open_across_50_publishes_see_no_lock_error_and_no_torn_read(tmp_path: Path):
    settings = Settings(home=tmp_path / "home")
    _build(settings, 0)
    publish(settings)
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(settings.serving_path), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for version in range(1, PUBLISHES + 1):
            _build(settings, version)
            publish(settings)  # must never fail on the readers' open connections
    finally:
        stop.touch()
        outputs = [r.communicate(timeout=120) for r in readers]
    for (out, err), reader in zip(outputs, readers, strict=True):
        assert reader.returncode == 0, err
        report = json.loads(out)
        assert report["errors"] == [], report["errors"]
        assert report["reads"] > 0 and report["connections"] > 1
        assert report["versions"] > 1, "the reader never saw a newer snapshot"
    with connect_serving(settings) as con:
        newest = con.execute("select min(version), max(version) from marts.fct_orders")
        assert newest.fetchall() == [(PUBLISHES, PUBLISHES)]


@pytest.fixture
def locked_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A home whose pipeline lock another process holds, as a running `crossdock run` does."""
    settings = Settings(home=tmp_path / "home")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from crossdock.config import Settings;"
            " from crossdock.pipeline import exclusive_run\n"
            "with exclusive_run(Settings(home=Path(sys.argv[1]))):\n"
            "    print('locked', flush=True); sys.stdin.read()",
            str(settings.home),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    monkeypatch.setenv("CROSSDOCK_HOME", str(settings.home))
    yield settings
    holder.stdin.close()
    holder.wait(timeout=30)


def test_a_second_run_is_refused_while_one_holds_the_home(locked_home: Settings, capsys):
    with pytest.raises(PipelineBusy, match="another crossdock run holds"):
        run(locked_home, simulate=False)
    for command in (["build"], ["gate"], ["publish"], ["ingest", "--start", "2025-03-03"]):
        assert cli.main(command) == 75, command  # EX_TEMPFAIL: refused, not interleaved
        assert "another crossdock run holds" in capsys.readouterr().err
    # Nothing of the refused runs happened.
    assert not locked_home.build_dir.exists() and not locked_home.runs_dir.exists()


def test_analyst_access_is_read_only_with_a_clear_error(tmp_path: Path):
    # The library's reader path; `crossdock sql` itself is refused with its own message in
    # tests/test_sql.py::test_a_write_is_refused_naming_the_read_only_snapshot.
    settings = Settings(home=tmp_path / "home")
    _build(settings, 1)
    publish(settings)
    with (
        connect_serving(settings) as con,
        pytest.raises(duckdb.Error, match="read-only mode"),
    ):
        con.execute("delete from marts.fct_orders")
    # The file itself has no write permission (root, as in CI containers, ignores it).
    assert settings.serving_path.stat().st_mode & 0o222 == 0
