# SPDX-License-Identifier: MPL-2.0
"""Writes on the back-office side. Lock order, where several rows are locked: case, then application."""

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application, StatusChange
from civicloop.cases.models import Case, CorrectionRequest
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import validate
from civicloop.core import audit, events
from civicloop.core.calendar import add_business_days, business_days_between, due_date


class CaseAlreadyClaimed(Exception):
    """Someone else claimed the case first; nothing was changed."""


class IllegalTransition(Exception):
    """The case is not in a state that allows this step (e.g. a correction while one is open)."""


class CorrectionInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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
        # The resident sees progress (行政手続法9条): received → under review.
        application = Application.objects.select_for_update().get(pk=locked.application_id)
        if application.status == Application.Status.SUBMITTED:
            application.status = Application.Status.IN_REVIEW
            application.save(update_fields=["status", "updated_at"])
            StatusChange.objects.create(application=application, status=application.status, at=timezone.now())
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


def request_correction(
    *, case: Case, clerk: User, fields: list[str], attachments: list[str], reason: str
) -> CorrectionRequest:
    """Send a 補正 request naming the answers (and documents) to fix; pauses the processing period."""
    reason = reason.strip()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        application = (
            Application.objects.select_for_update().select_related("procedure_version").get(pk=locked.application_id)
        )
        definition = Definition(application.procedure_version.definition)
        known_fields = {name for step in definition.steps for name in step.fields}
        known_files = {rule.code for rule in definition.attachments}
        if locked.status not in {Case.Status.NEW, Case.Status.IN_REVIEW}:
            raise IllegalTransition(locked.status)
        if (
            not reason
            or not (fields or attachments)
            or not set(fields) <= known_fields
            or not set(attachments) <= known_files
        ):
            raise CorrectionInvalid({"correction": "name at least one answer or document of this form, and the reason"})
        request = CorrectionRequest.objects.create(
            case=locked, fields=fields, attachments=attachments, reason=reason, requested_by=clerk
        )
        locked.status = Case.Status.CORRECTION
        locked.save(update_fields=["status"])
        application.status = Application.Status.CORRECTION_REQUESTED
        application.save(update_fields=["status", "updated_at"])
        StatusChange.objects.create(
            application=application,
            status=application.status,
            note_ja=reason[:500],
            note_en=reason[:500],
            at=timezone.now(),
        )
        events.record(
            "case.correction_requested",
            subject=f"case/{locked.public_id}",
            data={"fields": fields, "attachments": attachments, "department": definition.data["department"]},
            classification=locked.classification,
        )
        audit.record(
            actor=f"user/{clerk.public_id}",
            action="case.request_correction",
            object_type="case",
            object_id=str(locked.public_id),
            data={"fields": fields, "attachments": attachments},
            classification=locked.classification,
        )
    return request


def resubmit_correction(*, application: Application, answers: dict[str, object]) -> CorrectionRequest:
    """The resident's corrected answers: only the named fields change; the period resumes, extended."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(application_id=application.pk)
        locked = Application.objects.select_for_update().select_related("procedure_version").get(pk=application.pk)
        request = case.corrections.filter(resolved_at__isnull=True).first()
        if request is None or case.status != Case.Status.CORRECTION:
            raise IllegalTransition(case.status)
        definition = Definition(locked.procedure_version.definition)
        merged = {k: v for k, v in locked.answers.items() if k not in request.fields}
        merged.update({k: v for k, v in answers.items() if k in request.fields})
        merged = definition.prune(merged)
        errors = validate(definition.schema, merged)
        if errors:
            raise CorrectionInvalid(errors)
        now = timezone.now()
        request.resolved_at = now
        request.paused_business_days = business_days_between(
            timezone.localdate(request.requested_at), timezone.localdate(now)
        )
        request.save(update_fields=["resolved_at", "paused_business_days"])
        case.due_date = add_business_days(case.due_date, request.paused_business_days)
        case.status = Case.Status.IN_REVIEW
        case.save(update_fields=["due_date", "status"])
        locked.answers = merged
        locked.status = Application.Status.IN_REVIEW
        locked.save(update_fields=["answers", "status", "updated_at"])
        StatusChange.objects.create(application=locked, status=locked.status, at=now)
        events.record(
            "application.corrected",
            subject=f"application/{locked.public_id}",
            data={"fields": request.fields, "paused_business_days": request.paused_business_days},
            classification=locked.classification,
        )
    return request


DECISIONS = {
    "approve": Application.Status.APPROVED,
    "reject": Application.Status.REJECTED,
}


def decide_case(*, case: Case, clerk: User, outcome: str, reason: str = "") -> Case:
    """Approve or refuse an application and close its case. A refusal needs its reasons (行政手続法8条)."""
    reason = reason.strip()
    if outcome not in DECISIONS:
        raise CorrectionInvalid({"outcome": "approve or reject"})
    if outcome == "reject" and not reason:
        raise CorrectionInvalid({"reason": "a refusal must state its reasons"})
    return _close(
        case=case, actor=clerk, status=DECISIONS[outcome], reason=reason, event="case.decided", outcome=outcome
    )


def withdraw_application(*, application: Application, resident: User) -> Case:
    """The resident withdraws (取下げ) an application that has not been decided."""
    case = Case.objects.get(application_id=application.pk)
    return _close(
        case=case,
        actor=resident,
        status=Application.Status.WITHDRAWN,
        reason="",
        event="case.withdrawn",
        outcome="withdrawn",
    )


def _close(*, case: Case, actor: User, status: str, reason: str, event: str, outcome: str) -> Case:
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        application = Application.objects.select_for_update().get(pk=locked.application_id)
        if locked.status == Case.Status.CLOSED:
            raise IllegalTransition("the case is already closed")
        now = timezone.now()
        locked.status = Case.Status.CLOSED
        locked.decision_reason = reason
        locked.closed_at = now
        locked.save(update_fields=["status", "decision_reason", "closed_at"])
        corrections = locked.corrections.filter(resolved_at__isnull=True)
        corrections.update(resolved_at=now)
        application.status = status
        application.save(update_fields=["status", "updated_at"])
        StatusChange.objects.create(
            application=application, status=status, note_ja=reason[:500], note_en=reason[:500], at=now
        )
        events.record(
            event,
            subject=f"case/{locked.public_id}",
            data={"outcome": outcome, "department": locked.department.code, "overdue": now.date() > locked.due_date},
            classification=locked.classification,
        )
        audit.record(
            actor=f"user/{actor.public_id}",
            action=event,
            object_type="case",
            object_id=str(locked.public_id),
            data={"outcome": outcome},
            classification=locked.classification,
        )
    return locked
