# SPDX-License-Identifier: MPL-2.0
"""Site-wide gates for periodic background jobs: at most one run per interval, whatever the processes.

`manage.py worker` is one process, but Celery runs every WORKER_TASKS entry in any number of
worker processes on any number of machines (docs/operations.md, "Background work on Celery"). A
job that must happen once per interval across the site (a signed audit checkpoint, the sweep of
orphaned PDFs) cannot keep its "last ran" time in the process: each process would run it once
per interval. `claim(name, every_seconds=…)` keeps it in the database instead (`PeriodicRun`).

The claim is one conditional UPDATE: "set last_run_at to now where it is older than the
interval". On PostgreSQL a second process updating the same row at the same instant waits for
the first's row lock, then re-checks the condition against the committed row and matches
nothing; SQLite runs one writer at a time. So two callers never both win one interval, without
an explicit lock held across the job. The job runs after the claim commits: a job that fails has
still used its interval (logged once per interval, not once per loop), as before.

Each process also remembers when asking again is pointless (the winner's time plus the interval),
so an idle `manage.py worker` does not ask the database every second. Times are the machines'
clocks (NTP): a skew between machines shortens or lengthens one interval by the skew.
"""

import time
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from civicloop.core.models import PeriodicRun

# name → time.monotonic() before which this process does not ask (the database would say no).
_not_before: dict[str, float] = {}


def claim(name: str, *, every_seconds: float) -> bool:
    """True if the caller should run job `name` now (recorded as run now); False if it ran within the interval."""
    if time.monotonic() < _not_before.get(name, float("-inf")):
        return False
    now = timezone.now()
    claimed = _update_if_due(name, now, every_seconds)
    if not claimed and not PeriodicRun.objects.filter(name=name).exists():
        # The job's first run anywhere: a row that never ran (two processes may both insert; one row stays).
        PeriodicRun.objects.bulk_create([PeriodicRun(name=name)], ignore_conflicts=True)
        claimed = _update_if_due(name, now, every_seconds)
    if claimed:
        _not_before[name] = time.monotonic() + every_seconds
        return True
    last_run_at = PeriodicRun.objects.filter(name=name).values_list("last_run_at", flat=True).first()
    wait = (last_run_at + timedelta(seconds=every_seconds) - now).total_seconds() if last_run_at else 0.0
    _not_before[name] = time.monotonic() + max(wait, 0.0)
    return False


def _update_if_due(name: str, now: datetime, every_seconds: float) -> bool:
    due = Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - timedelta(seconds=every_seconds))
    return bool(PeriodicRun.objects.filter(due, name=name).update(last_run_at=now))
