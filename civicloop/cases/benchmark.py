# SPDX-License-Identifier: MPL-2.0
"""Workflow throughput for bench/: cases taken through the whole default 申請 process per second.

Each case goes 受付 → 審査 (起案) → 決裁 by 係長 → 決裁 by 課長 → 結果通知 through the real actions:
row locks, the SpiffWorkflow instance loaded and saved at every step, task rows, events and audit
entries. The signed PDF of the result is left out (`issue_pdf=False`) so the figure is the process's
own cost; bench/documents.py measures PDF issuing on its own.
"""

import time
import uuid

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import Department, Position, User
from civicloop.applications.models import Application
from civicloop.catalog.models import Procedure

PROCEDURE = "kodomo-iryohi"  # 申請, plain `application` process, 課長決裁


def _person(username: str, position: str, department: Department) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={"kind": User.Kind.STAFF, "position": position, "full_name": username}
    )
    user.departments.add(department)
    return user


def run_default_process(n: int, *, issue_pdf: bool = False) -> float:
    """Open `n` cases, then time taking each through the whole process; returns cases per second."""
    from civicloop.cases import actions
    from civicloop.cases.actions import closing

    procedure = Procedure.objects.select_related("current_version", "department").get(code=PROCEDURE)
    department = procedure.department
    version = procedure.current_version
    assert version is not None, "load the catalogue first"
    clerk = _person("bench-clerk", Position.CLERK, department)
    chiefs = [
        _person("bench-kakaricho", Position.KAKARICHO, department),
        _person("bench-kacho", Position.KACHO, department),
    ]
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
    previous = closing.ISSUE_RESULT
    if not issue_pdf:
        closing.ISSUE_RESULT = "civicloop.cases.benchmark.no_document"
    try:
        started = time.perf_counter()
        for case in cases:
            actions.claim_case(case=case, clerk=clerk)
            actions.submit_review(case=case, clerk=clerk, outcome="approve")
            for chief in chiefs:
                actions.act_on_approval(case=case, approver=chief, decision="approve")
        elapsed = time.perf_counter() - started
    finally:
        closing.ISSUE_RESULT = previous
    return n / elapsed


def no_document(*args: object, **kwargs: object) -> None:
    return None
