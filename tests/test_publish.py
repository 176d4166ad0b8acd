"""Publishing replaces the serving snapshot atomically; readers are never locked out or torn."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from crossdock.config import Settings
from crossdock.publish import publish


def _build(settings: Settings, version: int, rows: int = 1000) -> None:
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.build_path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.fct_orders as"
            f" select range as order_id, {version} as version from range({rows})"
        )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


def test_publish_writes_a_read_only_snapshot_and_manifest(settings: Settings):
    _build(settings, version=1)
    result = publish(settings)
    serving = settings.serving_path
    assert serving.exists()
    assert not serving.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert result.marts["fct_orders"]["rows"] == 1000
    manifest = json.loads(serving.with_name("manifest.json").read_text())
    assert manifest["version"] == result.version
    assert [p.name for p in serving.parent.iterdir() if p.name.endswith(".tmp")] == []
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select max(version) from marts.fct_orders").fetchone() == (1,)


def test_reader_held_open_during_publishes_keeps_a_consistent_snapshot(settings: Settings):
    _build(settings, version=1)
    publish(settings)
    reader = duckdb.connect(str(settings.serving_path), read_only=True)
    try:
        for version in (2, 3):
            _build(settings, version=version)
            publish(settings)  # must not fail on the reader's lock
            # The open reader still sees one whole earlier snapshot, never a mix.
            assert reader.execute(
                "select count(*), min(version), max(version) from marts.fct_orders"
            ).fetchone() == (1000, 1, 1)
        # A new reader (another process, as a BI tool is) opens the newest complete snapshot.
        query = (
            "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print(con.execute('select min(version), max(version) from marts.fct_orders')"
            ".fetchone())"
        )
        fresh = subprocess.run(
            [sys.executable, "-c", query, str(settings.serving_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert fresh.stdout.strip() == "(3, 3)"
    finally:
        reader.close()


def test_publish_without_a_build_fails_clearly_and_leaves_serving_alone(settings: Settings):
    with pytest.raises(FileNotFoundError, match="no build warehouse"):
        publish(settings)
    assert not settings.serving_path.exists()
