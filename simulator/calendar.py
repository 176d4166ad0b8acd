"""Yearly seasonality, retail peaks and the Spring Festival shutdown, from real calendars.

Dates come from the `holidays` package (computed locally): US Thanksgiving anchors Black Friday
and Cyber Monday, China's Spring Festival anchors the factory and forwarder shutdown. Sizes of the
effects are plausible round numbers, not measured: cross-border volume peaks in Q4 (about +18 %
mid-December, -18 % in June), Black Friday about doubles a day's orders, and Chinese sellers hand
over no parcels from New Year's Eve until a week after New Year's Day.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import cache

import holidays

YEARLY_AMPLITUDE = 0.18
YEARLY_PEAK_DOY = 349  # mid-December


@cache
def _thanksgiving(year: int) -> date:
    return next(d for d, name in holidays.US(years=year).items() if "Thanksgiving" in name)


@cache
def spring_festival(year: int) -> date:
    """Chinese New Year's Day (first day of the Spring Festival) of `year`."""
    return min(d for d, name in holidays.CN(years=year).items() if "Spring Festival" in name)


def _events(year: int) -> dict[date, float]:
    black_friday = _thanksgiving(year) + timedelta(days=1)
    peaks = {
        black_friday: 2.0,
        black_friday + timedelta(days=1): 1.4,
        black_friday + timedelta(days=2): 1.4,
        black_friday + timedelta(days=3): 1.7,  # Cyber Monday
        date(year, 11, 11): 1.3,  # Singles' Day
        date(year, 12, 24): 0.8,
        date(year, 12, 25): 0.6,
    }
    # Prime Day: in recent years two days in the second week of July (Tuesday and Wednesday).
    july = date(year, 7, 8)
    tuesday = july + timedelta(days=(1 - july.weekday()) % 7)
    peaks |= {tuesday: 1.6, tuesday + timedelta(days=1): 1.5}
    return peaks


@cache
def demand_factor(day: date) -> float:
    """Multiplier of the mean daily order volume on `day` (about 1 averaged over a year)."""
    doy = day.timetuple().tm_yday
    yearly = 1.0 + YEARLY_AMPLITUDE * math.cos(2 * math.pi * (doy - YEARLY_PEAK_DOY) / 365.25)
    return yearly * _events(day.year).get(day, 1.0)


def spring_festival_shutdown(year: int) -> tuple[date, date]:
    """[first, last] day on which Chinese sellers hand nothing to carriers."""
    new_year = spring_festival(year)
    return new_year - timedelta(days=1), new_year + timedelta(days=7)
