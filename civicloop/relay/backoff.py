# SPDX-License-Identifier: MPL-2.0
"""Exponential backoff shared by consumers and webhook subscribers."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def backoff_seconds(failures: int) -> float:
    """Seconds to wait after `failures` consecutive failures: base, 2×base, 4×base … up to the cap.

    No jitter: one relay process owns a consumer or subscriber at a time, so there is no herd to
    spread, and a deterministic schedule is what the operator reads in the admin.
    """
    if failures <= 0:
        return 0.0
    base = float(settings.RELAY_BACKOFF_BASE_SECONDS)
    return float(min(settings.RELAY_BACKOFF_MAX_SECONDS, base * 2 ** min(failures - 1, 32)))


def retry_time(failures: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=backoff_seconds(failures))
