# SPDX-License-Identifier: MPL-2.0
"""Distributions kept as histograms: buckets for durations, percentiles read back from buckets.

Processing days are whole days, so their buckets are exact. Step durations and approval waits run
from seconds to months; their buckets grow by 15 % each (a log scale), so a percentile read from
them is within 15 % of the true value — plenty to see which step is the bottleneck, and it keeps a
year of a procedure's step times to a few dozen rows.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

LOG_BASE = 1.15
_LOG_DIVISOR = math.log(LOG_BASE)
MAX_DAYS_BUCKET = 1000


def days_bucket(days: int) -> int:
    return max(0, min(days, MAX_DAYS_BUCKET))


def seconds_bucket(seconds: float) -> int:
    return int(math.log1p(max(seconds, 0.0)) / _LOG_DIVISOR)


def seconds_bucket_value(bucket: int) -> float:
    """The middle (geometric) of a seconds bucket, in seconds."""
    low = math.expm1(bucket * _LOG_DIVISOR)
    high = math.expm1((bucket + 1) * _LOG_DIVISOR)
    return math.sqrt(max(low, 0.0) * high) if low > 0 else high / 2


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float
    median: float
    p90: float


def summarize(buckets: Iterable[tuple[int, int, float]], *, log_scale: bool) -> Summary | None:
    """Count, mean, median and 90th percentile from (bucket, count, total) rows; None when empty.

    Percentiles are nearest-rank: the smallest value with at least p·n observations at or below it.
    """
    merged: dict[int, int] = {}
    total = 0.0
    for bucket, count, bucket_total in buckets:
        merged[bucket] = merged.get(bucket, 0) + count
        total += bucket_total
    n = sum(merged.values())
    if n == 0:
        return None
    ordered = sorted(merged.items())

    def at(p: float) -> float:
        rank = max(1, math.ceil(p * n))
        seen = 0
        for bucket, count in ordered:
            seen += count
            if seen >= rank:
                return seconds_bucket_value(bucket) if log_scale else float(bucket)
        return float(ordered[-1][0])

    return Summary(count=n, mean=total / n, median=at(0.5), p90=at(0.9))
