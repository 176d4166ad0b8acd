"""Export the reference data crossdock ships to the lake, for the dbt `reference` source.

Written to `<lake>/reference/<table>.parquet`, one file per table, atomically and with sorted,
deterministic content. The dbt project reads these files, never the CSVs or packages directly.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from crossdock.lake import write_atomic
from crossdock.reference import HERE, countries, hs2022
from crossdock.reference.external import ecb_rates, public_holidays

# Destination and origin countries the project uses (simulator lanes and feeds).
HOLIDAY_COUNTRIES = (
    "US", "GB", "DE", "FR", "CA", "AU", "JP", "NL", "ES", "IT", "CN", "HK", "VN", "TR", "IN", "BR",
)  # fmt: skip
HOLIDAY_YEARS = range(2015, 2031)


def reference_tables() -> dict[str, pl.DataFrame]:
    """Each reference table by name, sorted on its key."""
    return {
        "countries": countries().sort("iso2"),
        "hs_codes": hs2022()
        .select("hs_code", "level", "parent", "section", "description")
        .sort("hs_code", "level"),
        "hs_sections": pl.read_csv(HERE / "hs2022_sections.csv", infer_schema=False).sort(
            "section"
        ),
        "ecb_rates": ecb_rates()
        .select("rate_date", "currency", "per_eur")
        .sort("rate_date", "currency"),
        "public_holidays": public_holidays(list(HOLIDAY_COUNTRIES), HOLIDAY_YEARS).sort(
            "country", "holiday_date", "holiday_name"
        ),
    }


def export_reference(lake: Path) -> dict[str, int]:
    """Write every reference table to `<lake>/reference/<table>.parquet`; rows per table."""
    counts: dict[str, int] = {}
    for name, frame in reference_tables().items():
        write_atomic(frame, lake / "reference" / f"{name}.parquet")
        counts[name] = frame.height
    return counts
