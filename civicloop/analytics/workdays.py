# SPDX-License-Identifier: MPL-2.0
"""The same business days as core.calendar, fast enough to run for every event.

core.calendar asks jpholiday about each day (a few milliseconds a call); the consumer and the
history generator need business-day arithmetic for hundreds of thousands of cases. Here each
year's holidays are read once (`jpholiday.year_holidays`) and counts come from a per-year index.
The rules are core.calendar's — weekends, national holidays, 12/29–1/3 — and a test checks that
both agree day by day.
"""

from datetime import date, timedelta
from functools import lru_cache

import jpholiday

from civicloop.core.calendar import is_year_end_closure


@lru_cache(maxsize=256)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(day for day, _name in jpholiday.year_holidays(year))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_year_end_closure(day) and day not in _holidays(day.year)


@lru_cache(maxsize=256)
def _cumulative(year: int) -> tuple[int, ...]:
    """counts[n] = business days from 1 January up to and including day n of the year (0-based)."""
    counts, running, day = [], 0, date(year, 1, 1)
    while day.year == year:
        running += int(is_business_day(day))
        counts.append(running)
        day += timedelta(days=1)
    return tuple(counts)


def _through(day: date) -> int:
    """Business days from 1 January of day's year through `day`."""
    return _cumulative(day.year)[day.timetuple().tm_yday - 1]


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    total = _through(end) - _through(start)
    for year in range(start.year, end.year):
        total += _cumulative(year)[-1]
    return total


def add_business_days(start: date, days: int) -> date:
    """The `days`-th business day after `start` (start itself never counts)."""
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        counted += int(is_business_day(current))
    return current


def due_date(arrival: date, days: int, day_kind: str) -> date:
    """core.calendar.due_date, on the cached calendar."""
    if day_kind == "business":
        return add_business_days(arrival, days)
    end = arrival + timedelta(days=days)
    while not is_business_day(end):
        end += timedelta(days=1)
    return end
