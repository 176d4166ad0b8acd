"""`make bench`: where crossdock stands against its floor, its peers and its goals, in one run.

    python -m bench                      # 1M orders (reuses ../scale1m when present), ~15 min
    python -m bench --size quick         # 2,000 orders a day for a week, a few minutes
    python -m bench --size 10m           # 10M orders (reuses ../scale10m when present)
    python -m bench --size 10m --e2e     # plus `crossdock run` end to end at that size

"One day" is the newest delivery day of the source home's landing folder: every file every
partner delivered that day, all feed families and formats (at 1M orders, 2025-03-02: 123 files,
128 MB, ~36k orders, ~220k tracking checkpoints, ~84k customs rows). The source home (landing,
lake, ledger) is read only; the bench works on copies under --work:

1. home = the source lake and ledger without that day; `crossdock build --full-refresh` (full),
   then `crossdock gate` and `crossdock publish` (the day before, published).
2. ingest the day's DuckDB-readable files (CSV, TSV, JSON, JSON lines) with crossdock, then the
   same files with the DuckDB `COPY ... TO parquet` floor and with a plain pandas peer
   (bench/landing_peers.py); then the day's other files (EDIFACT, XML: no floor exists).
3. `crossdock build` (the one-day increment), `crossdock gate`, `crossdock publish`.
4. ten analyst / dashboard queries on the serving file (bench/queries.py), read-only.
5. dbt inside Airflow: one `dbt build` against one invocation per model (bench/dbt_in_airflow.py),
   on the quick-size home (start-up cost does not depend on data size).
6. with --e2e: `crossdock run` (simulate, every DAG through Airflow, publish) in a fresh home.

Every step runs as a child under bench.measure (wall, peak RSS). The table goes to stdout and,
with every figure, to <work>/results.json and (except --size quick) docs/benchmarks.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.landing_peers import SUPPORTED
from crossdock.config import REPO_ROOT, Settings
from ingestion import FEEDS

GOALS = {
    "ingest_vs_floor": 1.5,
    "increment_vs_full": 0.10,
    "gates_share": 0.15,
    "e2e_wall_s": 15 * 60,
    "e2e_peak_rss_mb": 8 * 1024,
}


@dataclass(frozen=True)
class Size:
    name: str
    start: date
    end: date
    orders: int | None = None  # total over the range
    orders_per_day: int | None = None
    source: Path | None = None  # a prepared home to reuse (landing, lake, ledger)


SIZES = {
    "quick": Size("quick", date(2025, 2, 24), date(2025, 3, 2), orders_per_day=2000),
    "1m": Size(
        "1m",
        date(2025, 2, 3),
        date(2025, 3, 2),
        orders=1_000_000,
        source=REPO_ROOT.parent / "scale1m",
    ),
    "10m": Size(
        "10m",
        date(2025, 2, 3),
        date(2025, 3, 2),
        orders=10_000_000,
        source=REPO_ROOT.parent / "scale10m",
    ),
}


class StepFailed(RuntimeError):
    pass


class Runner:
    """Runs each measured step as a child process and keeps its log."""

    def __init__(self, work: Path) -> None:
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def measure(self, step: str, home: Path, *cmd: str) -> dict[str, Any]:
        env = {
            **os.environ,
            "CROSSDOCK_HOME": str(home),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "GX_ANALYTICS_ENABLED": "False",
            "DO_NOT_TRACK": "1",
        }
        load = os.getloadavg()[0]
        log = self.logs / f"{step}.log"
        print(f"[bench] {step}: {' '.join(cmd)} (load {load:.1f})", flush=True)
        with log.open("w") as err:
            proc = subprocess.run(
                [sys.executable, "-m", "bench.measure", "--", *cmd],
                env=env,
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                check=False,
            )
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        (log.with_suffix(".out")).write_text(proc.stdout)
        if proc.returncode != 0 or not lines:
            raise StepFailed(f"{step}: bench.measure failed; see {log}")
        measured = json.loads(lines[-1])
        if measured["returncode"] != 0:
            tail = "\n".join(log.read_text().splitlines()[-30:] + lines[-10:-1])
            raise StepFailed(f"{step} failed (exit {measured['returncode']}); log {log}\n{tail}")
        # The child's own JSON report, when it prints one: all of its output (an indented
        # document), else its last JSON line.
        child: dict[str, Any] = {}
        for text in ["\n".join(lines[:-1]), *reversed(lines[:-1])]:
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(parsed, dict):
                child = parsed
                break
        result = {**measured, "load_1m": round(load, 2), **({"report": child} if child else {})}
        print(
            f"[bench] {step}: {result['wall_s']} s, peak RSS {result['peak_rss_mb']} MB", flush=True
        )
        return result


def crossdock(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("crossdock")), *args]


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def prepare_source(runner: Runner, size: Size, source: Path) -> None:
    """A home with the size's deliveries simulated and ingested (a one-off, reused afterwards)."""
    if (source / "ledger.sqlite").exists() and (source / "lake").is_dir():
        return
    print(f"[bench] preparing {source} (one-off: simulate + ingest {size.name})", flush=True)
    volume = (
        ["--orders", str(size.orders)]
        if size.orders
        else ["--orders-per-day", str(size.orders_per_day)]
    )
    span = ["--start", size.start.isoformat(), "--end", size.end.isoformat()]
    runner.measure(f"prepare-{size.name}-simulate", source, *crossdock("simulate", *span, *volume))
    runner.measure(f"prepare-{size.name}-ingest", source, *crossdock("ingest", *span))


def newest_day(landing: Path) -> str:
    days = {p.name for p in landing.glob("*/*/*") if p.is_dir() and p.name[:2] == "20"}
    if not days:
        raise SystemExit(f"{landing}: no delivery day folders")
    return max(days)


def copy_home_without_day(source: Path, home: Path, day: str) -> None:
    """The source's lake and ledger as they were before `day` was delivered."""
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    skip = f"delivery_date={day}"
    shutil.copytree(
        source / "lake", home / "lake", ignore=lambda _d, names: [n for n in names if n == skip]
    )
    shutil.copyfile(source / "ledger.sqlite", home / "ledger.sqlite")
    con = sqlite3.connect(home / "ledger.sqlite")
    with con:
        con.execute("delete from ingested_files where delivery_date = ?", [day])
        con.execute("delete from rejected_files where delivery_date = ?", [day])
    con.close()


def day_feeds(source: Path, day: str) -> tuple[list[Any], list[Any]]:
    """The feeds delivered on `day`: (DuckDB-readable formats, the others)."""
    readable, other = [], []
    for feed in FEEDS:
        files = sorted(feed.day_dir(source / "landing", day).glob(feed.pattern))
        if files:
            (readable if all(f.suffix in SUPPORTED for f in files) else other).append(feed)
    return readable, other


def link_feeds(source: Path, home: Path, day: str, feeds: list[Any]) -> list[Path]:
    """Deliver the feeds' day folders into home/landing (symlinks); returns their files."""
    files: list[Path] = []
    for feed in feeds:
        src = feed.day_dir(source / "landing", day)
        dst = feed.day_dir(home / "landing", day)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            dst.symlink_to(src, target_is_directory=True)
        files += sorted(src.glob(feed.pattern))
    return files


def node_timings(home: Path, keep: Path, top: int = 8) -> dict[str, Any]:
    """dbt's run_results of the last build: the slowest nodes and time per node kind."""
    results = json.loads((Settings(home=home).dbt_target_dir / "run_results.json").read_text())
    shutil.copyfile(Settings(home=home).dbt_target_dir / "run_results.json", keep)
    by_kind: dict[str, float] = {}
    nodes = []
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + r["execution_time"]
        nodes.append((r["execution_time"], r["unique_id"].split(".", 2)[-1]))
    nodes.sort(reverse=True)
    return {
        "dbt_elapsed_s": round(results.get("elapsed_time", 0.0), 1),
        "nodes": len(nodes),
        "node_seconds_by_kind": {k: round(v, 1) for k, v in sorted(by_kind.items())},
        "slowest_nodes": [{"node": n, "s": round(s, 1)} for s, n in nodes[:top]],
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {"nproc": os.cpu_count(), "ram_gb": round(ram_gb, 1), "cpu": cpu}


def commit() -> str:
    out = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "unknown"


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def ingest_pair(ingest: dict[str, Any], floor: dict[str, Any]) -> dict[str, float]:
    """One crossdock ingest and one floor run of the same files: wall, CPU, in-process."""
    return {
        "crossdock_wall_s": ingest["wall_s"],
        "crossdock_cpu_s": ingest["cpu_s"],
        "crossdock_in_process_s": ingest["report"]["ingest_s"],
        "floor_wall_s": floor["wall_s"],
        "floor_cpu_s": floor["cpu_s"],
        "floor_in_process_s": floor["report"]["seconds"],
    }


def bench_size(args: argparse.Namespace, runner: Runner, work: Path) -> dict[str, Any]:
    size = SIZES[args.size]
    source = (args.source_home or size.source or work / f"source-{size.name}").resolve()
    prepare_source(runner, size, source)
    day = newest_day(source / "landing")
    home = work / "home"
    out: dict[str, Any] = {"source_home": str(source), "day": day}
    manifest = source / "landing" / "_manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text())
        out["source"] = {k: m.get(k) for k in ("start", "end", "orders", "tracking_events")}

    copy_home_without_day(source, home, day)
    full = runner.measure("build-full", home, *crossdock("build", "--full-refresh"))
    full["dbt"] = node_timings(home, work / "run_results_full.json")
    # The day before, as the pipeline leaves it: gated and published. The day's mart gates then
    # validate what changed since this snapshot (crossdock.dq), as in a daily run.
    baseline_gate = runner.measure("gate-before-the-day", home, *crossdock("gate"))
    baseline_publish = runner.measure("publish-before-the-day", home, *crossdock("publish"))

    readable, other = day_feeds(source, day)
    files = link_feeds(source, home, day, readable)
    listing = work / "floor_files.txt"
    listing.write_text("\n".join(str(f) for f in files) + "\n")
    ledger_before = work / "ledger-before-the-day.sqlite"
    shutil.copyfile(home / "ledger.sqlite", ledger_before)
    floor_cmd = python("-m", "bench.landing_peers", "duckdb", str(listing), str(work / "floor"))
    ingest_a = runner.measure("ingest-readable", home, *python("-m", "bench.ingest_day", day))
    floor = runner.measure("floor-duckdb", home, *floor_cmd)
    # The ratio's two sides, again in turns (each ingest into a scratch home with the ledger of
    # the day before): one pair of runs on a shared machine moves by +-20 %, the medians less.
    pairs = [(ingest_a, floor)]
    for i in range(1, args.ingest_repeats):
        scratch = work / "ingest-scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        (scratch / "lake").mkdir(parents=True)
        shutil.copyfile(ledger_before, scratch / "ledger.sqlite")
        link_feeds(source, scratch, day, readable)
        again = python("-m", "bench.ingest_day", day)
        pairs.append(
            (
                runner.measure(f"ingest-readable-{i + 1}", scratch, *again),
                runner.measure(f"floor-duckdb-{i + 1}", home, *floor_cmd),
            )
        )
    shutil.rmtree(work / "ingest-scratch", ignore_errors=True)
    peer = runner.measure(
        "peer-pandas",
        home,
        *python("-m", "bench.landing_peers", "pandas", str(listing), str(work / "pandas")),
    )
    other_files = link_feeds(source, home, day, other)
    ingest_b = runner.measure("ingest-other", home, *python("-m", "bench.ingest_day", day))
    day_bytes = sum(f.stat().st_size for f in files + other_files)

    incr = runner.measure("build-increment", home, *crossdock("build"))
    incr["dbt"] = node_timings(home, work / "run_results_increment.json")
    # The same build again with nothing new: what any increment costs before its data (dbt's
    # start-up and per-node overhead, and the incremental models' checks for new keys).
    empty = runner.measure("build-empty-increment", home, *crossdock("build"))
    empty["dbt"] = node_timings(home, work / "run_results_empty_increment.json")
    # publish serves only a gated build (crossdock.dq.PublishRefused): without the day's gate,
    # the queries run on the day before's snapshot
    skipped = {"wall_s": 0.0, "peak_rss_mb": 0.0, "skipped": True}
    gate, publish = (
        (skipped, skipped)
        if args.skip_gate_marts
        else (
            runner.measure("gate-marts", home, *crossdock("gate")),
            runner.measure("publish", home, *crossdock("publish")),
        )
    )
    queries = runner.measure(
        "queries",
        home,
        *python("-m", "bench.queries", str(Settings(home=home).serving_path), "--repeat", "10"),
    )

    ingest_s = ingest_a["report"]["ingest_s"] + ingest_b["report"]["ingest_s"]
    # The landing gates' own seconds: their validations in the gate worker (transfer and pandas
    # conversion included), as the step reports record them. GX's import in that worker runs
    # while the files parse; what the ingest waited on it is in ingest_s, and apart below.
    ingest_gate_s = ingest_a["report"]["reported_gate_s"] + ingest_b["report"]["reported_gate_s"]
    ingest_gate_wait_s = ingest_a["report"]["gate_s"] + ingest_b["report"]["gate_s"]
    daily_s = ingest_s + incr["wall_s"] + gate["wall_s"] + publish["wall_s"]
    out.update(
        {
            "ingest": {
                "files": len(files) + len(other_files),
                "bytes": day_bytes,
                "readable_files": len(files),
                "readable_feeds": [f.name for f in readable],
                "other_feeds": [f.name for f in other],
                "crossdock_readable": ingest_a,
                "crossdock_other": ingest_b,
                "duckdb_floor": floor,
                "pairs": [ingest_pair(a, f) for a, f in pairs],
                "pandas_peer": peer,
            },
            "build": {"full": full, "increment": incr, "empty_increment": empty},
            "before_the_day": {"gate": baseline_gate, "publish": baseline_publish},
            "gates": {
                "ingest_gate_s": round(ingest_gate_s, 2),
                "ingest_gate_wait_s": round(ingest_gate_wait_s, 2),
                "gate_marts_s": gate["wall_s"],
                "daily_run_s": round(daily_s, 2),
                "gate_marts": gate,
                "publish": publish,
            },
            "queries": queries["report"],
        }
    )
    return out


def bench_dbt_in_airflow(args: argparse.Namespace, runner: Runner, work: Path) -> dict[str, Any]:
    """Per-invocation start-up does not grow with data: measured on the quick-size home."""
    quick = SIZES["quick"]
    source = work / "source-quick" if args.size != "quick" else None
    if source is None:
        home = work / "home"  # already built by bench_size
    else:
        prepare_source(runner, quick, source)
        home = source
    return runner.measure(
        "dbt-in-airflow", home, *python("-m", "bench.dbt_in_airflow", "--home", str(home))
    )


def bench_e2e(args: argparse.Namespace, runner: Runner, work: Path) -> dict[str, Any]:
    size = SIZES[args.size]
    home = work / "e2e"
    if home.exists():
        shutil.rmtree(home)
    days = (size.end - size.start).days + 1
    per_day = size.orders_per_day or -(-(size.orders or 0) // days)
    span = ["--start", size.start.isoformat(), "--end", size.end.isoformat()]
    return runner.measure(
        "e2e-run", home, *crossdock("run", *span, "--orders-per-day", str(per_day))
    )


def table(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(metric: str, value: Any, goal: str = "", ok: bool | None = None) -> None:
        rows.append({"metric": metric, "value": value, "goal": goal, "ok": ok})

    b = results.get("bench")
    if b:
        ing = b["ingest"]
        cd, fl, pd_ = ing["crossdock_readable"], ing["duckdb_floor"], ing["pandas_peer"]
        pairs = ing.get("pairs") or [ingest_pair(cd, fl)]  # runs recorded before the pairs

        def median(key: str) -> float:
            return round(statistics.median(p[key] for p in pairs), 2)

        cd_wall, fl_wall = median("crossdock_wall_s"), median("floor_wall_s")
        r = ratio(cd_wall, fl_wall)
        row(
            f"ingest {ing['readable_files']} CSV/TSV/JSON files of {b['day']}: crossdock / "
            f"DuckDB floor, median of {len(pairs)} ({cd_wall} s / {fl_wall} s)",
            r,
            f"<= {GOALS['ingest_vs_floor']}",
            r is not None and r <= GOALS["ingest_vs_floor"],
        )
        if len(pairs) > 1:
            each = [ratio(p["crossdock_wall_s"], p["floor_wall_s"]) for p in pairs]
            row("  each pair, run in turns", ", ".join(str(x) for x in each))
        cd_cpu, fl_cpu = median("crossdock_cpu_s"), median("floor_cpu_s")
        row(
            f"  by CPU seconds, robust to other load ({cd_cpu} / {fl_cpu})",
            ratio(cd_cpu, fl_cpu),
        )
        cd_in, fl_in = median("crossdock_in_process_s"), median("floor_in_process_s")
        row(
            f"  the same in-process, without interpreter start-up ({cd_in} s / {fl_in} s)",
            ratio(cd_in, fl_in),
        )
        row(
            f"  pandas peer / floor ({pd_['wall_s']} s); crossdock / pandas",
            f"{ratio(pd_['wall_s'], fl['wall_s'])}; {ratio(cd['wall_s'], pd_['wall_s'])}",
        )
        row(
            "  peak RSS MB: crossdock / floor / pandas",
            f"{cd['peak_rss_mb']} / {fl['peak_rss_mb']} / {pd_['peak_rss_mb']}",
        )
        other = ing["crossdock_other"]
        row(
            f"ingest whole day ({ing['files']} files, {ing['bytes'] / 1e6:.0f} MB; EDIFACT+XML "
            f"{other['wall_s']} s)",
            f"{cd['wall_s'] + other['wall_s']:.1f} s",
        )
        full, inc = b["build"]["full"], b["build"]["increment"]
        r = ratio(inc["wall_s"], full["wall_s"])
        row(
            f"one-day increment / full build, wall ({inc['wall_s']} s / {full['wall_s']} s)",
            r,
            f"<= {GOALS['increment_vs_full']}",
            r is not None and r <= GOALS["increment_vs_full"],
        )
        row(
            f"  by CPU seconds ({inc['cpu_s']} / {full['cpu_s']})",
            ratio(inc["cpu_s"], full["cpu_s"]),
        )
        row(
            f"  peak RSS ({inc['peak_rss_mb']} MB / {full['peak_rss_mb']} MB)",
            ratio(inc["peak_rss_mb"], full["peak_rss_mb"]),
        )
        empty = b["build"].get("empty_increment")
        if empty:
            row(
                f"  an increment with nothing new / full build ({empty['wall_s']} s; "
                f"{empty['dbt'].get('nodes', '?')} dbt nodes)",
                ratio(empty["wall_s"], full["wall_s"]),
            )
        units = full["dbt"]["node_seconds_by_kind"].get("unit_test", 0.0)
        row("  unit tests, node seconds in the full build (not run in increments)", f"{units} s")
        g = b["gates"]
        skipped = " (mart gates and publish SKIPPED)" if g["gate_marts"].get("skipped") else ""
        share = ratio(g["ingest_gate_s"] + g["gate_marts_s"], g["daily_run_s"])
        row(
            f"GX gates' share of a day's run (landing {g['ingest_gate_s']} s + marts "
            f"{g['gate_marts_s']} s of {g['daily_run_s']} s){skipped}",
            share,
            f"<= {GOALS['gates_share']}",
            None if skipped else share is not None and share <= GOALS["gates_share"],
        )
        if "ingest_gate_wait_s" in g:
            row(
                "  landing gates: the families' gate threads' summed wait on the worker",
                f"{g['ingest_gate_wait_s']} s",
            )
        before = b.get("before_the_day")
        if before:
            row(
                "  mart gates of the day before, no snapshot yet (every mart whole)",
                f"{before['gate']['wall_s']} s",
            )
        tests = inc["dbt"]["node_seconds_by_kind"].get("test", 0.0)
        row("  dbt data tests, node seconds in the increment (2 threads)", f"{tests} s")
        q = b["queries"]
        row(
            f"10 analyst/dashboard queries x {q['repeat']}: p50 / p95",
            f"{q['p50_ms']} / {q['p95_ms']} ms",
        )
    d = results.get("dbt_in_airflow")
    if d and d.get("report"):
        rep = d["report"]
        row(
            f"dbt in Airflow: one task per model / one build task ({rep['models']} models, "
            f"{rep['one_task_per_model_s']} s / {rep['one_build_task_s']} s)",
            rep["ratio_per_model_vs_one_build"],
        )
    e = results.get("e2e")
    if e:
        row(
            f"crossdock run end to end ({results['size']}), wall",
            f"{e['wall_s']} s",
            f"<= {GOALS['e2e_wall_s']} s at 10m",
            e["wall_s"] <= GOALS["e2e_wall_s"] if results["size"] == "10m" else None,
        )
        row(
            "  peak RSS",
            f"{e['peak_rss_mb']} MB",
            f"<= {GOALS['e2e_peak_rss_mb']} MB at 10m",
            e["peak_rss_mb"] <= GOALS["e2e_peak_rss_mb"] if results["size"] == "10m" else None,
        )
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    width = max(len(r["metric"]) for r in rows)
    lines = [f"{'metric':<{width}}  {'value':>18}  {'goal':>10}  ok", "-" * (width + 36)]
    for r in rows:
        ok = {True: "yes", False: "NO", None: ""}[r["ok"]]
        lines.append(f"{r['metric']:<{width}}  {r['value']!s:>18}  {r['goal']:>10}  {ok}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="1m")
    parser.add_argument("--quick", action="store_const", const="quick", dest="size")
    parser.add_argument("--source-home", type=Path, help="a prepared home to reuse (read only)")
    parser.add_argument(
        "--work", type=Path, help="scratch folder (default /tmp/crossdock-bench-SIZE)"
    )
    parser.add_argument("--e2e", action="store_true", help="also `crossdock run` at this size")
    parser.add_argument("--skip-dbt-in-airflow", action="store_true")
    parser.add_argument(
        "--ingest-repeats",
        type=int,
        default=3,
        help="ingest / floor pairs for the ingest ratio (median; default 3)",
    )
    parser.add_argument(
        "--skip-gate-marts",
        action="store_true",
        help="no `crossdock gate` of the day, and so no publish of it",
    )
    parser.add_argument(
        "--docs-json",
        type=Path,
        default=None,
        help="also write here (default docs/benchmarks.json except at --size quick)",
    )
    args = parser.parse_args(argv)
    work = (args.work or Path(f"/tmp/crossdock-bench-{args.size}")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    runner = Runner(work)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "size": args.size,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "load_1m_at_start": round(os.getloadavg()[0], 2),
    }
    try:
        results["bench"] = bench_size(args, runner, work)
        if not args.skip_dbt_in_airflow:
            results["dbt_in_airflow"] = bench_dbt_in_airflow(args, runner, work)
        if args.e2e:
            results["e2e"] = bench_e2e(args, runner, work)
    except StepFailed as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    results["load_1m_at_end"] = round(os.getloadavg()[0], 2)
    results["bench_wall_s"] = round(time.perf_counter() - started, 1)
    results["table"] = table(results)
    text = json.dumps(results, indent=2)
    (work / "results.json").write_text(text)
    targets = [work / "results.json"]
    docs_json = args.docs_json or (
        None if args.size == "quick" else REPO_ROOT / "docs" / "benchmarks.json"
    )
    if docs_json:
        docs_json.write_text(text + "\n")
        targets.append(docs_json)
    m = results["machine"]
    print(
        f"\ncrossdock bench, size {args.size}, commit {results['commit']}, {results['date']}; "
        f"{m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB; load {results['load_1m_at_start']}"
        f" -> {results['load_1m_at_end']}; {results['bench_wall_s']} s\n"
    )
    print(render(results["table"]))
    print("\nwritten: " + ", ".join(str(t) for t in targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
