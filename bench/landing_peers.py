"""Land delivered files as Parquet without crossdock: the DuckDB floor and a plain pandas peer.

    python -m bench.landing_peers duckdb FILES.txt OUT_DIR
    python -m bench.landing_peers pandas FILES.txt OUT_DIR

FILES.txt lists one delivered file a line. Each file becomes one Parquet file in OUT_DIR, as
crossdock lands one lake file per delivered file.

- duckdb (the floor): `COPY (SELECT * FROM read_csv / read_json(...)) TO '....parquet'`, the raw
  file as DuckDB reads it (nested JSON stays nested), no validation, no lineage.
- pandas (the peer): what many teams write: `read_csv` / `json_normalize` to the feed's grain
  (one row per tracking checkpoint, one per Shopify line item), `to_parquet`. No contract, no
  quarantine, no ledger.

Only formats DuckDB reads natively are supported (CSV, TSV, JSON, JSON lines); EDIFACT and XML
have no floor to compare against.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

SUPPORTED = (".csv", ".txt", ".json", ".jsonl")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def land_duckdb(files: list[Path], out: Path) -> int:
    import duckdb

    con = duckdb.connect()
    rows = 0
    for i, path in enumerate(files):
        src = _sql_str(str(path))
        reader = {
            ".csv": f"read_csv({src})",
            ".txt": f"read_csv({src}, delim = '\t')",
            ".jsonl": f"read_json({src}, format = 'newline_delimited')",
            ".json": f"read_json({src})",
        }[path.suffix]
        dest = _sql_str(str(out / f"{i:04d}_{path.stem}.parquet"))
        (n,) = con.execute(f"copy (select * from {reader}) to {dest} (format parquet)").fetchone()
        rows += n
    return rows


def land_pandas(files: list[Path], out: Path) -> int:
    import pandas as pd

    rows = 0
    for i, path in enumerate(files):
        if path.suffix == ".csv":
            frame = pd.read_csv(path)
        elif path.suffix == ".txt":
            frame = pd.read_csv(path, sep="\t")
        elif path.suffix == ".jsonl":
            with path.open() as fh:
                records = [json.loads(line) for line in fh if line.strip()]
            frame = pd.json_normalize(
                records,
                record_path=["msg", "checkpoints"],
                meta=[
                    "event_id",
                    "sent_at",
                    ["msg", "tracking_number"],
                    ["msg", "slug"],
                    ["msg", "service_type"],
                    ["msg", "order_id"],
                    ["msg", "origin_country_iso3"],
                    ["msg", "destination_country_iso3"],
                ],
                errors="ignore",
            )
        else:
            orders = json.loads(path.read_text())["orders"]
            frame = pd.json_normalize(
                orders,
                record_path="line_items",
                meta=["id", "name", "created_at", "currency", "cancelled_at"],
                meta_prefix="order_",
                errors="ignore",
            )
            # Nested leftovers (properties, origin_location) as JSON text, so Parquet can hold them.
            for column in frame.columns[frame.dtypes.map(lambda t: t.kind == "O")]:
                if frame[column].map(lambda v: isinstance(v, (list, dict))).any():
                    frame[column] = frame[column].map(json.dumps)
        frame.to_parquet(out / f"{i:04d}_{path.stem}.parquet", index=False)
        rows += len(frame)
    return rows


def main() -> int:
    engine, listing, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    files = [Path(line) for line in listing.read_text().splitlines() if line.strip()]
    unsupported = [f for f in files if f.suffix not in SUPPORTED]
    if unsupported:
        raise SystemExit(f"{listing}: no floor for {unsupported[0]} (supported: {SUPPORTED})")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rows = {"duckdb": land_duckdb, "pandas": land_pandas}[engine](files, out)
    seconds = round(time.perf_counter() - t0, 2)  # in-process: no interpreter start-up
    print(json.dumps({"engine": engine, "files": len(files), "rows": rows, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
