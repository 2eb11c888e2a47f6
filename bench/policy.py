# SPDX-License-Identifier: MPL-2.0
"""Policy benchmark: what the one access policy costs the inbox query at 1,000,000 cases.

    .venv/bin/python bench/policy.py [--cases 1000000] [--repetitions 200] [--proposals]

On the data set of bench/inbox_data.py (database `civicloop_bench_inbox`, generated there if missing),
times in one process, alternately, the inbox's first page as the app builds it —
`Case.objects.visible_to(clerk, context)`, open cases, the inbox's ordering, one page of 50 — and
the same query unscoped: the clerk's department filter only, as an inbox without the policy
would still need. Medians over many repetitions; ratio = unscoped / scoped (target ≥ 0.8).
With --proposals it also times the query shapes proposed in bench/README.md (department ids
instead of a join on codes; the heavy columns deferred). Writes bench/results/policy.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import inbox_data, services  # noqa: E402
from bench.report import RESULTS, cpu_model, now, shown, write  # noqa: E402
from bench.services import log  # noqa: E402

PAGE = 50
# Columns an inbox row never shows, each from a few hundred bytes to tens of kilobytes per row (the
# form definition of the procedure version above all): the proposal defers them.
HEAVY_COLUMNS = [
    "workflow_state",
    "application__answers",
    "application__procedure_version__definition",
    "application__procedure_version__search_text",
]
TARGET_RATIO = 0.8


def inbox_queries(clerk: Any, context: Any) -> dict[str, Callable[[], list[Any]]]:
    """The inbox's first page, with and without the policy, each returning the rows as the view would."""
    from civicloop.cases.models import Case

    related = ("department", "assignee", "application__procedure_version")

    def scoped() -> list[Any]:
        cases = Case.objects.visible_to(clerk, context).open().select_related(*related)
        return list(cases.order_by("due_date", "pk")[:PAGE])

    def unscoped() -> list[Any]:
        codes = list(clerk.departments.values_list("code", flat=True))  # what an inbox needs even without a policy
        cases = Case.objects.filter(department__code__in=codes).open().select_related(*related)
        return list(cases.order_by("due_date", "pk")[:PAGE])

    return {"scoped": scoped, "unscoped": unscoped}


def count_queries(clerk: Any, context: Any) -> dict[str, Callable[[], int]]:
    """The paginator's COUNT(*) of the same two lists (the inbox shows how many pages there are)."""
    from civicloop.cases.models import Case

    def scoped() -> int:
        return Case.objects.visible_to(clerk, context).open().count()

    def unscoped() -> int:
        codes = list(clerk.departments.values_list("code", flat=True))
        return Case.objects.filter(department__code__in=codes).open().count()

    return {"scoped": scoped, "unscoped": unscoped}


def proposed_shape(clerk: Any) -> dict[str, Callable[[], Any]]:
    """The proposal's query shape: the clerk's department ids rather than a join on department codes.

    The same rows as `visible_to` for a clerk without need-to-know grants (the bench clerk has none).
    """
    from civicloop.cases.models import Case
    from civicloop.core.models import TIER_RANK, Classification

    related = ("department", "assignee", "application__procedure_version")

    def tiers() -> list[str]:
        rank = TIER_RANK[Classification(clerk.clearance)]
        return [tier for tier, r in TIER_RANK.items() if r <= rank]

    def page() -> list[Any]:
        ids = list(clerk.departments.values_list("id", flat=True))
        cases = Case.objects.filter(department_id__in=ids, classification__in=tiers()).open().select_related(*related)
        return list(cases.order_by("due_date", "pk")[:PAGE])

    def count() -> int:
        ids = list(clerk.departments.values_list("id", flat=True))
        return Case.objects.filter(department_id__in=ids, classification__in=tiers()).open().count()

    def lean_page() -> list[Any]:
        ids = list(clerk.departments.values_list("id", flat=True))
        cases = Case.objects.filter(department_id__in=ids, classification__in=tiers()).open().select_related(*related)
        return list(cases.defer(*HEAVY_COLUMNS).order_by("due_date", "pk")[:PAGE])

    return {"page_by_department_id": page, "count_by_department_id": count, "lean_page_by_department_id": lean_page}


def time_alternately(variants: dict[str, Callable[[], Any]], repetitions: int, warmup: int) -> dict[str, list[float]]:
    """Milliseconds per call of each variant, taking turns so a busy moment hurts all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for number in range(warmup + repetitions):
        for name, run in variants.items():
            started = time.perf_counter()
            run()
            elapsed = (time.perf_counter() - started) * 1000
            if number >= warmup:
                samples[name].append(elapsed)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p10_ms": round(ordered[len(ordered) // 10], 3),
        "p90_ms": round(ordered[(len(ordered) * 9) // 10], 3),
    }


def explain(run: Callable[[], Any]) -> list[str]:
    """EXPLAIN ANALYZE of the main query `run` issues (its slowest one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    sql = max(captured.captured_queries, key=lambda q: float(q["time"]))["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        return [row[0] for row in cursor.fetchall()]


def measure_proposals(clerk: Any, context: Any, repetitions: int, warmup: int) -> dict[str, Any]:
    """The query shapes bench/README.md proposes, beside today's, taking turns in one loop."""
    variants: dict[str, Callable[[], Any]] = {**inbox_queries(clerk, context), **proposed_shape(clerk)}
    samples = time_alternately(variants, repetitions, warmup)
    return {
        "timings": {name: summary(values) for name, values in samples.items()},
        "plan_page_by_department_id": explain(variants["page_by_department_id"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the data set (default 1,000,000)")
    parser.add_argument("--repetitions", type=int, default=100, help="timed calls of each query (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls first (default 10)")
    parser.add_argument("--proposals", action="store_true", help="also time the proposed query shapes")
    parser.add_argument("--output", type=Path, default=RESULTS / "policy.json")
    opts = parser.parse_args()

    services.ensure_postgres()
    env = inbox_data.bench_env(Path(tempfile.mkdtemp(prefix="civicloop-bench-policy-")))
    dataset = inbox_data.ensure_dataset(env, opts.cases)
    services.setup_django(env)
    from civicloop.cases.models import Case

    clerk = inbox_data.bench_clerk()
    context = inbox_data.staff_context()
    pages = inbox_queries(clerk, context)
    rows = {name: run() for name, run in pages.items()}
    counts = {name: run() for name, run in count_queries(clerk, context).items()}
    log(
        f"clerk {clerk.username} ({clerk.clearance}); first page {len(rows['scoped'])} rows of {counts['scoped']:,} scoped"
    )
    samples = time_alternately(pages, opts.repetitions, opts.warmup)
    count_samples = time_alternately(count_queries(clerk, context), max(20, opts.repetitions // 4), 3)
    scoped_ms = summary(samples["scoped"])["median_ms"]
    unscoped_ms = summary(samples["unscoped"])["median_ms"]
    report: dict[str, Any] = {
        "cases": opts.cases,
        "cases_in_database": Case.objects.count(),  # the workflow measurement of bench/inbox.py adds a few
        "scoped_ms": scoped_ms,
        "unscoped_ms": unscoped_ms,
        "ratio": round(unscoped_ms / scoped_ms, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": unscoped_ms / scoped_ms >= TARGET_RATIO,
        "query": f"first inbox page: open cases, ORDER BY due_date, id, LIMIT {PAGE}, with the inbox's select_related",
        "scoped": "Case.objects.visible_to(clerk, Context(device_trust=MANAGED)) — department, clearance, grants",
        "unscoped": "Case.objects.filter(department__code__in=<the clerk's departments>) — no policy",
        "timings": {name: summary(values) for name, values in samples.items()},
        "count_timings": {name: summary(values) for name, values in count_samples.items()},
        "rows": {name: len(found) for name, found in rows.items()},
        "rows_total": counts,
        "same_first_page": [c.pk for c in rows["scoped"]] == [c.pk for c in rows["unscoped"]],
        "plans": {name: explain(run) for name, run in pages.items()},
        "clerk": {"username": clerk.username, "clearance": clerk.clearance},
        "repetitions": opts.repetitions,
        "dataset": dataset,
        "date": now(),
        "command": " ".join([".venv/bin/python bench/policy.py", *sys.argv[1:]]),
        "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model()},
    }
    if opts.proposals:
        report["proposals"] = measure_proposals(clerk, context, opts.repetitions, opts.warmup)
    write(opts.output, report)
    print()
    print(f"civicloop policy benchmark — {report['date']}, {report['cases']:,} cases")
    print(f"  scoped     {scoped_ms:8.2f} ms  (visible_to: the policy in SQL)")
    print(f"  unscoped   {unscoped_ms:8.2f} ms  (department filter only)")
    print(f"  ratio      {report['ratio']:.3f}  (unscoped / scoped; target ≥ {TARGET_RATIO}: "
          f"{'met' if report['meets_target'] else 'NOT met'})")  # fmt: skip
    if "proposals" in report:
        for name, values in report["proposals"]["timings"].items():
            print(f"  proposed   {name:<24} {values['median_ms']:8.2f} ms")
    print(f"  written to {shown(opts.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
