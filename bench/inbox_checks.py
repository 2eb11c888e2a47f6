# SPDX-License-Identifier: MPL-2.0
"""What bench/inbox.py measures in its own process on the data set: SQL queries per page (they must
not grow with the rows shown), each inbox filter's server time, and workflow throughput beside a
bare status update.
"""

from __future__ import annotations

import statistics
import time
from typing import Any


def count_queries(client: Any, paths: list[str], group_of: dict[str, str] | None = None) -> dict[str, Any]:
    """SQL queries and server time per request, each path once after one warm-up request.

    `group_of` names what a page's query count may legitimately depend on (a case page writes an
    audit entry for SECRET and above, and shows the forms its step allows); within a group the
    count must not vary, however many history rows or related cases a page shows.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(paths[0])
    counts, times, slowest = [], [], []
    groups: dict[str, set[int]] = {}
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
        counts.append(len(captured.captured_queries))
        groups.setdefault((group_of or {}).get(path, "all"), set()).add(counts[-1])
        times.append(elapsed)
        slowest += [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    slowest.sort(reverse=True)
    return {
        "pages": len(paths),
        "min": min(counts),
        "max": max(counts),
        "by_group": {name: sorted(found) for name, found in sorted(groups.items())},
        "constant": all(len(found) == 1 for found in groups.values()),
        "server_ms_median": round(statistics.median(times), 1),
        "slowest_queries": [{"ms": round(ms, 1), "sql": sql[:600]} for ms, sql in slowest[:3]],
    }


def case_groups(paths: list[str], viewer: Any) -> dict[str, str]:
    """What each case page's query count depends on: classification, kind, status, step, the viewer's role."""
    from civicloop.cases.models import Case
    from civicloop.payments.models import Payment

    ids = [path.rstrip("/").rsplit("/", 1)[1] for path in paths]
    groups = {}
    for case in Case.objects.filter(public_id__in=ids).select_related("application__procedure_version"):
        mine = "assigned to the viewer" if case.assignee_id == viewer.pk else ""
        kind = case.application.procedure_version.kind  # a 届出 (notification) has no 合議 form
        # The fee panel reads a paid fee's refunds and checkouts only when there is a payment.
        paid = "with a payment" if Payment.objects.filter(case=case).exists() else ""
        parts = [case.classification, kind, case.status, getattr(case, "step", ""), paid, mine]
        groups[f"/staff/cases/{case.public_id}/"] = " ".join(p for p in parts if p)
    return groups


def per_filter_times(client: Any, paths: list[str], repeat: int = 5) -> dict[str, float]:
    """Median in-process time of each inbox path (which filters cost what)."""
    result = {}
    for path in paths:
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        result[path] = round(statistics.median(samples), 1)
    return result


def workflow_throughput(n: int) -> dict[str, Any]:
    """Cases taken through a whole default process per second (bench/workflow.py), on this data set."""
    from bench.workflow import run_default_process

    started = time.perf_counter()
    rate = run_default_process(n)
    return {
        "workflow_cases_per_s": round(rate, 1),
        "function": f"bench.workflow.run_default_process({n})",
        "seconds": round(time.perf_counter() - started, 1),
    }


def baseline_updates(n: int) -> dict[str, Any]:
    """A bare `UPDATE cases_case SET status = … WHERE id = …` per case, each committed on its own.

    Takes `n` open cases to `closed` one statement at a time (autocommit), then puts them back in
    one statement, so the data set stays as generated.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, status FROM cases_case WHERE status IN ('new', 'in_review') ORDER BY id LIMIT %s", [n]
        )
        rows = cursor.fetchall()
        started = time.perf_counter()
        for case_id, _status in rows:
            cursor.execute("UPDATE cases_case SET status = 'closed' WHERE id = %s", [case_id])
        seconds = time.perf_counter() - started
        cursor.execute(
            "UPDATE cases_case SET status = v.status FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS status) v "
            "WHERE cases_case.id = v.id",
            [[r[0] for r in rows], [r[1] for r in rows]],
        )
    return {"baseline_updates_per_s": round(len(rows) / seconds, 1), "updates": len(rows), "seconds": round(seconds, 2)}
