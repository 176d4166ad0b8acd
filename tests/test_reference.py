"""The shipped reference tables are the real ones from ../shared/data, unchanged in content."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossdock.reference import HERE, currency_codes, hs6_codes, iso2_codes, iso3_to_iso2
from crossdock.reference.refresh import refresh


@pytest.mark.shared_data
def test_shipped_tables_equal_a_refresh_from_shared_data(shared_data: Path, tmp_path: Path):
    refresh(shared_data, tmp_path)
    for name in ("countries.csv", "hs2022.csv", "hs2022_sections.csv"):
        assert (tmp_path / name).read_bytes() == (HERE / name).read_bytes(), name


def test_reference_lookups_hold_known_real_values():
    assert iso3_to_iso2()["CHN"] == "CN"
    assert "NA" in iso2_codes()  # Namibia, not a missing value
    assert {"USD", "EUR", "GBP", "CNY", "JPY"} <= currency_codes()
    assert "XXX" not in iso2_codes()
    # HS 2022: 5,613 subheadings; 8517.13 (smartphones) is new in HS 2022.
    assert len(hs6_codes()) == 5613
    assert "851713" in hs6_codes()
    assert "851712" not in hs6_codes()


def test_ecb_rates_come_from_the_bundled_archive_with_real_fixings():
    from datetime import date

    from crossdock.reference.external import ecb_rates, rate

    rates = ecb_rates()
    assert rates["rate_date"].min() == date(1999, 1, 4)
    # Real ECB fixings: USD 1.1789 on 1999-01-04 (the euro's first day); EUR is 1.
    assert rate("USD", date(1999, 1, 4)) == 1.1789
    assert rate("EUR", date(2024, 6, 3)) == 1.0
    # A Saturday takes Friday's fixing.
    assert rate("GBP", date(2024, 6, 1)) == rate("GBP", date(2024, 5, 31))
    assert rates.filter(rates["currency"] == "JPY").height > 6000


def test_public_holidays_are_computed_locally():
    from datetime import date

    from crossdock.reference.external import public_holidays

    days = public_holidays(["GB", "US", "CN"], range(2025, 2026))
    pairs = set(zip(days["country"], days["holiday_date"], strict=True))
    assert ("GB", date(2025, 12, 25)) in pairs
    assert ("US", date(2025, 7, 4)) in pairs
    assert ("CN", date(2025, 10, 1)) in pairs
