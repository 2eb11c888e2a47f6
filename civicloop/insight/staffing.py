# SPDX-License-Identifier: MPL-2.0
"""A staffing hint: the clerk-hours a week's arrivals bring, from the step times measured so far.

Hours per case of a procedure = Σ over the clerk's own steps of (median measured hours of the step
× the share of the procedure's cases that go through it). Step times are office hours from the
step's start to its end as `case.task_completed` records them: they include waiting within the
office, so the hint is an upper bound of effort, not a time-and-motion measure. The resident's
time (補正, paying the fee) and approvers' time (決裁) are left out.
"""

from collections.abc import Mapping, Sequence

import numpy as np

CLERK_STEPS = ("intake", "review", "consultation", "inspection", "notify")
HOURS_PER_WEEK = 38.75  # 7 h 45 min a day, five days (勤務時間条例 of most municipalities)


def hours_per_case(durations: Mapping[tuple[str, str], Sequence[float]], cases: Mapping[str, int]) -> dict[str, float]:
    """Clerk-hours per case for each procedure with cases."""
    result: dict[str, float] = {}
    for procedure, n in cases.items():
        if not n:
            continue
        hours = 0.0
        for step in CLERK_STEPS:
            measured = durations.get((procedure, step), ())
            if measured:
                share = min(len(measured) / n, 1.0)
                hours += float(np.median(measured)) / 3600 * share
        result[procedure] = round(hours, 2)
    return result
