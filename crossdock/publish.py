"""Publish the gated build warehouse as the read-only serving snapshot.

Only a gated build: publish refuses (crossdock.dq.PublishRefused) while the build holds a mart
that changed since its last passing gate, so a failed gate blocks every DAG's publish.

The serving file is never written in place: the build file is checkpointed, copied beside the
serving file, made read-only and renamed over it. A reader that has the old snapshot open keeps
reading it (same inode) until it reconnects; a new reader gets the complete new one. Nothing the
pipeline does ever opens the serving file for writing, so BI tools never lock the pipeline out.

The snapshot names itself: table `serving.snapshot` (version, published_at, the marts' row counts
and content hashes) is written into the copy before the rename, so a reader can tell which version
it holds even if a crash came between the rename and `manifest.json`. Readers open it through
`connect_serving` (read-only; a write fails with DuckDB's read-only error). A publish killed
before the rename leaves a temporary copy, which the next publish removes (one publisher at a
time: the writer pool, or the CLI's home lock).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from crossdock.config import Settings
from crossdock.crashpoints import crash_point
from crossdock.dq import refuse_ungated
from crossdock.lake import fsync_dir
from crossdock.warehouse import mart_fingerprints


@dataclass(frozen=True)
class PublishResult:
    version: str
    path: str
    published_at: str
    marts: dict[str, dict[str, object]]


SNAPSHOT_TABLE = "serving.snapshot"


def connect_serving(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The documented way to read the serving snapshot: a read-only connection."""
    if not settings.serving_path.exists():
        raise FileNotFoundError(f"nothing published yet at {settings.serving_path}")
    return duckdb.connect(str(settings.serving_path), read_only=True)


def snapshot_info(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The version a snapshot connection holds, as publish stamped it."""
    version, published_at, marts = con.execute(
        f"select version, published_at, marts from {SNAPSHOT_TABLE}"
    ).fetchall()[0]
    return {"version": version, "published_at": published_at, "marts": json.loads(marts)}


def _sweep_stale_copies(dst: Path) -> None:
    for stale in dst.parent.glob(f".{dst.name}.*.tmp"):
        stale.chmod(stat.S_IRUSR | stat.S_IWUSR)
        stale.unlink(missing_ok=True)


def publish(settings: Settings) -> PublishResult:
    src = settings.build_path
    if not src.exists():
        raise FileNotFoundError(f"no build warehouse at {src}: run `crossdock build` first")
    # Only what passed its gate (crossdock.dq: a build marks the marts it changes until then).
    # Then fold the write-ahead log into the file so that the copy is complete.
    with duckdb.connect(str(src)) as con:
        refuse_ungated(con, src)
        con.execute("checkpoint")
    crash_point("publish.checkpointed")
    dst = settings.serving_path
    dst.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale_copies(dst)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    published_at = datetime.now(UTC).isoformat()
    tmp = dst.with_name(f".{dst.name}.{version}.tmp")
    try:
        shutil.copyfile(src, tmp)
        crash_point("publish.copied")
        marts = mart_fingerprints(tmp)
        with duckdb.connect(str(tmp)) as con:
            con.execute("create schema if not exists serving")
            con.execute(
                f"create or replace table {SNAPSHOT_TABLE} as"
                " select ?::varchar as version, ?::timestamptz as published_at,"
                " ?::varchar as marts",
                [version, published_at, json.dumps(marts, sort_keys=True)],
            )
            con.execute("checkpoint")
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        crash_point("publish.stamped")
        tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, dst)
        crash_point("publish.replaced")
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(dst.parent)
    result = PublishResult(version, str(dst), published_at, marts)
    manifest = dst.with_name("manifest.json")
    manifest_tmp = manifest.with_name(f".manifest.{version}.tmp")
    manifest_tmp.write_text(json.dumps(asdict(result), indent=2))
    os.replace(manifest_tmp, manifest)
    return result
