"""Run one command as a child and report its wall time and peak RSS as JSON on the last line.

    python -m bench.measure -- crossdock build

Peak RSS is `getrusage(RUSAGE_CHILDREN).ru_maxrss` of this wrapper: the largest resident set of
any process it waited on, directly or through its children (dbt under `crossdock build`), the
figure `/usr/bin/time -v` prints as "Maximum resident set size". One wrapper per measurement, so
an earlier, larger process never masks a later one.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> int:
    argv = sys.argv[1:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise SystemExit("usage: python -m bench.measure -- COMMAND [ARGS...]")
    t0 = time.perf_counter()
    proc = subprocess.run(argv, check=False)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "returncode": proc.returncode,
                "wall_s": round(wall, 2),
                "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
