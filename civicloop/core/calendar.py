# SPDX-License-Identifier: MPL-2.0
"""Business days of a Japanese municipality, for 標準処理期間 (行政手続法6条).

Closed days: Saturdays, Sundays, national holidays (祝日法, via jpholiday, including 振替休日 and
国民の休日) and the year-end closure 12/29–1/3 (行政機関の休日に関する法律1条). A period in
business days is counted from the day after arrival (到達); the due date is the last of those days.
"""

from datetime import date, timedelta

import jpholiday


def is_year_end_closure(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_year_end_closure(day) and not jpholiday.is_holiday(day)


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
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        count += int(is_business_day(current))
    return count


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
