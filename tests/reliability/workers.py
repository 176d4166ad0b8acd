"""What the fault suite runs in child processes, forked from a fork server that imported the
pipeline once (a fresh interpreter per kill would spend ~10 s importing GX each time).

Each child is a real process running the pipeline's own code; it is killed with SIGKILL either by
a crash point (crossdock.crashpoints, `crash` = "<point>:<n>") or by the test from outside.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from multiprocessing.connection import Connection
from pathlib import Path

from crossdock import ingest as _ingest  # the fork server preloads all of these
from crossdock import publish as _publish
from crossdock import warehouse as _warehouse
from crossdock.config import FAMILIES, Settings
from crossdock.crashpoints import ENV
from quality import gates as _gates  # noqa: F401


def context() -> mp.context.ForkServerContext:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def _arm(crash: str | None) -> None:
    if crash:
        os.environ[ENV] = crash
    else:
        os.environ.pop(ENV, None)


def ingest_days(home: str, days: list[str], crash: str | None) -> None:
    _arm(crash)
    settings = Settings(home=Path(home))
    for day in days:
        for family in FAMILIES:
            _ingest.ingest(settings, family, day, run_id="reliability")


def build(home: str) -> None:
    os.setpgrp()  # one process group with the dbt child: the test kills both at once
    _warehouse.build(Settings(home=Path(home)))


def publish(home: str, crash: str | None) -> None:
    _arm(crash)
    _publish.publish(Settings(home=Path(home)))


def read_serving(home: str, conn: Connection) -> None:
    """Open the serving snapshot read-only (a fresh process: DuckDB caches instances per path)
    and report its stamped version, its stamped mart hashes and the hashes it really holds."""
    settings = Settings(home=Path(home))
    if not settings.serving_path.exists():
        conn.send(None)
        return
    try:
        with _publish.connect_serving(settings) as con:
            info = _publish.snapshot_info(con)
        conn.send({**info, "actual": _warehouse.mart_fingerprints(settings.serving_path)})
    except Exception as exc:  # reported to the test, which fails with it
        conn.send({"error": repr(exc)})
