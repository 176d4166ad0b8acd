"""The ingest ledger: every delivered file, keyed by the sha256 of its content.

SQLite (one small file beside the lake): ingest tasks of different feed families may run at the same
time, and SQLite serialises their short write transactions. A file counts as ingested only once its
ledger row is committed, which happens after its Parquet file is in place in the lake.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
create table if not exists ingested_files (
    file_sha256   text primary key,
    feed          text not null,
    file_name     text not null,
    source_file   text not null,
    delivery_date text not null,
    rows_landed   integer not null,
    lake_path     text not null,
    rows_delivered   integer not null,
    rows_quarantined integer not null,
    ingested_at   text not null
);
create index if not exists ingested_files_by_name on ingested_files (feed, file_name);
create table if not exists rejected_files (
    file_sha256   text not null,
    feed          text not null,
    source_file   text not null,
    delivery_date text not null,
    reason        text not null,
    rejected_at   text not null
);
"""


ENTRY_COLUMNS = (
    "file_sha256, feed, file_name, source_file, delivery_date, rows_landed, lake_path,"
    " rows_delivered, rows_quarantined"
)


@dataclass(frozen=True)
class LedgerEntry:
    file_sha256: str
    feed: str
    file_name: str
    source_file: str
    delivery_date: str
    rows_landed: int
    lake_path: str
    rows_delivered: int
    rows_quarantined: int


@contextmanager
def connect_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to one of the home's SQLite stores (the ledger, dq_results): autocommit
    (callers open their own transactions), WAL, fully synced, waiting up to 60 s on a lock."""
    con = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        con.execute("pragma journal_mode = wal")
        con.execute("pragma synchronous = full")
        yield con
    finally:
        con.close()


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._con: sqlite3.Connection | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(SCHEMA)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        if self._con is not None:
            return nullcontext(self._con)
        return connect_sqlite(self.path)

    @contextmanager
    def session(self) -> Iterator[Ledger]:
        """Every call inside uses one connection (an ingest run: two lookups per file would
        otherwise open and close, and checkpoint, the WAL database hundreds of times). Holding
        it blocks no one: transactions stay as short as without it. Not shared across threads."""
        if self._con is not None:
            yield self
            return
        with connect_sqlite(self.path) as con:
            self._con = con
            try:
                yield self
            finally:
                self._con = None

    def get(self, file_sha256: str) -> LedgerEntry | None:
        with self._connect() as con:
            row = con.execute(
                f"select {ENTRY_COLUMNS} from ingested_files where file_sha256 = ?",
                (file_sha256,),
            ).fetchone()
        return LedgerEntry(*row) if row else None

    def find_by_name(self, feed: str, file_name: str) -> list[LedgerEntry]:
        with self._connect() as con:
            rows = con.execute(
                f"select {ENTRY_COLUMNS} from ingested_files where feed = ? and file_name = ?",
                (feed, file_name),
            ).fetchall()
        return [LedgerEntry(*r) for r in rows]

    def record(self, entry: LedgerEntry) -> bool:
        """Record an ingested file. Returns False if its content was already recorded."""
        return self.record_many([entry]) == 1

    def record_many(self, entries: list[LedgerEntry]) -> int:
        """Record ingested files in one transaction (all or none); returns how many were new
        (content already recorded is left as it is)."""
        now = datetime.now(UTC).isoformat()
        rows = [
            (
                e.file_sha256,
                e.feed,
                e.file_name,
                e.source_file,
                e.delivery_date,
                e.rows_landed,
                e.lake_path,
                e.rows_delivered,
                e.rows_quarantined,
                now,
            )
            for e in entries
        ]
        with self._connect() as con:
            con.execute("begin immediate")
            try:
                before = con.total_changes
                con.executemany(
                    "insert into ingested_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " on conflict (file_sha256) do nothing",
                    rows,
                )
                new = con.total_changes - before
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")
        return new

    def reject(self, file_sha256: str, feed: str, source_file: str, day: str, reason: str) -> None:
        with self._connect() as con:
            con.execute(
                "insert into rejected_files values (?, ?, ?, ?, ?, ?)",
                (file_sha256, feed, source_file, day, reason, datetime.now(UTC).isoformat()),
            )

    def entries(self) -> list[LedgerEntry]:
        with self._connect() as con:
            rows = con.execute(
                f"select {ENTRY_COLUMNS} from ingested_files"
                " order by feed, delivery_date, file_name"
            ).fetchall()
        return [LedgerEntry(*r) for r in rows]

    def rejections(self) -> dict[str, str]:
        """Rejected files (by landing path) with the latest reason."""
        with self._connect() as con:
            rows = con.execute(
                "select source_file, reason from rejected_files order by rejected_at"
            ).fetchall()
        return dict(rows)

    def rows_by_entity(self) -> dict[str, int]:
        """Rows landed per lake entity (the first folder of the lake path)."""
        totals: dict[str, int] = {}
        for e in self.entries():
            entity = Path(e.lake_path).parts[0]
            totals[entity] = totals.get(entity, 0) + e.rows_landed
        return totals
