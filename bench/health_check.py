# SPDX-License-Identifier: MPL-2.0
"""What the per-request database health check costs: Django's `SELECT 1` against civicloop's look.

    .venv/bin/python bench/health_check.py [--blocks 40] [--per-block 250]

With CONN_HEALTH_CHECKS, every request's first query is preceded by a check of the kept
connection. Django's PostgreSQL backend asks `SELECT 1`; `civicloop.core.postgresql` first looks,
without waiting, whether the server has sent anything (security.md, "Database connections"). This
times both on one kept connection in one process, in alternating blocks so that a neighbour
slowing the machine slows both alike: wall time and this process's CPU per check (medians of the
block means). PostgreSQL's own work for the `SELECT 1` is not in the CPU figure. Writes
bench/results/health_check.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import services  # noqa: E402
from bench.report import RESULTS, cpu_model, load_average, now, shown, write  # noqa: E402

DB_NAME = "civicloop_bench_health"


def time_blocks(checks: dict[str, Callable[[], bool]], blocks: int, per_block: int) -> dict[str, dict[str, float]]:
    """Each check `per_block` times, the checks taking turns block by block; µs per check."""
    wall: dict[str, list[float]] = {name: [] for name in checks}
    cpu: dict[str, list[float]] = {name: [] for name in checks}
    for _ in range(blocks):
        for name, check in checks.items():
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(per_block):
                if not check():
                    raise RuntimeError(f"{name}: the kept connection was found unusable")
            wall[name].append((time.perf_counter() - w0) / per_block * 1e6)
            cpu[name].append((time.process_time() - c0) / per_block * 1e6)
    return {
        name: {"wall_us": round(statistics.median(wall[name]), 1), "cpu_us": round(statistics.median(cpu[name]), 1)}
        for name in checks
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--per-block", type=int, default=250)
    parser.add_argument("--output", type=Path, default=RESULTS / "health_check.json")
    opts = parser.parse_args()

    services.ensure_postgres()
    services.recreate_database(DB_NAME)
    env = services.bench_env(Path(tempfile.mkdtemp(prefix="civicloop-bench-health-")), services.database_url(DB_NAME))
    load_before = load_average()
    services.setup_django(env)
    from django.db import connection
    from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

    from civicloop.core.postgresql.base import DatabaseWrapper as CivicloopWrapper

    connection.ensure_connection()
    wrapper: Any = connection
    checks = {
        "django_select_1": lambda: DjangoWrapper.is_usable(wrapper),
        "civicloop_look_first": lambda: CivicloopWrapper.is_usable(wrapper),
    }
    time_blocks(checks, 2, opts.per_block)  # warm up
    timings = time_blocks(checks, opts.blocks, opts.per_block)
    report = {
        "timings": timings,
        "saved_wall_us": round(timings["django_select_1"]["wall_us"] - timings["civicloop_look_first"]["wall_us"], 1),
        "saved_cpu_us": round(timings["django_select_1"]["cpu_us"] - timings["civicloop_look_first"]["cpu_us"], 1),
        "checks_per_request": 1,
        "what": "one check of a kept, healthy, idle connection, as each request's first query triggers it",
        "blocks": opts.blocks,
        "per_block": opts.per_block,
        "database": f"PostgreSQL at {services.PG_HOST}:{services.PG_PORT}/{DB_NAME} (TCP)",
        "machine": {"cpu_model": cpu_model(), "load_average_before": load_before, "load_average_after": load_average()},
        "date": now(),
        "command": " ".join([".venv/bin/python", *sys.argv]),
    }
    write(opts.output, report)
    for name, figures in timings.items():
        print(f"  {name:<22} wall {figures['wall_us']:8.1f} µs   cpu {figures['cpu_us']:8.1f} µs per check")
    print(f"  saved per request     wall {report['saved_wall_us']:8.1f} µs   cpu {report['saved_cpu_us']:8.1f} µs")
    print(f"  written to            {shown(opts.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
