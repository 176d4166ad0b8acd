"""Named crash points for the fault suite: `kill -9` at an exact step of a real process.

Set `CROSSDOCK_CRASH_AT=<point>[:<n>]` and the process SIGKILLs itself the n-th time (default
the first) it reaches `crash_point(<point>)`: no cleanup runs, exactly as under `kill -9`. Unset
(always, outside tests/reliability), a crash point costs one environment lookup.

Points: ingest.gated, ingest.landed, ingest.recorded, lake.tmp_written, lake.replaced,
publish.checkpointed, publish.copied, publish.stamped, publish.replaced.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "CROSSDOCK_CRASH_AT"
POINTS = (
    "ingest.gated",
    "ingest.landed",
    "ingest.recorded",
    "lake.tmp_written",
    "lake.replaced",
    "publish.checkpointed",
    "publish.copied",
    "publish.stamped",
    "publish.replaced",
)
_hits: Counter[str] = Counter()


def crash_point(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    _hits[name] += 1
    if _hits[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
