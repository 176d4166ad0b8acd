"""Reference data shipped with crossdock (see README.md here for sources and licences)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent


@cache
def countries() -> pl.DataFrame:
    # Read as text: Namibia's alpha-2 code is "NA".
    return pl.read_csv(HERE / "countries.csv", infer_schema=False, null_values=[""])


@cache
def hs2022() -> pl.DataFrame:
    return pl.read_csv(
        HERE / "hs2022.csv", schema_overrides={"hs_code": pl.String, "parent": pl.String}
    )


@cache
def iso2_codes() -> frozenset[str]:
    return frozenset(countries()["iso2"])


@cache
def iso3_to_iso2() -> dict[str, str]:
    return dict(zip(countries()["iso3"], countries()["iso2"], strict=True))


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 codes in use by some country (some countries list two, comma-separated)."""
    codes = countries()["currency"].drop_nulls().str.split(",").explode().str.strip_chars()
    return frozenset(c for c in codes if len(c) == 3)


@cache
def hs6_codes() -> frozenset[str]:
    return frozenset(hs2022().filter(pl.col("level") == 6)["hs_code"])
