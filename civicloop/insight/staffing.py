# SPDX-License-Identifier: MPL-2.0
"""A staffing hint: the clerk-hours a week's arrivals bring, from the step times measured so far.

Hours per case of a procedure = Σ over the clerk's own steps of (median measured hours of the step
× the share of the procedure's cases that go through it). Step times are office hours from the
step's start to its end as `case.task_completed` records them (its `started_at` and `duration_s`),
counted in office hours (`office_hours`): they include waiting within the office, so the hint is an upper bound of effort, not a time-and-motion measure. The resident's
time (補正, paying the fee) and approvers' time (決裁) are left out.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from civicloop.core.calendar import is_business_day

CLERK_STEPS = ("intake", "review", "consultation", "inspection", "notify")
HOURS_PER_WEEK = 38.75  # 7 h 45 min a day, five days (勤務時間条例 of most municipalities)
TOKYO = ZoneInfo("Asia/Tokyo")
OPENS, CLOSES = time(8, 30), time(17, 15)


def office_hours(start: datetime, end: datetime) -> float:
    """Hours of `start`–`end` that fall in office hours (8:30–17:15 on business days, Asia/Tokyo).

    A step's recorded duration is wall-clock time: a review started on Friday afternoon and done on
    Monday morning took a couple of office hours, not 66 hours.
    """
    start, end = start.astimezone(TOKYO), end.astimezone(TOKYO)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_business_day(day):
            opens = datetime.combine(day, OPENS, TOKYO)
            closes = datetime.combine(day, CLOSES, TOKYO)
            overlap = (min(end, closes) - max(start, opens)).total_seconds()
            total += max(overlap, 0.0) / 3600
        day += timedelta(days=1)
    return total


def hours_per_case(durations: Mapping[tuple[str, str], Sequence[float]], cases: Mapping[str, int]) -> dict[str, float]:
    """Clerk-hours per case for each procedure with cases, from office hours per (procedure, step)."""
    result: dict[str, float] = {}
    for procedure, n in cases.items():
        if not n:
            continue
        hours = 0.0
        for step in CLERK_STEPS:
            measured = durations.get((procedure, step), ())
            if measured:
                share = min(len(measured) / n, 1.0)
                hours += float(np.median(measured)) * share
        result[procedure] = round(hours, 2)
    return result
