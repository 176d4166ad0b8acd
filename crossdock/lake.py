"""The Parquet landing lake: `lake/<entity>/delivery_date=<day>/<feed>-<sha16>.parquet`."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import polars as pl

from crossdock.crashpoints import crash_point


def lake_relpath(entity: str, day: str, feed: str, file_sha256: str) -> Path:
    # The name derives from the delivered content: landing the same file again overwrites it.
    return Path(entity) / f"delivery_date={day}" / f"{feed}-{file_sha256[:16]}.parquet"


def write_atomic(frame: pl.DataFrame, target: Path, *, sync_dir: bool = True) -> None:
    """Write to a temporary file beside the target, fsync, then rename over it; then fsync the
    folder (`sync_dir=False`: the caller does, once for many files, before relying on them)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        crash_point("lake.tmp_written")
        os.replace(tmp, target)
        crash_point("lake.replaced")
    finally:
        tmp.unlink(missing_ok=True)
    if sync_dir:
        fsync_dir(target.parent)


def sweep_tmp(root: Path, prefix: str) -> list[Path]:
    """Remove temporary files a killed writer left under `root` (`.<prefix>*.tmp`, the names
    write_atomic uses). Call it only where no other writer of that prefix can be running."""
    stale = sorted(root.glob(f"*/*/.{prefix}*.tmp")) if root.exists() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
