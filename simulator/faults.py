"""Fault switches: the bad deliveries a real partner sends, injected deterministically.

`Faults` holds one rate per switch (0 = off, the default). `simulate(..., faults=Faults(...))`
runs a `FaultInjector` over every file it writes; each decision comes from a random stream seeded
by (seed, file path) or (seed, order day), so the same arguments give the same bytes. What was
injected is listed in the manifest under `faults`:

    {
      "switches": {"malformed_rows": 0.02, ...},                  # the switches that were on
      "duplicate_files": [{"file": <original>, "copy": <resent copy>}],
      "duplicate_payloads": [{"file", "line", "source_file", "source_line"}],
      "late_events": [{"file", "line", "tracking_number", "checkpoint_day", "days_late"}],
      "out_of_order": [{"file", "line", "tracking_number", "checkpoint_day",
                        "later_checkpoint_day"}],
      "added_column": {<file>: {"column"}},
      "renamed_column": {<file>: {"from", "to"}},
      "type_change": {<file>: {"column", "kind", "rows"}},
      "malformed_rows": {<file>: [{"line", "column", "kind", "value"}]},
      "truncated_file": {<file>: {"line", "bytes"}},
      "rejected_files": {<file>: <why ingestion must reject it whole>},
    }

Files are relative to the landing root, lines 1-based as in the lake's `_source_line` (CSV header
is line 1). Every key is present (empty when its switch is off). What ingestion does with each
(docs/feeds.md, "Bad input"):

- duplicate_files: the same bytes under a new name (`<name>_resend.<ext>`) in the NEXT day's
  folder: skipped, the ledger keys files by content. Only files without a file-level fault.
- duplicate_payloads: an exact copy of a payload line (from a file that is not truncated, and
  not itself malformed) appended to the same carrier's file of the next day: lands, its
  checkpoints keep their content key `event_id` (dbt deduplicates).
- late_events: a payload (one shipment's checkpoints of one UTC day) delivered in the carrier's
  file 1-3 days later, `sent_at` that later day: lands.
- out_of_order: a shipment's first payload delivered the day after its next payload's file, and
  appended after the time-sorted lines of that file (so the file is not sorted by time): lands.
- added_column (CSV): an extra `partner_reference` column: lands, carried as text.
- renamed_column (CSV): a contract column renamed: file rejected (missing column).
- type_change (CSV): every row of a column in another type (`2.0` for an int quantity, `$12.30`
  for a price, epoch seconds for a timestamp): every row fails its cast, so more than 5 % of the
  rows are quarantined and the file is rejected whole.
- malformed_rows: single bad values (dates like 2024-02-30, negative quantities, currency `ZZZ`,
  HS codes `8517`/`999998`, country `XX`/`ZZZ`, unknown tag or status, empty required value),
  fewer than 5 % of a file's rows (of its payload lines for JSON lines), none in files with a
  file-level fault: those rows are quarantined, the rest lands.
- truncated_file: the file cut in the first half of one line (no trailing newline). JSON lines:
  invalid JSON, rejected whole. CSV: polars reads the cut row with its missing fields empty, so
  that row is quarantined (required values empty) and the file lands, unless that one row is
  more than 5 % of the rows (fewer than 21 rows): then it is rejected (listed in rejected_files).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

MAX_MALFORMED_SHARE = 0.05  # crossdock.ingest.MAX_QUARANTINE_SHARE: stay strictly below it
EPOCH = date(1970, 1, 1)
CP_NORMAL, CP_LATE, CP_OUT_OF_ORDER = 0, 1, 2  # checkpoint kinds in the tracking buffers
MAX_DAYS_LATE = 3

DEFAULT_RATE = {
    "duplicate_files": 0.05,
    "duplicate_payloads": 0.01,
    "late_events": 0.01,
    "out_of_order": 0.01,
    "added_column": 0.1,
    "renamed_column": 0.05,
    "type_change": 0.05,
    "malformed_rows": 0.02,
    "truncated_file": 0.05,
}


@dataclass(frozen=True)
class Faults:
    """One rate per switch, in [0, 1]; 0 (the default) is off, True means 1.0."""

    duplicate_files: float = 0.0  # share of files resent the next day under a new name
    duplicate_payloads: float = 0.0  # share of payload lines copied into the next day's file
    late_events: float = 0.0  # share of payloads delivered 1-3 days after their day
    out_of_order: float = 0.0  # share of multi-day shipments whose first payload comes late
    added_column: float = 0.0  # share of CSV files with an extra column
    renamed_column: float = 0.0  # share of CSV files with a contract column renamed
    type_change: float = 0.0  # share of CSV files with a column in another type
    malformed_rows: float = 0.0  # share of rows with one bad value (capped below 5 % per file)
    truncated_file: float = 0.0  # share of files cut mid-line

    def __post_init__(self) -> None:
        for f in fields(self):
            rate = float(getattr(self, f.name))
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault {f.name}: rate {rate} is not in [0, 1]")
            object.__setattr__(self, f.name, rate)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @property
    def active(self) -> bool:
        return any(getattr(self, n) > 0 for n in self.names())

    def switches(self) -> dict[str, float]:
        return {n: getattr(self, n) for n in self.names() if getattr(self, n) > 0}

    @classmethod
    def parse(cls, specs: list[str]) -> Faults:
        """From CLI specs `NAME` (its default rate) or `NAME=RATE`."""
        rates: dict[str, float] = {}
        for spec in specs:
            name, _, rate = spec.partition("=")
            name = name.strip().replace("-", "_")
            if name not in DEFAULT_RATE:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(cls.names())}")
            try:
                rates[name] = float(rate) if rate else DEFAULT_RATE[name]
            except ValueError as exc:
                raise ValueError(f"fault {name}: rate {rate!r} is not a number") from exc
        return cls(**rates)


# --- what a bad value looks like, per feed --------------------------------------------------------

ORDERS, TRACKING, DECLARATIONS, CLEARANCE = (
    "marketplace/orders", "carrier/tracking", "customs/declarations", "customs/clearance_events",
)  # fmt: skip
# kind -> column it spoils
MALFORMED = {
    ORDERS: {
        "invalid_date": "ship_by_date",
        "negative_quantity": "quantity",
        "unknown_currency": "currency",
        "invalid_hs_code": "hs_code",
        "unknown_country": "ship_from_country",
    },
    DECLARATIONS: {
        "invalid_timestamp": "declared_at",
        "negative_value": "declared_value",
        "unknown_currency": "currency",
        "invalid_hs_code": "hs_code",
        "unknown_country": "origin_country",
    },
    CLEARANCE: {
        "invalid_timestamp": "event_at",
        "unknown_status": "status",
        "missing_value": "declaration_id",
    },
    # JSON lines: the contract column the spoiled checkpoint field lands in
    TRACKING: {
        "invalid_timestamp": "event_at",
        "unknown_country": "event_country",
        "unknown_tag": "tag",
    },
}
RENAMED = {
    ORDERS: ("quantity", "qty"),
    DECLARATIONS: ("declared_value", "customs_value"),
    CLEARANCE: ("event_at", "event_time"),
}
TYPE_CHANGES = {
    ORDERS: (("quantity", "float_quantity"), ("unit_price", "currency_symbol")),
    DECLARATIONS: (("declared_value", "currency_symbol"),),
    CLEARANCE: (("event_at", "epoch_timestamp"),),
}
ADDED_COLUMN = "partner_reference"
CURRENCY_SYMBOL = {"USD": "$", "CAD": "C$", "AUD": "A$", "GBP": "£", "EUR": "€", "JPY": "¥"}


def _feb30(value: str) -> str:
    """A date or timestamp moved to February 30th of its year."""
    return f"{value[:4]}-02-30{value[10:]}"


def _epoch(value: str) -> str:
    return str(int(datetime.fromisoformat(value).astimezone(UTC).timestamp()))


@dataclass
class _Plan:
    """File-level faults drawn for one file."""

    rng: np.random.Generator
    renamed: bool
    type_change: bool
    truncated: bool
    added: bool
    resend: bool
    choice: float

    @property
    def rejected_kind(self) -> bool:
        return self.renamed or self.type_change or self.truncated


class FaultInjector:
    """Applies `Faults` to the files `simulate` writes and records what it did."""

    def __init__(self, faults: Faults, seed: int, start: date, end: date) -> None:
        self.f = faults
        self.seed = seed
        self.start = start
        self.end = end
        self.end_day = (end - EPOCH).days
        self.log: dict[str, Any] = {
            "switches": faults.switches(),
            "duplicate_files": [],
            "duplicate_payloads": [],
            "late_events": [],
            "out_of_order": [],
            "added_column": {},
            "renamed_column": {},
            "type_change": {},
            "malformed_rows": {},
            "truncated_file": {},
            "rejected_files": {},
        }
        # target file -> payload lines copied from the previous day: (line, source file, line)
        self.dup_in: dict[str, list[tuple[str, str, int]]] = {}

    def manifest(self) -> dict[str, Any]:
        out = dict(self.log)
        for key in ("added_column", "renamed_column", "type_change", "malformed_rows",
                    "truncated_file", "rejected_files"):  # fmt: skip
            out[key] = dict(sorted(out[key].items()))
        for key in ("duplicate_files", "duplicate_payloads", "late_events", "out_of_order"):
            out[key] = sorted(out[key], key=lambda r: (r["file"], r.get("line", 0)))
        return out

    # --- randomness -----------------------------------------------------------------------------

    def _rng(self, *key: object) -> np.random.Generator:
        digest = hashlib.sha256("|".join(map(str, key)).encode()).digest()
        return np.random.default_rng([self.seed, int.from_bytes(digest[:8], "big")])

    def _plan(self, rel: str, csv: bool) -> _Plan:
        rng = self._rng("file", rel)
        u = rng.random(6)  # fixed layout: one uniform per decision
        f = self.f
        renamed = csv and u[0] < f.renamed_column
        type_change = csv and not renamed and u[1] < f.type_change
        truncated = not renamed and not type_change and u[2] < f.truncated_file
        added = csv and u[3] < f.added_column
        resend = not (renamed or type_change or truncated) and u[4] < f.duplicate_files
        return _Plan(rng, renamed, type_change, truncated, added, resend, float(u[5]))

    def _next_day_rel(self, rel: str, day: date, suffix: str = "") -> str | None:
        nxt = day + timedelta(days=1)
        if nxt > self.end:
            return None
        feed, _, name = rel.rsplit("/", 2)
        stem, ext = name.rsplit(".", 1)
        if suffix:
            stem += suffix
        else:
            stem = stem.replace(f"{day:%Y%m%d}", f"{nxt:%Y%m%d}")
        return f"{feed}/{nxt.isoformat()}/{stem}.{ext}"

    # --- tracking: which day a checkpoint is delivered on --------------------------------------

    def delivery_days(
        self, k: int, rows: npt.NDArray[np.int64], cday: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int8]]:
        """Delivery day and kind per checkpoint of order day k (rows in (shipment, time) order)."""
        deliver = cday.astype(np.int64)
        kind = np.zeros(cday.size, dtype=np.int8)
        if (self.f.late_events == 0 and self.f.out_of_order == 0) or cday.size == 0:
            return deliver, kind
        new = np.r_[True, (rows[1:] != rows[:-1]) | (cday[1:] != cday[:-1])]
        pid = np.cumsum(new) - 1  # payload of each checkpoint
        p_row, p_day = rows[new], deliver[new]
        u = self._rng("tracking", self.start + timedelta(days=k)).random((3, p_row.size))
        same_next = np.r_[p_row[1:] == p_row[:-1], False]
        first = np.r_[True, p_row[1:] != p_row[:-1]]
        next_day = np.r_[p_day[1:], 0]
        ooo = first & same_next & (u[0] < self.f.out_of_order) & (next_day + 1 <= self.end_day)
        p_deliver, p_kind = p_day.copy(), np.zeros(p_row.size, dtype=np.int8)
        p_deliver[ooo] = next_day[ooo] + 1
        p_kind[ooo] = CP_OUT_OF_ORDER
        late_by = 1 + np.floor(u[2] * MAX_DAYS_LATE).astype(np.int64)
        late = (
            ~np.isin(p_row, p_row[ooo])
            & (u[1] < self.f.late_events)
            & (p_day + late_by <= self.end_day)
        )
        p_deliver[late] = p_day[late] + late_by[late]
        p_kind[late] = CP_LATE
        return p_deliver[pid], p_kind[pid]

    # --- files ----------------------------------------------------------------------------------

    def tracking_day_started(self, day: date) -> None:
        """Copies meant for files that do not exist (no payload of that carrier) are dropped."""
        for rel in [rel for rel in self.dup_in if rel.split("/")[2] < day.isoformat()]:
            del self.dup_in[rel]

    def tracking_file(self, rel: str, day: date, part: pl.DataFrame) -> list[tuple[str, bytes]]:
        plan = self._plan(rel, csv=False)
        lines = part["line"].to_list()
        n_base = len(lines)
        for i, (tn, cday, kind) in enumerate(
            part.select("tracking_number", "cday", "kind").iter_rows()
        ):
            if kind == CP_NORMAL:
                continue
            cp_day = EPOCH + timedelta(days=int(cday))
            rec = {"file": rel, "line": i + 1, "tracking_number": tn,
                   "checkpoint_day": cp_day.isoformat()}  # fmt: skip
            if kind == CP_LATE:
                self.log["late_events"].append({**rec, "days_late": (day - cp_day).days})
            else:
                later = day - timedelta(days=1)
                self.log["out_of_order"].append({**rec, "later_checkpoint_day": later.isoformat()})
        incoming = self.dup_in.pop(rel, [])
        if not plan.truncated:
            for line, src, src_line in incoming:
                lines.append(line)
                self.log["duplicate_payloads"].append(
                    {"file": rel, "line": len(lines), "source_file": src, "source_line": src_line}
                )
        bad = self._malformed_json(rel, plan, lines, n_base) if not plan.truncated else set()
        target = self._next_day_rel(rel, day)
        if target is not None and not plan.truncated and self.f.duplicate_payloads > 0:
            u = plan.rng.random(n_base)
            for i in np.flatnonzero(u < self.f.duplicate_payloads).tolist():
                if i not in bad:
                    self.dup_in.setdefault(target, []).append((lines[i], rel, i + 1))
        body = ("\n".join(lines) + "\n").encode("utf-8")
        return self._finish(rel, day, plan, body, data_from=1)

    def csv_file(self, rel: str, day: date, text: str) -> list[tuple[str, bytes]]:
        plan = self._plan(rel, csv=True)
        feed = rel.rsplit("/", 2)[0]
        lines = text.split("\n")[:-1]
        header = lines[0].split(",")
        if '"' in text:  # quoted fields: no value-level faults (the simulator writes none)
            return self._finish(rel, day, plan, text.encode("utf-8"), data_from=2)
        rows = [line.split(",") for line in lines[1:]]
        col = {name: j for j, name in enumerate(header)}
        if plan.renamed:
            old, new = RENAMED[feed]
            header[col[old]] = new
            self.log["renamed_column"][rel] = {"from": old, "to": new}
            self.log["rejected_files"][rel] = f"renamed_column: {old} -> {new}"
        elif plan.type_change:
            options = TYPE_CHANGES[feed]
            column, kind = options[min(int(plan.choice * len(options)), len(options) - 1)]
            j, cur = col[column], col.get("currency")
            for r in rows:
                if kind == "float_quantity":
                    r[j] = f"{r[j]}.0"
                elif kind == "currency_symbol":
                    r[j] = CURRENCY_SYMBOL.get(r[cur], "$") + r[j]
                else:
                    r[j] = _epoch(r[j])
            self.log["type_change"][rel] = {"column": column, "kind": kind, "rows": len(rows)}
            self.log["rejected_files"][rel] = f"type_change: {column} {kind} in every row"
        elif not plan.truncated:
            self._malformed_csv(rel, feed, plan, rows, col)
        if plan.added:
            header.append(ADDED_COLUMN)
            for i, r in enumerate(rows):
                r.append(f"PR{self.seed % 1000:03d}-{day:%Y%m%d}-{i + 1:06d}")
            self.log["added_column"][rel] = {"column": ADDED_COLUMN}
        out = [",".join(header)] + [",".join(r) for r in rows]
        body = ("\n".join(out) + "\n").encode("utf-8")
        return self._finish(rel, day, plan, body, data_from=2)

    def _finish(self, rel: str, day: date, plan: _Plan, body: bytes,
                data_from: int) -> list[tuple[str, bytes]]:  # fmt: skip
        """Truncation and resend, the last faults applied to a file's bytes."""
        if plan.truncated:
            starts = [0, *[i + 1 for i, b in enumerate(body) if b == 0x0A][:-1]]
            first = data_from - 1  # index of the first data line
            if len(starts) > first:
                u = plan.rng.random(2)
                li = first + min(int(u[0] * (len(starts) - first)), len(starts) - first - 1)
                lo = starts[li]
                hi = body.index(b"\n", lo)
                cut = lo + 1 + int(u[1] * max((hi - lo) // 2 - 1, 1))
                body = body[:cut]
                self.log["truncated_file"][rel] = {"line": li + 1, "bytes": cut}
                rows = li + 1 - (data_from - 1)  # rows read, the cut one included
                if data_from == 1:
                    self.log["rejected_files"][rel] = (
                        f"truncated_file: invalid JSON at line {li + 1}"
                    )
                elif 1 / rows > MAX_MALFORMED_SHARE:
                    self.log["rejected_files"][rel] = (
                        f"truncated_file: cut row {li + 1} is 1 of {rows} rows (> 5 %)"
                    )
        out = [(rel, body)]
        if plan.resend:
            copy = self._next_day_rel(rel, day, suffix="_resend")
            if copy is not None:
                out.append((copy, body))
                self.log["duplicate_files"].append({"file": rel, "copy": copy})
        return out

    # --- malformed rows -------------------------------------------------------------------------

    def _pick_rows(self, plan: _Plan, n_rows: int, candidates: int) -> list[int]:
        """Which rows to spoil: binomial draw, fewer than 5 % of n_rows, among the first ones."""
        if self.f.malformed_rows == 0 or candidates == 0:
            return []
        cap = (n_rows - 1) // round(1 / MAX_MALFORMED_SHARE)  # k * 20 < n_rows
        k = min(int(plan.rng.binomial(candidates, self.f.malformed_rows)), cap)
        return sorted(plan.rng.choice(candidates, size=k, replace=False).tolist()) if k else []

    def _malformed_csv(self, rel: str, feed: str, plan: _Plan, rows: list[list[str]],
                       col: dict[str, int]) -> None:  # fmt: skip
        kinds = list(MALFORMED[feed].items())
        records = []
        for i in self._pick_rows(plan, len(rows), len(rows)):
            kind, column = kinds[int(plan.rng.integers(len(kinds)))]
            r, j = rows[i], col[column]
            match kind:
                case "invalid_date" | "invalid_timestamp":
                    r[j] = _feb30(r[j])
                case "negative_quantity" | "negative_value":
                    r[j] = "-" + r[j] if float(r[j]) > 0 else "-1"
                case "unknown_currency":
                    r[j] = "ZZZ"
                case "invalid_hs_code":
                    r[j] = "8517" if plan.rng.random() < 0.5 else "999998"
                case "unknown_country":
                    r[j] = "XX"
                case "unknown_status":
                    r[j] = "CLEARED"
                case "missing_value":
                    r[j] = ""
            records.append({"line": i + 2, "column": column, "kind": kind, "value": r[j]})
        if records:
            self.log["malformed_rows"][rel] = records

    def _malformed_json(self, rel: str, plan: _Plan, lines: list[str], n_base: int) -> set[int]:
        kinds = list(MALFORMED[TRACKING].items())
        records, bad = [], set()
        for i in self._pick_rows(plan, len(lines), n_base):
            kind, column = kinds[int(plan.rng.integers(len(kinds)))]
            payload = json.loads(lines[i])
            cps = payload["msg"]["checkpoints"]
            cp = cps[int(plan.rng.integers(len(cps)))]
            match kind:
                case "invalid_timestamp":
                    cp["checkpoint_time"] = value = _feb30(cp["checkpoint_time"])
                case "unknown_country":
                    cp["country_iso3"] = value = "ZZZ"
                case _:
                    cp["tag"] = value = "Teleported"
            lines[i] = json.dumps(payload)
            bad.add(i)
            records.append({"line": i + 1, "column": column, "kind": kind, "value": value})
        if records:
            self.log["malformed_rows"][rel] = records
        return bad
