"""Regenerate the shipped reference tables from the real data sets in ../shared/data."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from crossdock.reference import HERE

COUNTRY_COLUMNS = {
    "ISO3166-1-Alpha-2": "iso2",
    "ISO3166-1-Alpha-3": "iso3",
    "ISO3166-1-numeric": "iso_numeric",
    "CLDR display name": "name",
    "UNTERM English Short": "unterm_short_name",
    "ISO4217-currency_alphabetic_code": "currency",
    "Region Name": "region",
    "Sub-region Name": "sub_region",
}


def refresh(shared_data: Path, out: Path = HERE) -> None:
    cc = pl.read_csv(
        shared_data / "country_codes" / "country-codes.csv.gz", infer_schema=False, null_values=[""]
    )
    (
        cc.select([pl.col(src).alias(dst) for src, dst in COUNTRY_COLUMNS.items()])
        .filter(pl.col("iso2").is_not_null() & pl.col("iso3").is_not_null())
        .sort("iso2")
        .write_csv(out / "countries.csv")
    )
    hs = pl.read_csv(
        shared_data / "harmonized_system" / "harmonized-system.csv.gz",
        schema_overrides={"hscode": pl.String, "parent": pl.String, "level": pl.Int32},
    )
    hs.rename({"hscode": "hs_code"}).write_csv(out / "hs2022.csv")
    sections = (shared_data / "harmonized_system" / "sections.csv").read_bytes()
    (out / "hs2022_sections.csv").write_bytes(sections.removeprefix(b"\xef\xbb\xbf"))
    shutil.copymode(out / "hs2022.csv", out / "hs2022_sections.csv")
