"""Publish the gated build warehouse as the read-only serving snapshot.

The serving file is never written in place: the build file is checkpointed, copied beside the
serving file, made read-only and renamed over it. A reader that has the old snapshot open keeps
reading it (same inode) until it reconnects; a new reader gets the complete new one. Nothing the
pipeline does ever opens the serving file for writing, so BI tools never lock the pipeline out.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import duckdb

from crossdock.config import Settings
from crossdock.lake import fsync_dir
from crossdock.warehouse import mart_fingerprints


@dataclass(frozen=True)
class PublishResult:
    version: str
    path: str
    published_at: str
    marts: dict[str, dict[str, object]]


def publish(settings: Settings) -> PublishResult:
    src = settings.build_path
    if not src.exists():
        raise FileNotFoundError(f"no build warehouse at {src}: run `crossdock build` first")
    # Fold the write-ahead log into the file so that the copy is complete.
    with duckdb.connect(str(src)) as con:
        con.execute("checkpoint")
    dst = settings.serving_path
    dst.parent.mkdir(parents=True, exist_ok=True)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    tmp = dst.with_name(f".{dst.name}.{version}.tmp")
    try:
        shutil.copyfile(src, tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        marts = mart_fingerprints(tmp)
        tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(dst.parent)
    result = PublishResult(version, str(dst), datetime.now(UTC).isoformat(), marts)
    manifest = dst.with_name("manifest.json")
    manifest_tmp = manifest.with_name(f".manifest.{version}.tmp")
    manifest_tmp.write_text(json.dumps(asdict(result), indent=2))
    os.replace(manifest_tmp, manifest)
    return result
