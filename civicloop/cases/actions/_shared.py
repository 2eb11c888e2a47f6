# SPDX-License-Identifier: MPL-2.0
"""What every step action shares: the row lock and the WORK check, completing a step of the process,
the audit entry, the application's status, and opening a 決裁 round.

Private to civicloop.cases.actions: other apps call the actions, never these.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone

from civicloop.accounts.models import User
from civicloop.applications.models import Application, StatusChange
from civicloop.cases import workflow
from civicloop.cases.approval import route_for
from civicloop.cases.errors import IllegalTransition, NotAuthorised
from civicloop.cases.models import ApprovalStep, Case, CaseTask
from civicloop.cases.queries import procedure_code
from civicloop.catalog.process import WorkflowError
from civicloop.classification.policy import Action, Context, NotPermitted, authorise
from civicloop.core import audit, events


def lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("department").get(pk=case.pk)


def authorise_work(actor: User, obj: Any, context: Context) -> None:
    """The policy's WORK check, under the row lock: the label and the department are read as locked."""
    try:
        authorise(actor, Action.WORK, obj, context)
    except NotPermitted as exc:
        raise NotAuthorised(str(exc), refusal=exc.refusal) from exc


def lock_for(case: Case, actor: User, context: Context) -> Case:
    """Lock the case and check that `actor` may work it. Every staff step starts here."""
    locked = lock(case)
    authorise_work(actor, locked, context)
    return locked


def advance(
    case: Case,
    task: str,
    actor: User | None,
    *,
    result: str = "",
    comment: str = "",
    data: dict[str, str] | None = None,
) -> list[str]:
    """Complete `task` of the locked case's process and open the task it waits on next."""
    if case.status == Case.Status.CLOSED or case.step != task:
        raise IllegalTransition(f"the case is at {case.step or 'the end'!r}, not {task!r}")
    # No state yet: the relay has not started this case's instance (cases.consumer); start it here.
    process = (
        workflow.load(case.workflow_state)
        if case.workflow_state
        else workflow.start(case.workflow or "application", {})
    )
    try:
        waiting = workflow.complete(process, task, **(data or {}))
    except WorkflowError as exc:
        raise IllegalTransition(str(exc)) from exc
    now = timezone.now()
    open_task = CaseTask.objects.filter(case=case, name=task, completed_at__isnull=True).first()
    started = open_task.started_at if open_task else (case.step_started_at or now)
    if open_task is None:
        open_task = CaseTask(case=case, name=task, started_at=started)
    open_task.completed_at = now
    open_task.completed_by = actor
    open_task.outcome = result
    open_task.comment = comment
    open_task.save()
    case.workflow_state = workflow.dump(process)
    case.step = waiting[0] if waiting else ""
    case.step_started_at = now
    case.save(update_fields=["workflow_state", "step", "step_started_at"])
    if waiting:
        CaseTask.objects.create(case=case, name=waiting[0], started_at=now)
    events.record(
        "case.task_completed",
        subject=f"case/{case.public_id}",
        data={
            "task_id": str(open_task.task_id),
            "task": task,
            "outcome": result,
            "department": case.department.code,
            "procedure": procedure_code(case),
            "started_at": started.isoformat(),
            "duration_s": round((now - started).total_seconds(), 3),
            "next": case.step,
        },
        classification=case.classification,
    )
    return waiting


def audit_case(actor: User, action: str, case: Case, data: dict[str, Any] | None = None) -> None:
    audit.record(
        actor=f"user/{actor.public_id}",
        action=action,
        object_type="case",
        object_id=str(case.public_id),
        data=data or {},
        classification=case.classification,
    )


def set_application_status(case: Case, status: str, note: str = "", *, at: datetime | None = None) -> None:
    application = Application.objects.select_for_update().get(pk=case.application_id)
    if application.status == status:
        return
    application.status = status
    application.save(update_fields=["status", "updated_at"])
    StatusChange.objects.create(
        application=application, status=status, note_ja=note[:500], note_en=note[:500], at=at or timezone.now()
    )


def start_approval_round(case: Case) -> list[ApprovalStep]:
    application = Application.objects.select_related("procedure_version").get(pk=case.application_id)
    definition = application.procedure_version.definition
    route = route_for(definition["code"], definition["kind"], application.answers)
    last = case.approval_steps.order_by("-round").values_list("round", flat=True).first() or 0
    now = timezone.now()
    steps = [
        ApprovalStep.objects.create(
            case=case,
            round=last + 1,
            order=i,
            level=level,
            status=ApprovalStep.Status.PENDING if i == 0 else ApprovalStep.Status.WAITING,
            created_at=now,
            pending_since=now if i == 0 else None,
        )
        for i, level in enumerate(route.levels)
    ]
    if steps:
        record_pending(case, steps[0])
    return steps


def record_pending(case: Case, step: ApprovalStep) -> None:
    """A rank of the route now waits: its approvers hear of it (notifications subscribes)."""
    events.record(
        "case.approval_pending",
        subject=f"case/{case.public_id}",
        data={"level": step.level, "round": step.round, "order": step.order, "department": case.department.code},
        classification=case.classification,
    )
