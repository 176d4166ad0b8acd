"""Every published mart as a Parquet file, for tools that read files instead of DuckDB.

`export_marts` reads the serving snapshot (never the build file) and writes
`<home>/serving/parquet/<mart>.parquet`, each through a temporary file renamed over the old one,
so a reader sees a whole old file or a whole new one. Each file carries the snapshot's version in
its Parquet key-value metadata (`crossdock_version`), and `parquet/manifest.json`, written last,
names the version, each mart's rows and the publish manifest's content hash, so a reader can tell
whether a file belongs to the manifest it read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from crossdock.config import Settings
from crossdock.lake import fsync_dir

MARTS_SCHEMA = "marts"
VERSION_KEY = "crossdock_version"


class ExportFailed(Exception):
    pass


def parquet_dir(settings: Settings) -> Path:
    return settings.serving_path.parent / "parquet"


def _published_manifest(settings: Settings) -> dict:
    path = settings.serving_path.with_name("manifest.json")
    if not settings.serving_path.exists() or not path.exists():
        raise FileNotFoundError(
            f"no published warehouse at {settings.serving_path} (or no {path.name}): "
            "run `crossdock publish` first"
        )
    return json.loads(path.read_text())


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def export_marts(settings: Settings) -> dict[str, object]:
    """Export each table of the snapshot's `marts` schema; return the written manifest."""
    published = _published_manifest(settings)
    version = published["version"]
    out = parquet_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    marts: dict[str, dict[str, object]] = {}
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
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
                    f"{settings.serving_path} holds {rows} rows of {table} but manifest.json "
                    f"(version {version}) says {expected}: the snapshot changed during the export"
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
