# SPDX-License-Identifier: MPL-2.0
"""Writes on the back-office side. Lock order, where several rows are locked: case, then application."""

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application
from civicloop.cases.models import Case
from civicloop.core import audit, events
from civicloop.core.calendar import due_date


class CaseAlreadyClaimed(Exception):
    """Someone else claimed the case first; nothing was changed."""


def open_case(*, application: Application) -> Case:
    """Open the case for a submitted application in its department, with the due date of its period.

    Runs inside the submission's transaction (as a subscriber of `application.submitted`), so an
    application is never acknowledged without its case.
    """
    version = application.procedure_version
    processing = version.definition["processing"]
    arrived = application.submitted_at or timezone.now()
    case = Case.objects.create(
        application=application,
        department_id=version.procedure.department_id,
        arrived_at=arrived,
        due_date=due_date(timezone.localdate(arrived), processing["days"], processing["day_kind"]),
        classification=application.classification,
    )
    events.record(
        "case.opened",
        subject=f"case/{case.public_id}",
        data={
            "application": str(application.public_id),
            "department": version.definition["department"],
            "procedure": version.procedure.code,
            "due_date": case.due_date.isoformat(),
        },
        classification=case.classification,
    )
    return case


def claim_case(*, case: Case, clerk: User) -> Case:
    """Take an unassigned case. Two clerks at once: one wins, the other gets CaseAlreadyClaimed."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.assignee_id is not None and locked.assignee_id != clerk.pk:
            raise CaseAlreadyClaimed(str(locked.public_id))
        if locked.assignee_id == clerk.pk:
            return locked
        locked.assignee = clerk
        locked.status = Case.Status.IN_REVIEW
        locked.save(update_fields=["assignee", "status"])
        events.record(
            "case.claimed",
            subject=f"case/{locked.public_id}",
            data={"department": locked.department.code},
            classification=locked.classification,
        )
        audit.record(
            actor=f"user/{clerk.public_id}",
            action="case.claim",
            object_type="case",
            object_id=str(locked.public_id),
            classification=locked.classification,
        )
    return locked
