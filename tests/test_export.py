"""Every published mart is exported as Parquet after each publish, from the snapshot, with its
version: the files hold exactly the mart's rows."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from crossdock.config import Settings
from crossdock.export import export_marts, file_version, parquet_dir
from crossdock.publish import publish


def marts_of(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'marts' order by 1"
            ).fetchall()
        ]


def test_publish_exports_every_mart_with_exactly_its_rows(published_run: Settings):
    serving = published_run.serving_path
    out = parquet_dir(published_run)
    published = json.loads(serving.with_name("manifest.json").read_text())
    exported = json.loads((out / "manifest.json").read_text())
    marts = marts_of(serving)
    assert len(marts) >= 17
    assert sorted(p.stem for p in out.glob("*.parquet")) == marts
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []
    assert exported["version"] == published["version"]

    with duckdb.connect(str(serving), read_only=True) as con:
        for mart in marts:
            path = out / f"{mart}.parquet"
            assert file_version(path) == published["version"], mart
            rows = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            assert exported["marts"][mart]["rows"] == rows == published["marts"][mart]["rows"]
            file = f"read_parquet('{path}')"
            # Same multiset of rows both ways, and the same column names and types.
            for a, b in ((f"marts.{mart}", file), (file, f"marts.{mart}")):
                missing = con.execute(
                    f"select count(*) from (select * from {a} except all select * from {b})"
                ).fetchone()[0]
                assert missing == 0, (mart, a, b)
            assert (
                con.execute(f"describe select * from {file}").fetchall()
                == con.execute(f"describe marts.{mart}").fetchall()
            ), mart
    assert rows_total(out) > 1000


def rows_total(out: Path) -> int:
    with duckdb.connect() as con:
        return sum(
            con.execute(f"select count(*) from read_parquet('{p}')").fetchone()[0]
            for p in out.glob("fct_*.parquet")
        )


def _build(settings: Settings, version: int, marts: tuple[str, ...]) -> None:
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.build_path)) as con:
        con.execute("drop schema if exists marts cascade")
        con.execute("create schema marts")
        for mart in marts:
            con.execute(
                f"create table marts.{mart} as select range as id, {version} as version"
                f" from range({10 * version})"
            )


def test_export_reads_the_snapshot_not_the_build_and_follows_each_publish(tmp_path: Path):
    settings = Settings(home=tmp_path / "home")
    with pytest.raises(FileNotFoundError, match="no published warehouse"):
        export_marts(settings)

    _build(settings, 1, ("fct_a", "fct_b"))
    v1 = publish(settings).version
    _build(settings, 2, ("fct_a",))  # built, not published: the export must not see it
    manifest = export_marts(settings)
    out = parquet_dir(settings)
    assert manifest["version"] == v1
    with duckdb.connect() as con:
        assert con.execute(
            f"select count(*), max(version) from read_parquet('{out / 'fct_a.parquet'}')"
        ).fetchone() == (10, 1)
    assert file_version(out / "fct_b.parquet") == v1

    # After the next publish: the new version, and fct_b (no longer a mart) is gone. (The
    # publish step's dashboard needs real marts: published_run covers steps.publish itself.)
    v2 = publish(settings).version
    manifest = export_marts(settings)
    assert manifest["version"] == v2 != v1
    assert sorted(p.name for p in out.glob("*.parquet")) == ["fct_a.parquet"]
    assert file_version(out / "fct_a.parquet") == v2
    with duckdb.connect() as con:
        assert con.execute(
            f"select count(*), max(version) from read_parquet('{out / 'fct_a.parquet'}')"
        ).fetchone() == (20, 2)
