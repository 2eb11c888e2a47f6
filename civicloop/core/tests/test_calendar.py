# SPDX-License-Identifier: MPL-2.0
import random
from datetime import date, timedelta

import jpholiday
import pytest

from civicloop.core.calendar import (
    add_business_days,
    business_days_between,
    due_date,
    is_business_day,
    is_year_end_closure,
)


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 11, 26), True),  # a Thursday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 23), False),  # 勤労感謝の日
        (date(2026, 12, 28), True),  # the last working day of the year
        (date(2026, 12, 29), False),  # year-end closure
        (date(2027, 1, 4), True),  # first working day
        (date(2027, 1, 11), False),  # 成人の日
    ],
)
def test_which_days_are_business_days(day: date, open_: bool) -> None:
    assert is_business_day(day) is open_


def test_ten_business_days_skip_weekends_holidays_and_the_year_end_closure() -> None:
    # arrival Thu 2026-12-24: 25, 28, [29–3 closed], 4, 5, 6, 7, 8, [9–11 weekend and 成人の日], 12, 13, 14
    assert add_business_days(date(2026, 12, 24), 10) == date(2027, 1, 14)


def test_arrival_on_a_closed_day_counts_from_the_next_business_day() -> None:
    assert add_business_days(date(2026, 11, 28), 1) == date(2026, 11, 30)


def test_business_days_between_is_the_inverse_of_adding() -> None:
    start = date(2026, 12, 24)
    assert business_days_between(start, add_business_days(start, 10)) == 10
    assert business_days_between(start, start) == 0


def test_a_calendar_period_ending_on_a_closed_day_moves_to_the_next_business_day() -> None:
    assert due_date(date(2026, 12, 1), 30, "calendar") == date(2027, 1, 4)  # 12/31 is closed
    assert due_date(date(2026, 11, 2), 14, "calendar") == date(2026, 11, 16)  # 11/16 is a Monday


def test_an_unknown_day_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown day kind"):
        due_date(date(2026, 1, 5), 3, "lunar")


def test_the_cached_calendar_agrees_with_asking_jpholiday_about_every_day() -> None:
    # The per-year holiday sets and running totals must give what a day-by-day walk gives.
    day, end = date(2024, 12, 1), date(2027, 2, 1)
    while day < end:
        expected = day.weekday() < 5 and not is_year_end_closure(day) and not jpholiday.is_holiday(day)
        assert is_business_day(day) is expected, day
        day += timedelta(days=1)


def test_business_days_between_counts_across_years_like_a_walk() -> None:
    rng = random.Random(3)
    for _ in range(200):
        start = date(2024, 11, 1) + timedelta(days=rng.randrange(0, 800))
        end = start + timedelta(days=rng.randrange(-5, 420))
        walked = sum(is_business_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
        assert business_days_between(start, end) == walked
        if walked:
            # the walked-th business day after start is the last business day up to `end`
            last = add_business_days(start, walked)
            assert last <= end and is_business_day(last)
            assert not any(
                is_business_day(d) for d in (last + timedelta(days=n) for n in range(1, (end - last).days + 1))
            )
