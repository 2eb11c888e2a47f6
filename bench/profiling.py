# SPDX-License-Identifier: MPL-2.0
"""What the in-process profiles share (bench/profile_submit.py, bench/profile_chat_post.py): medians
of CPU and wall time per call, the SQL of one call, and a cProfile of CPU time.

CPU is `time.process_time`, this process only: waits on PostgreSQL (and on other processes of a
shared machine) drop out, and PostgreSQL's own work is not in it.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable


def medians(call: Callable[[], object], n: int) -> dict[str, float]:
    """`call` `n` times: the median CPU and wall milliseconds per call."""
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        call()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_ms": round(statistics.median(cpu) * 1000, 2), "wall_ms": round(statistics.median(wall) * 1000, 2)}


def print_sql(call: Callable[[], object], label: str, width: int = 160) -> None:
    """Print the statements one `call` sent, numbered, each cut to `width` characters."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        call()
    print(f"\n== SQL of {label}: {len(queries)} statements")
    for number, query in enumerate(queries.captured_queries, 1):
        print(f"  {number:2d}. {query['sql'][:width]}")


def cpu_profile(call: Callable[[], object], n: int, *, sort: str, top: int) -> pstats.Stats:
    """`call` `n` times under cProfile timed by CPU; prints the `top` functions by `sort` and returns the stats."""
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(n):
        call()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats(sort).print_stats(top)
    print(f"\n== cProfile (CPU time) over {n} calls, by {sort}")
    print(out.getvalue())
    return stats
