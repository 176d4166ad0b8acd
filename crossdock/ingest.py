"""Ingest one feed family for one delivery day: parse, audit, land, record. Exactly once per file.

Write-audit-publish per feed and day. Every new file is parsed against its contract; values that
do not parse quarantine their row. The parsed files are gated together by the entity's GX suite
(one validation per batch: GX's fixed cost per call dwarfs the row cost); rows failing a row-level
expectation are quarantined too. Then each file lands its good rows and its quarantine records,
and is recorded in the ledger with rows delivered = landed + quarantined.

A file is rejected whole (nothing of it lands, the task fails) when it cannot be parsed, misses a
contract column, fails a blocking expectation, or has more than MAX_QUARANTINE_SHARE of its rows
quarantined: that is a broken delivery, not a few bad rows.

Every gate result is appended to the dq store beside the ledger before anything lands
(crossdock.dq); a result's id derives from the batch's files, so a re-run after a crash records
no duplicate. A crash anywhere (see crossdock.crashpoints) leaves at worst a lake file without
its ledger row, which the re-run overwrites with the same bytes, and temporary files, which the
re-run sweeps.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import polars as pl

from crossdock.config import Settings
from crossdock.crashpoints import crash_point
from crossdock.dq import DqStore, suite_columns
from crossdock.gate_worker import Worker, WorkerGone
from crossdock.lake import fsync_dir, lake_relpath, sweep_tmp, write_atomic
from crossdock.ledger import Ledger, LedgerEntry
from ingestion import feeds_of
from ingestion.contract import FeedError, RowError, file_sha256
from ingestion.feed import Feed

if TYPE_CHECKING:
    from quality.results import GateResult

log = logging.getLogger(__name__)
T = TypeVar("T")
LAKE_WRITERS = 4  # lake files written (compressed, fsynced) at once
PARSERS = 2  # files parsed at once (polars and DuckDB release the GIL; JSON pages do not)

MAX_QUARANTINE_SHARE = 0.05
QUARANTINE_ENTITY = "quarantine"
QUARANTINE_SCHEMA = {
    "feed": pl.String,
    "entity": pl.String,
    "source_file": pl.String,
    "file_sha256": pl.String,
    "line": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


@dataclass
class IngestReport:
    family: str
    day: str
    landed: list[LedgerEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already ingested (same content)
    gates: list[GateResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def gate_seconds(self) -> float:
        return round(sum(g.seconds for g in self.gates), 3)

    @property
    def rows_landed(self) -> int:
        return sum(e.rows_landed for e in self.landed)

    @property
    def rows_quarantined(self) -> int:
        return sum(e.rows_quarantined for e in self.landed)

    def describe(self) -> str:
        return (
            f"{self.family} {self.day}: {len(self.landed)} file(s) landed "
            f"({self.rows_landed} rows, {self.rows_quarantined} quarantined), "
            f"{len(self.skipped)} already ingested, {len(self.failures)} rejected"
        )


class IngestFailed(Exception):
    """Some files of the batch were rejected; the message lists each file and reason."""

    def __init__(self, message: str, gates: list[GateResult]) -> None:
        super().__init__(message)
        self.gates = gates


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    source_file: str
    sha256: str
    rows_delivered: int
    lines_delivered: int  # distinct delivered lines (a webhook line holds several checkpoints)
    frame: pl.DataFrame  # rows that parsed: contract, derived and carried columns, lineage
    problems: tuple[RowError, ...] = ()  # why rows are quarantined (several per row possible)

    def quarantined_lines(self) -> set[int]:
        return {p.line for p in self.problems}

    def good_rows(self) -> pl.DataFrame:
        bad = self.quarantined_lines()
        return self.frame.filter(~pl.col("_source_line").is_in(bad)) if bad else self.frame

    def quarantine(self, feed: Feed) -> pl.DataFrame:
        records = [
            (
                feed.name,
                feed.entity,
                self.source_file,
                self.sha256,
                p.line,
                p.column,
                p.value,
                p.reason,
            )
            for p in sorted(self.problems, key=lambda p: (p.line, p.column, p.reason))
        ]
        return pl.DataFrame(records, schema=QUARANTINE_SCHEMA, orient="row")


def check_new(settings: Settings, ledger: Ledger, feed: Feed, path: Path, sha: str) -> str | None:
    """`sha` (the delivered file's sha256) if its content was not ingested yet, else None.
    Raises FeedError when another content was ingested under the same name."""
    if ledger.get(sha) is not None:
        return None
    if same_name := ledger.find_by_name(feed.name, path.name):
        raise FeedError(
            f"{path.relative_to(settings.landing).as_posix()}: a file with this name was already"
            f" ingested with different content (ingested sha256 {same_name[0].file_sha256[:12]}"
            f" from {same_name[0].source_file}; this one {sha[:12]}); refusing to merge it"
            " silently"
        )
    return sha


def parse_new(settings: Settings, feed: Feed, path: Path, sha: str) -> ParsedFile:
    """Parse a delivered file against its feed's contract (no ledger access: thread-safe)."""
    source_file = path.relative_to(settings.landing).as_posix()
    typed, errors = feed.parse(path, source_file)
    bad_lines = {e.line for e in errors}
    valid = typed.filter(~pl.col("_source_line").is_in(bad_lines)) if bad_lines else typed
    valid = feed.finalize(valid)
    extra = [c for c in valid.columns if c not in feed.contract.names and c != "_source_line"]
    frame = valid.select(
        *feed.contract.names,
        *extra,
        pl.lit(source_file).alias("_source_file"),
        pl.col("_source_line"),
        pl.lit(sha).alias("_file_sha256"),
    )
    lines = typed["_source_line"].n_unique()
    return ParsedFile(path, source_file, sha, typed.height, lines, frame, tuple(errors))


# --- the landing gates, in a worker process -------------------------------------------------
#
# GX takes ~2 s of interpreter time to import, and in this process it held the GIL against the
# parsers (the JSON and TSV walks are Python): a day's ingest waited ~3 s on it. The gates run
# in a worker process instead (crossdock.gate_worker), which imports GX while the files parse
# here; a batch crosses as Arrow IPC (only the columns its suite reads) and its GateResult comes
# back (quality.results: no GX import on this side). One worker per process, reused by every
# ingest in it (the CLI's families, dag.test() runs). Should it fail to start or die, the gates
# run in this process from then on.

_WORKER: Worker | None = None
_WORKER_PID = 0  # the process that started _WORKER: a forked child starts its own
_WORKER_LOCK = threading.Lock()
_IN_PROCESS = False  # set once the worker could not start or died: gate here from then on
_SUITE_COLUMNS: dict[tuple[str, tuple[str, ...]], list[str]] = {}


def _import_gates() -> None:
    import quality.suites.landing  # noqa: F401  (imports GX, seconds)
    from quality.gates import context

    context()


def gate_worker() -> Worker | None:
    """The process's landing-gate worker, started on first use; it imports GX at once."""
    global _WORKER, _WORKER_PID, _IN_PROCESS
    with _WORKER_LOCK:
        if _WORKER is not None and os.getpid() != _WORKER_PID:
            _WORKER = None  # the parent's pipes: never shared with it
        if _WORKER is None and not _IN_PROCESS:
            try:
                _WORKER, _WORKER_PID = Worker(warm_up=_import_gates), os.getpid()
            except OSError as exc:
                log.warning("no landing-gate worker (%s): gating in this process", exc)
                _IN_PROCESS = True
        return _WORKER


def _in_gate_worker(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` in the gate worker; in this process if the worker is not available."""
    global _WORKER, _IN_PROCESS
    worker = gate_worker()
    if worker is not None:
        try:
            return worker.call(fn, *args)
        except WorkerGone as exc:
            log.warning("%s: gating in this process", exc)
            worker.close()
            with _WORKER_LOCK:
                _WORKER, _IN_PROCESS = None, True
    _import_gates()
    return fn(*args)


def _suite_columns_in_worker(entity: str, columns: tuple[str, ...]) -> list[str]:
    from quality.suites.landing import SUITES

    return [c for c in suite_columns(SUITES[entity](), list(columns)) if c != "_source_line"]


def _validate_in_worker(entity: str, ipc: bytes, batch: str) -> GateResult:
    from quality.gates import validate
    from quality.suites.landing import SUITES

    started = time.perf_counter()
    frame = pl.read_ipc(io.BytesIO(ipc)).to_pandas()
    suite = SUITES[entity]()
    result = validate(frame, suite, batch, line_column="_source_line", row_positions=True)
    return replace(result, seconds=round(time.perf_counter() - started, 3))  # with the transfer


def _gate(feed: Feed, frame: pl.DataFrame, batch: str) -> GateResult:
    key = (feed.entity, tuple(frame.columns))
    if key not in _SUITE_COLUMNS:
        _SUITE_COLUMNS[key] = _in_gate_worker(_suite_columns_in_worker, *key)
    # Only the columns the suite reads (and the lines) cross: row positions are the same, and
    # the other columns' conversion to pandas was most of the cost of a wide batch.
    # Int32 as Int64: GX compares only int64/float64 columns vectorised (others row by row).
    batch_frame = frame.select(*_SUITE_COLUMNS[key], "_source_line").with_columns(
        pl.col(pl.Int32).cast(pl.Int64)
    )
    ipc = io.BytesIO()
    batch_frame.write_ipc(ipc, compression="uncompressed")
    return _in_gate_worker(_validate_in_worker, feed.entity, ipc.getvalue(), batch)


def _with_gate_problems(
    files: list[ParsedFile], frame: pl.DataFrame, gate: GateResult
) -> list[ParsedFile]:
    """Add the rows a row-level expectation found unexpected to their file's quarantine."""
    extra: dict[str, list[RowError]] = {}
    sources, lines = frame["_source_file"], frame["_source_line"]
    for outcome in gate.outcomes:
        if not outcome.quarantinable:
            continue
        values = frame[outcome.column] if outcome.column else None
        for i in outcome.rows:
            value = None if values is None or values[i] is None else str(values[i])
            extra.setdefault(sources[i], []).append(
                RowError(
                    sources[i],
                    int(lines[i]),
                    outcome.column or "",
                    value,
                    f"failed {outcome.expectation}",
                )
            )
    return [replace(p, problems=p.problems + tuple(extra.get(p.source_file, ()))) for p in files]


def _blocked(gate: GateResult) -> bool:
    return any(o.blocking and not o.success for o in gate.outcomes)


def _audit(
    feed: Feed, files: list[ParsedFile], day: str
) -> tuple[list[ParsedFile], list[GateResult], list[tuple[ParsedFile, str]]]:
    """Gate the batch; returns (files to land, gate results, rejected files with reasons)."""

    def gate_of(group: list[ParsedFile], batch: str) -> tuple[GateResult, list[ParsedFile]]:
        frame = pl.concat([p.good_rows() for p in group], how="diagonal_relaxed")
        gate = _gate(feed, frame, batch)
        key = hashlib.sha256(" ".join(sorted(p.sha256 for p in group)).encode()).hexdigest()
        return replace(gate, key=key), _with_gate_problems(group, frame, gate)

    gate, audited = gate_of(files, f"{feed.family}/{feed.folder}/{day} ({len(files)} file(s))")
    gates, blocked = [gate], {}
    if _blocked(gate):  # find the file(s) that broke the batch
        gates, audited = [], []
        for p in files:
            file_gate, (checked,) = gate_of([p], p.source_file)
            gates.append(file_gate)
            audited.append(checked)
            if _blocked(file_gate):
                blocked[p.source_file] = file_gate.describe()
    to_land, rejected = [], []
    for p in audited:
        # The share is over delivered lines, the unit a partner sends and a person reads.
        bad = len(p.quarantined_lines())
        share = bad / max(p.lines_delivered, 1)
        if p.source_file in blocked:
            rejected.append((p, blocked[p.source_file]))
        elif share > MAX_QUARANTINE_SHARE:
            shown = "\n  ".join(str(e) for e in sorted(p.problems, key=lambda e: e.line)[:20])
            rejected.append(
                (
                    p,
                    f"{p.source_file}: {bad} of {p.lines_delivered} lines invalid ({share:.0%} > "
                    f"{MAX_QUARANTINE_SHARE:.0%} allowed); file rejected\n  {shown}",
                )
            )
        else:
            to_land.append(p)
    return to_land, gates, rejected


def _write_lake(settings: Settings, feed: Feed, parsed: ParsedFile, day: str) -> LedgerEntry:
    """Write one file's lake and quarantine Parquet (folders fsynced by the caller); returns the
    ledger entry that records them."""
    rel = lake_relpath(feed.entity, day, feed.name, parsed.sha256)
    good = parsed.good_rows()
    write_atomic(good, settings.lake / rel, sync_dir=False)
    quarantined = parsed.quarantine(feed)
    if quarantined.height:
        q_rel = lake_relpath(QUARANTINE_ENTITY, day, feed.name, parsed.sha256)
        write_atomic(quarantined, settings.lake / q_rel, sync_dir=False)
    crash_point("ingest.landed")
    return LedgerEntry(
        parsed.sha256,
        feed.name,
        parsed.path.name,
        parsed.source_file,
        day,
        good.height,
        rel.as_posix(),
        parsed.rows_delivered,
        parsed.rows_delivered - good.height,
    )


def land(
    settings: Settings, ledger: Ledger, feed: Feed, files: list[ParsedFile], day: str
) -> list[LedgerEntry]:
    """Write the files' lake and quarantine Parquet (a few at once), fsync their folders, then
    record them all in one ledger transaction. A crash before the commit leaves lake files
    without ledger rows: the re-run lands the same file names (derived from content) with the
    same bytes, so nothing is lost or duplicated."""
    if not files:
        return []
    with ThreadPoolExecutor(min(LAKE_WRITERS, len(files)), "crossdock-lake") as pool:
        entries = list(pool.map(lambda p: _write_lake(settings, feed, p, day), files))
    folders = {(settings.lake / e.lake_path).parent for e in entries}
    if any(e.rows_quarantined for e in entries):
        folders.add(settings.lake / QUARANTINE_ENTITY / f"delivery_date={day}")
    for folder in sorted(folders):
        fsync_dir(folder)
    ledger.record_many(entries)
    crash_point("ingest.recorded")  # after the feed's one ledger commit
    return entries


def ingest(settings: Settings, family: str, day: str, run_id: str = "adhoc") -> IngestReport:
    """Ingest every file delivered for `family` on `day`; raise IngestFailed if any is rejected.

    Feeds are parsed one after the other (PARSERS files at a time); each feed's batch is gated in
    a thread while the next feed is parsed (the GX work itself in the gate worker process,
    which imports GX meanwhile); then the feeds land in order, each in one ledger transaction."""
    gate_worker()
    with (
        Ledger(settings.ledger_path).session() as ledger,
        ThreadPoolExecutor(PARSERS, "crossdock-parse") as parsers,
        ThreadPoolExecutor(1, "crossdock-gate") as gates,
    ):
        return _ingest(settings, ledger, parsers, gates, family, day, run_id)


def _ingest(
    settings: Settings,
    ledger: Ledger,
    parsers: ThreadPoolExecutor,
    gates: ThreadPoolExecutor,
    family: str,
    day: str,
    run_id: str,
) -> IngestReport:
    dq = DqStore(settings.ledger_path)
    report = IngestReport(family, day)

    def reject(feed: Feed, path: Path, reason: str) -> None:
        source = path.relative_to(settings.landing).as_posix()
        ledger.reject(file_sha256(path), feed.name, source, day, reason)
        report.failures.append(reason)

    audits: list[tuple[Feed, Future]] = []
    seen: set[str] = set()  # content parsed by this run (feeds land only after all are parsed)
    for feed in feeds_of(family):
        # Only this family's ingest writes this feed's lake files: its leftovers are stale.
        for stale in sweep_tmp(settings.lake, f"{feed.name}-"):
            log.warning("removed %s, left by an interrupted ingest", stale)
        parsing: list[tuple[Path, Future[ParsedFile] | None]] = []
        paths = sorted(feed.day_dir(settings.landing, day).glob(feed.pattern))
        # hashed by the parser threads (hashlib releases the GIL), ahead of the parses; the
        # ledger (one connection, this thread) decides which files are new
        hashes = [parsers.submit(file_sha256, path) for path in paths]
        for path, hashed in zip(paths, hashes, strict=True):
            try:
                sha = check_new(settings, ledger, feed, path, hashed.result())
            except FeedError as exc:
                reject(feed, path, str(exc))
                continue
            job = None if sha is None else parsers.submit(parse_new, settings, feed, path, sha)
            parsing.append((path, job))
        parsed: list[ParsedFile] = []
        for path, job in parsing:
            try:
                p = None if job is None else job.result()
            except FeedError as exc:
                reject(feed, path, str(exc))
                continue
            # Already in the ledger, or the same content twice in this delivery (a resend).
            if p is None or p.sha256 in seen:
                report.skipped.append(path.name)
            else:
                parsed.append(p)
                seen.add(p.sha256)
        if parsed:
            audits.append((feed, gates.submit(_audit, feed, parsed, day)))
    for feed, audit in audits:
        to_land, gate_results, rejected = audit.result()
        report.gates += gate_results
        dq.record(gate_results, stage="landing", run_id=run_id)
        crash_point("ingest.gated")
        for p, reason in rejected:
            reject(feed, p.path, reason)
        report.landed += land(settings, ledger, feed, to_land, day)
    log.info(report.describe())
    if report.failures:
        raise IngestFailed(
            f"{family} {day}: {len(report.failures)} file(s) rejected\n"
            + "\n".join(report.failures),
            report.gates,
        )
    return report
