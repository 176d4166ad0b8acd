"""Every published mart as a Parquet file, for tools that read files instead of DuckDB.

`export_marts` reads the serving snapshot (never the build file) and writes
`<home>/serving/parquet/<mart>.parquet`, each through a temporary file renamed over the old one,
so a reader sees a whole old file or a whole new one. Each file carries the snapshot's version in
its Parquet key-value metadata (`crossdock_version`), taken from the stamp publish writes into
the snapshot (`serving.snapshot`), and `parquet/manifest.json`, written last, names the version,
each mart's rows and content hash, so a reader can tell whether a file belongs to the manifest
it read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from crossdock.config import Settings
from crossdock.lake import fsync_dir
from crossdock.publish import connect_serving, snapshot_info

MARTS_SCHEMA = "marts"
VERSION_KEY = "crossdock_version"


class ExportFailed(Exception):
    pass


def parquet_dir(settings: Settings) -> Path:
    return settings.serving_path.parent / "parquet"


def snapshot_version(settings: Settings, con: duckdb.DuckDBPyConnection) -> dict:
    """Version and marts (rows, sha256) of the snapshot this connection holds: the stamp publish
    writes into the file itself (serving.snapshot), so it cannot disagree with the data; a
    snapshot published before stamps existed falls back to manifest.json."""
    try:
        return snapshot_info(con)
    except duckdb.CatalogException:
        return json.loads(settings.serving_path.with_name("manifest.json").read_text())


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def export_marts(settings: Settings) -> dict[str, object]:
    """Export each table of the snapshot's `marts` schema; return the written manifest."""
    if not settings.serving_path.exists():
        raise FileNotFoundError(
            f"no published warehouse at {settings.serving_path}: run `crossdock publish` first"
        )
    out = parquet_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    marts: dict[str, dict[str, object]] = {}
    with connect_serving(settings) as con:
        published = snapshot_version(settings, con)
        version = str(published["version"])
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        for table in tables:
            target = out / f"{table}.parquet"
            tmp = out / f".{table}.{version}.tmp"
            try:
                con.execute(
                    f"copy (select * from {MARTS_SCHEMA}.{table}) to {_sql_string(str(tmp))}"
                    f" (format parquet, compression zstd,"
                    f" kv_metadata {{{VERSION_KEY}: {_sql_string(version)}}})"
                )
                with tmp.open("rb") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except duckdb.Error as exc:
                raise ExportFailed(f"exporting {MARTS_SCHEMA}.{table} to {target}: {exc}") from exc
            finally:
                tmp.unlink(missing_ok=True)
            rows = con.execute(f"select count(*) from {MARTS_SCHEMA}.{table}").fetchone()[0]
            expected = published["marts"].get(table, {}).get("rows")
            if expected is not None and expected != rows:
                raise ExportFailed(
                    f"{settings.serving_path} holds {rows} rows of {table} but its version "
                    f"{version} was published with {expected}"
                )
            marts[table] = {
                "path": str(target),
                "rows": rows,
                "sha256": published["marts"].get(table, {}).get("sha256"),
            }
    # A mart that is no longer published must not linger as a stale file.
    for stale in out.glob("*.parquet"):
        if stale.stem not in marts:
            stale.unlink()
    fsync_dir(out)
    manifest = {"version": version, "snapshot": str(settings.serving_path), "marts": marts}
    tmp_manifest = out / f".manifest.{version}.tmp"
    tmp_manifest.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp_manifest, out / "manifest.json")
    return manifest


def file_version(path: Path) -> str | None:
    """The snapshot version recorded in an exported file's Parquet metadata."""
    with duckdb.connect() as con:
        row = con.execute(
            "select value from parquet_kv_metadata(?) where key = ?", [str(path), VERSION_KEY]
        ).fetchone()
    if row is None:
        return None
    value = row[0]
    return value.decode() if isinstance(value, bytes) else str(value)
