"""Ingest one feed family for one delivery day: parse, gate, land, record. Exactly once per file.

Write-audit-publish per feed and day: every new file is parsed against its contract, the parsed
files are gated together by the entity's GX suite (one validation per batch: GX's fixed cost per
call dwarfs the row cost), and only then is each file landed and recorded in the ledger. When the
batch fails, each file is gated on its own so that good files still land and bad ones are named.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from crossdock.config import Settings
from crossdock.lake import lake_relpath, write_atomic
from crossdock.ledger import Ledger, LedgerEntry
from ingestion import feeds_of
from ingestion.contract import FeedError, file_sha256
from ingestion.feed import Feed
from quality.gates import GateResult, validate
from quality.suites.landing import SUITES

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    family: str
    day: str
    landed: list[LedgerEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already ingested (same content)
    gates: list[GateResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rows_landed(self) -> int:
        return sum(e.rows_landed for e in self.landed)

    def describe(self) -> str:
        return (
            f"{self.family} {self.day}: {len(self.landed)} file(s) landed "
            f"({self.rows_landed} rows), {len(self.skipped)} already ingested, "
            f"{len(self.failures)} rejected"
        )


class IngestFailed(Exception):
    """Some files of the batch failed; the message lists each file and reason."""

    def __init__(self, message: str, gates: list[GateResult]) -> None:
        super().__init__(message)
        self.gates = gates


@dataclass(frozen=True)
class ParsedFile:
    path: Path
    source_file: str
    sha256: str
    frame: pl.DataFrame  # contract columns, derived columns, lineage


def parse_file(settings: Settings, ledger: Ledger, feed: Feed, path: Path) -> ParsedFile | None:
    """Parse one delivered file, or None if its content was already ingested."""
    source_file = path.relative_to(settings.landing).as_posix()
    sha = file_sha256(path)
    if ledger.get(sha) is not None:
        return None
    if same_name := ledger.find_by_name(feed.name, path.name):
        raise FeedError(
            f"{source_file}: a file with this name was already ingested with different content "
            f"(ingested sha256 {same_name[0].file_sha256[:12]} from {same_name[0].source_file}; "
            f"this one {sha[:12]}); refusing to merge it silently"
        )
    typed, errors = feed.parse(path, source_file)
    if errors:
        shown = "\n  ".join(str(e) for e in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise FeedError(f"{source_file}: {len(errors)} invalid value(s)\n  {shown}{more}")
    typed = feed.finalize(typed)
    extra = [c for c in typed.columns if c not in feed.contract.names and c != "_source_line"]
    frame = typed.select(
        *feed.contract.names,
        *extra,
        pl.lit(source_file).alias("_source_file"),
        pl.col("_source_line"),
        pl.lit(sha).alias("_file_sha256"),
    )
    return ParsedFile(path, source_file, sha, frame)


def _gate(feed: Feed, frame: pl.DataFrame, batch: str) -> GateResult:
    return validate(frame.to_pandas(), SUITES[feed.entity](), batch, line_column="_source_line")


def land(
    settings: Settings, ledger: Ledger, feed: Feed, parsed: ParsedFile, day: str
) -> LedgerEntry:
    """Write the lake file, then record it: a crash in between re-lands the same file name."""
    rel = lake_relpath(feed.entity, day, feed.name, parsed.sha256)
    write_atomic(parsed.frame, settings.lake / rel)
    entry = LedgerEntry(
        parsed.sha256,
        feed.name,
        parsed.path.name,
        parsed.source_file,
        day,
        parsed.frame.height,
        rel.as_posix(),
    )
    ledger.record(entry)
    return entry


def ingest(settings: Settings, family: str, day: str) -> IngestReport:
    """Ingest every file delivered for `family` on `day`; raise IngestFailed if any is rejected."""
    ledger = Ledger(settings.ledger_path)
    report = IngestReport(family, day)

    def reject(feed: Feed, path: Path, reason: str) -> None:
        source = path.relative_to(settings.landing).as_posix()
        ledger.reject(file_sha256(path), feed.name, source, day, reason)
        report.failures.append(reason)

    for feed in feeds_of(family):
        parsed: list[ParsedFile] = []
        for path in sorted(feed.day_dir(settings.landing, day).glob(feed.pattern)):
            try:
                p = parse_file(settings, ledger, feed, path)
            except FeedError as exc:
                reject(feed, path, str(exc))
                continue
            if p is None:
                report.skipped.append(path.name)
            else:
                parsed.append(p)
        if not parsed:
            continue
        batch = f"{feed.family}/{feed.folder}/{day} ({len(parsed)} file(s))"
        gate = _gate(feed, pl.concat([p.frame for p in parsed], how="diagonal_relaxed"), batch)
        if gate.success:
            report.gates.append(gate)
            passed = parsed
        else:
            passed = []
            for p in parsed:
                file_gate = _gate(feed, p.frame, p.source_file)
                report.gates.append(file_gate)
                if file_gate.success:
                    passed.append(p)
                else:
                    reject(feed, p.path, file_gate.describe())
        report.landed += [land(settings, ledger, feed, p, day) for p in passed]
    log.info(report.describe())
    if report.failures:
        raise IngestFailed(
            f"{family} {day}: {len(report.failures)} file(s) rejected\n"
            + "\n".join(report.failures),
            report.gates,
        )
    return report
