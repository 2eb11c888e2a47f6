# SPDX-License-Identifier: MPL-2.0
"""Business days of a Japanese municipality, for 標準処理期間 (行政手続法6条).

Closed days: Saturdays, Sundays, national holidays (祝日法, via jpholiday, including 振替休日 and
国民の休日) and the year-end closure 12/29–1/3 (行政機関の休日に関する法律1条). A period in
business days is counted from the day after arrival (到達); the due date is the last of those days.

Each year's holidays are read from jpholiday once per process, and counts between two days come
from a per-year running total: the analytics consumer and the history generator do this
arithmetic for millions of events, and asking jpholiday about every day costs about half a
millisecond a call.
"""

from datetime import date, timedelta
from functools import lru_cache

import jpholiday


def is_year_end_closure(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


@lru_cache(maxsize=256)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(day for day, _name in jpholiday.year_holidays(year))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_year_end_closure(day) and day not in _holidays(day.year)


@lru_cache(maxsize=256)
def _running_total(year: int) -> tuple[int, ...]:
    """totals[n] = business days from 1 January through day n of the year (0-based)."""
    totals, running, day = [], 0, date(year, 1, 1)
    while day.year == year:
        running += int(is_business_day(day))
        totals.append(running)
        day += timedelta(days=1)
    return tuple(totals)


def _through(day: date) -> int:
    """Business days from 1 January of `day`'s year through `day`."""
    return _running_total(day.year)[day.timetuple().tm_yday - 1]


def add_business_days(start: date, days: int) -> date:
    """The `days`-th business day after `start` (start itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_business_day(current):
            counted += 1
    return current


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    total = _through(end) - _through(start)
    for year in range(start.year, end.year):
        total += _running_total(year)[-1]
    return total


def due_date(arrival: date, days: int, day_kind: str) -> date:
    """The due date of a period of `days` from `arrival`, in business or calendar days.

    A calendar-day period that ends on a closed day moves to the next business day (民法142条).
    """
    if day_kind == "business":
        return add_business_days(arrival, days)
    if day_kind != "calendar":
        raise ValueError(f"unknown day kind {day_kind!r}")
    end = arrival + timedelta(days=days)
    while not is_business_day(end):
        end += timedelta(days=1)
    return end
