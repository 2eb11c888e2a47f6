# SPDX-License-Identifier: MPL-2.0
"""Workflow benchmark: cases taken through the whole default 申請 process per second.

Each case goes 受付 → 審査 (起案) → 決裁 by 係長 → 決裁 by 課長 → 結果通知 through the real actions:
row locks, the SpiffWorkflow instance loaded and saved at every step, task rows, events, audit
entries and the notices the events queue. The signed PDF of the result is left out (the
`civicloop.documents.issue.issue_document` the documents subscriber calls is replaced for the
run), so the figure is the process's own cost; bench/documents.py measures issuing on its own.

The baseline, measured in the same run on the same database: the same number of committed
transactions per case (one per step: claim, draft, two approvals), each a bare UPDATE of the
case's row. The ratio workflow/baseline is the figure that holds from machine to machine.

As a script, on a throwaway SQLite database in a temporary folder; writes bench/results/workflow.json:
    .venv/bin/python bench/workflow.py [--cases 200]
bench/inbox.py imports `run_default_process` to measure the same on its PostgreSQL data set.
"""

import argparse
import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK: Path | None = None
if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from bench import throwaway

    WORK = throwaway.start("civicloop-bench-workflow-")

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicloop.accounts.models import Department, Position, User  # noqa: E402
from civicloop.applications.models import Application  # noqa: E402
from civicloop.cases import actions  # noqa: E402
from civicloop.cases.models import Case  # noqa: E402
from civicloop.catalog.models import Procedure  # noqa: E402
from civicloop.documents import issue  # noqa: E402

PROCEDURE = "kodomo-iryohi"  # 申請, plain `application` process, 課長決裁
STEPS_PER_CASE = 4  # claim, draft (起案), 係長 決裁, 課長 決裁: one transaction each


def _person(username: str, position: str, department: Department) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={"kind": User.Kind.STAFF, "position": position, "full_name": username}
    )
    user.departments.add(department)
    return user


def _no_document(*args: object, **kwargs: object) -> None:
    return None


@contextmanager
def _results_not_rendered(issue_pdf: bool) -> Iterator[None]:
    """Replace the issuing the documents subscriber calls, for the run, unless `issue_pdf`."""
    previous = issue.issue_document
    if not issue_pdf:
        issue.issue_document = _no_document  # type: ignore[assignment]
    try:
        yield
    finally:
        issue.issue_document = previous


def open_cases(n: int) -> list[Case]:
    """`n` submitted applications of PROCEDURE, each with its case opened at intake (not timed)."""
    version = Procedure.objects.select_related("current_version").get(code=PROCEDURE).current_version
    assert version is not None, "load the catalogue first"
    cases = []
    for _ in range(n):
        with transaction.atomic():
            application = Application.objects.create(
                procedure_version=version,
                status=Application.Status.SUBMITTED,
                submitted_at=timezone.now(),
                receipt_number="B-" + uuid.uuid4().hex[:12],
                answers={},
            )
            cases.append(actions.open_case(application=application))
    return cases


def run_default_process(n: int, *, issue_pdf: bool = False) -> float:
    """Open `n` cases, then time taking each through the whole process; returns cases per second."""
    department = Procedure.objects.select_related("department").get(code=PROCEDURE).department
    clerk = _person("bench-clerk", Position.CLERK, department)
    chiefs = [
        _person("bench-kakaricho", Position.KAKARICHO, department),
        _person("bench-kacho", Position.KACHO, department),
    ]
    cases = open_cases(n)
    with _results_not_rendered(issue_pdf):
        started = time.perf_counter()
        for case in cases:
            actions.claim_case(case=case, clerk=clerk)
            actions.submit_review(case=case, clerk=clerk, outcome="approve")
            for chief in chiefs:
                actions.act_on_approval(case=case, approver=chief, decision="approve")
        elapsed = time.perf_counter() - started
    closed = Case.objects.filter(pk__in=[c.pk for c in cases], status=Case.Status.CLOSED, step="").count()
    if closed != n:
        raise RuntimeError(f"only {closed} of {n} cases reached the end of the process")
    return n / elapsed


def baseline_updates(n: int) -> float:
    """Cases per second when each case costs STEPS_PER_CASE committed bare UPDATEs of its row."""
    cases = open_cases(n)
    started = time.perf_counter()
    for case in cases:
        for step in range(STEPS_PER_CASE):
            with transaction.atomic():
                Case.objects.filter(pk=case.pk).update(step=f"baseline-{step}")
    return n / (time.perf_counter() - started)


def main() -> int:
    from bench import throwaway
    from bench.report import RESULTS, cpu_model, now, write

    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200, help="cases per measurement (default 200)")
    n = parser.parse_args().cases
    throwaway.prepare_database()
    load_before = os.getloadavg()
    run_default_process(min(n, 10))  # warm-up: process specs parsed, templates and caches loaded
    baseline = baseline_updates(n)
    workflow = run_default_process(n)
    result = {
        "cases": n,
        "workflow_cases_per_s": round(workflow, 1),
        "baseline_cases_per_s": round(baseline, 1),
        "ratio": round(workflow / baseline, 3),
        "baseline": f"{STEPS_PER_CASE} committed bare UPDATEs of the case row per case, same database, same run",
        "process": f"{PROCEDURE}: claim, draft, 係長 and 課長 決裁, decision (signed PDF left out)",
        "load_average_1m": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
        "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model()},
        "date": now(),
        "command": f".venv/bin/python bench/workflow.py --cases {n}",
        "database": settings.DATABASES["default"]["ENGINE"],
    }
    out = RESULTS / "workflow.json"
    write(out, result)
    print("civicloop workflow benchmark —", result["date"])
    print(f"  baseline   {result['baseline_cases_per_s']:.1f} cases/s ({STEPS_PER_CASE} bare UPDATE commits per case)")
    print(f"  workflow   {result['workflow_cases_per_s']:.1f} cases/s (ratio {result['ratio']})")
    print(f"  load avg   {result['load_average_1m']} on {os.cpu_count()} cores")
    print(f"  written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    throwaway.run_then_remove(main, WORK)
