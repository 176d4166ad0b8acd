"""Seasonality and the Spring Festival shutdown follow the real calendars."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from simulator.calendar import demand_factor, spring_festival, spring_festival_shutdown
from simulator.generate import simulate


def test_retail_peaks_fall_on_their_real_dates():
    assert spring_festival(2025) == date(2025, 1, 29)
    black_friday_2025 = date(2025, 11, 28)  # the day after US Thanksgiving, 2025-11-27
    assert demand_factor(black_friday_2025) > 1.9 * demand_factor(date(2025, 11, 21))
    assert demand_factor(date(2025, 12, 15)) > demand_factor(date(2025, 6, 15)) * 1.3
    year = [demand_factor(date(2025, 1, 1) + timedelta(days=i)) for i in range(365)]
    assert 0.97 < sum(year) / 365 < 1.06  # peaks aside, the mean stays the configured volume


def test_no_chinese_pickup_during_the_spring_festival_shutdown(tmp_path: Path):
    first, last = spring_festival_shutdown(2025)  # 2025-01-28 .. 2025-02-05
    simulate(tmp_path, date(2025, 1, 20), date(2025, 2, 10), orders_per_day=60, seed=2)
    pickups = []
    for path in tmp_path.glob("carrier/tracking/*/*.jsonl"):
        for line in path.read_text().splitlines():
            msg = json.loads(line)["msg"]
            for cp in msg["checkpoints"]:
                if cp["subtag"] == "InTransit_002" and msg["origin_country_iso3"] == "CHN":
                    pickups.append(datetime.fromisoformat(cp["checkpoint_time"]))
    local_days = {p.date() for p in pickups}  # checkpoint_time carries the CN offset
    assert local_days, "expected Chinese pickups around the festival"
    assert not [d for d in local_days if first <= d <= last]
    assert any(d == last + timedelta(days=1) for d in local_days)  # the backlog after it
