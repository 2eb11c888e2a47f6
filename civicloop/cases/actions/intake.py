# SPDX-License-Identifier: MPL-2.0
"""受付 and the work around a case: opening it on submission, claiming, assigning, comments, 現地調査."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from civicloop.accounts.models import POSITION_RANK, Position, User
from civicloop.applications.models import Application
from civicloop.cases import workflow
from civicloop.cases.actions._shared import advance, audit_case, authorise_work, lock_for, set_application_status
from civicloop.cases.errors import CaseAlreadyClaimed, IllegalTransition, InvalidInput, NotAuthorised
from civicloop.cases.models import Case, CaseComment, CaseTask
from civicloop.cases.queries import ASSIGNEE_CONTEXT
from civicloop.classification.policy import NO_CONTEXT, Action, Context, evaluate, records_refusals
from civicloop.core import events, insert_batch
from civicloop.core.calendar import due_date


def open_case(*, application: Application) -> Case:
    """Open the case for a submitted application in its department, with the due date of its period.

    Runs inside the submission's transaction (as a subscriber of `application.submitted`), so an
    application is never acknowledged without its case. The case opens at the first step of the
    procedure's BPMN process; the process instance itself (its serialized state) is started after
    commit by the relay (cases.consumer), or by the case's first step if that comes first
    (_shared.advance): the resident's receipt does not wait for SpiffWorkflow.
    """
    version = application.procedure_version
    processing = version.definition["processing"]
    arrived = application.submitted_at or timezone.now()
    waiting = workflow.first_tasks(version.definition["workflow"])
    case = Case(
        application=application,
        department_id=version.procedure.department_id,
        arrived_at=arrived,
        due_date=due_date(timezone.localdate(arrived), processing["days"], processing["day_kind"]),
        classification=application.classification,
        workflow=version.definition["workflow"],
        step=waiting[0] if waiting else "",
        step_started_at=arrived,
    )
    # Written with the submission's other rows when it collects them (core.insert_batch).
    insert_batch.add(case)
    if waiting:
        insert_batch.add(CaseTask(case=case, name=waiting[0], started_at=arrived))
    events.record(
        "case.opened",
        subject=f"case/{case.public_id}",
        data={
            "application": str(application.public_id),
            "department": version.definition["department"],
            "procedure": version.procedure.code,
            "due_date": case.due_date.isoformat(),
            "workflow": case.workflow,
        },
        classification=case.classification,
    )
    return case


@records_refusals
def claim_case(*, case: Case, clerk: User, context: Context = NO_CONTEXT) -> Case:
    """Take an unassigned case (受付). Two clerks at once: one wins, the other gets CaseAlreadyClaimed."""
    with transaction.atomic():
        locked = lock_for(case, clerk, context)
        if locked.assignee_id is not None and locked.assignee_id != clerk.pk:
            raise CaseAlreadyClaimed(str(locked.public_id))
        if locked.status == Case.Status.CLOSED:
            raise IllegalTransition("the case is closed")
        if locked.assignee_id == clerk.pk and locked.step != "intake":
            return locked
        locked.assignee = clerk
        if locked.status == Case.Status.NEW:
            locked.status = Case.Status.IN_REVIEW
        locked.save(update_fields=["assignee", "status"])
        if locked.step == "intake":
            advance(locked, "intake", clerk, result="claimed")
        # The resident sees progress (行政手続法9条): received → under review.
        if Application.objects.filter(pk=locked.application_id, status=Application.Status.SUBMITTED).exists():
            set_application_status(locked, Application.Status.IN_REVIEW)
        events.record(
            "case.claimed",
            subject=f"case/{locked.public_id}",
            data={"department": locked.department.code, "assignee": str(clerk.public_id)},
            classification=locked.classification,
        )
        audit_case(clerk, "case.claim", locked)
    return locked


@records_refusals
def assign_cases(*, cases: Sequence[Case], by: User, assignee: User, context: Context = NO_CONTEXT) -> int:
    """Assign (or reassign) cases to a member of their department; 係長 and above only.

    All or nothing: if one case may not be assigned, none is. Returns how many were assigned.
    """
    if POSITION_RANK[by.position] < POSITION_RANK[Position.KAKARICHO]:
        raise NotAuthorised("only a section chief (係長) or above assigns cases")
    with transaction.atomic():
        locked = list(
            Case.objects.select_for_update()
            .select_related("department")
            .filter(pk__in=[c.pk for c in cases])
            .order_by("pk")
        )
        # Two queries for the whole batch, not two per case.
        both = set(by.departments.values_list("pk", flat=True)) & set(assignee.departments.values_list("pk", flat=True))
        for case in locked:
            if case.status == Case.Status.CLOSED:
                raise IllegalTransition(f"case {case.public_id} is closed")
            if not (by.is_staff_member and assignee.is_staff_member and case.department_id in both):
                raise NotAuthorised(f"case {case.public_id}: both people must belong to its department")
            authorise_work(by, case, context)
            # The assignee is not at a device now: they must be able to work it from a managed one.
            if not evaluate(assignee, Action.WORK, case, ASSIGNEE_CONTEXT).allowed:
                raise NotAuthorised(f"case {case.public_id}: the assignee may not work a case of this label")
        for case in locked:
            if case.assignee_id == assignee.pk:
                continue
            previous = case.assignee_id
            case.assignee = assignee
            case.save(update_fields=["assignee"])
            events.record(
                "case.assigned",
                subject=f"case/{case.public_id}",
                data={
                    "department": case.department.code,
                    "reassigned": previous is not None,
                    "assignee": str(assignee.public_id),
                },
                classification=case.classification,
            )
            audit_case(by, "case.assign", case, {"assignee": str(assignee.public_id)})
    return len(locked)


@records_refusals
def add_comment(*, case: Case, author: User, body: str, context: Context = NO_CONTEXT) -> CaseComment:
    """An internal comment on the case (never shown to the resident); kept, never edited."""
    body = body.strip()
    if not body:
        raise InvalidInput({"body": "write the comment"})
    with transaction.atomic():
        locked = lock_for(case, author, context)
        comment = CaseComment.objects.create(
            case=locked,
            author=author,
            body=body[:5000],
            created_at=timezone.now(),
            classification=locked.classification,
        )
        events.record(
            "case.commented",
            subject=f"case/{locked.public_id}",
            data={"department": locked.department.code},
            classification=locked.classification,
        )
        audit_case(author, "case.comment", locked, {"comment": comment.pk})
    return comment


@records_refusals
def record_inspection(*, case: Case, clerk: User, comment: str, context: Context = NO_CONTEXT) -> Case:
    """現地調査: the clerk records what the on-site inspection found."""
    comment = comment.strip()
    if not comment:
        raise InvalidInput({"comment": "record what the inspection found"})
    with transaction.atomic():
        locked = lock_for(case, clerk, context)
        advance(locked, "inspection", clerk, result="inspected", comment=comment)
        audit_case(clerk, "case.inspection", locked)
    return locked
