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
