# SPDX-License-Identifier: MPL-2.0
"""Before and after an action: the finding's measure in equal windows either side of its date.

The rollups count by month, so the windows are whole months: up to `WINDOW_MONTHS` before the
action's month and as many complete months after it. The action's own month mixes before and
after and is left out; the month under way is not complete and is left out too. When fewer
complete months have passed since the action, both windows shrink to that many, so the two sides
always cover the same length of time (a seasonal peak on one side only still shows, which is why
the counts and the months are on the page beside the change).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from civicloop.analytics.dashboards.base import add_months, month_start
from civicloop.analytics.improvement.measures import Key, Measure, load, measure

WINDOW_MONTHS = 3


@dataclass(frozen=True)
class Effect:
    """The measure before and after; `months` is 0 (and `after` None) until a month has passed."""

    months: int
    before_start: date
    after_start: date
    before: Measure
    after: Measure | None
    measured_from: date  # the first day a complete month after the action exists

    @property
    def change(self) -> float | None:
        if self.after is None or self.after.value is None or self.before.value is None:
            return None
        return round(self.after.value - self.before.value, 1)

    @property
    def is_small_sample(self) -> bool:
        return self.before.is_small or self.after is None or self.after.is_small

    @property
    def before_until(self) -> date:
        return add_months(self.before_start, self.months or WINDOW_MONTHS)

    @property
    def after_until(self) -> date:
        return add_months(self.after_start, self.months)


def before_and_after(scope: Q, key: Key, taken_on: date, today: date) -> Effect:
    """The finding's measure either side of `taken_on`, over the rollups the viewer may see."""
    action_month = month_start(taken_on)
    after_start = add_months(action_month, 1)
    this_month = month_start(today)
    complete = max(0, (this_month.year - after_start.year) * 12 + this_month.month - after_start.month)
    months = min(WINDOW_MONTHS, complete)
    before_start = add_months(action_month, -(months or WINDOW_MONTHS))
    before = measure(load(scope, before_start, action_month, procedure=key.procedure), key)
    after = None
    if months:
        after = measure(load(scope, after_start, add_months(after_start, months), procedure=key.procedure), key)
    return Effect(months, before_start, after_start, before, after, add_months(after_start, 1))
