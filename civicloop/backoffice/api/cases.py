# SPDX-License-Identifier: MPL-2.0
"""Cases, their tasks, decisions, documents and events, and the usual steps on them.

Reads ask the one policy for `Action.API` (lists through `visible_to`, one object through the apps'
access helpers, SECRET rows audited as the pages audit them); writes call the cases app's actions,
which check WORK under the row lock themselves.
"""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from civicloop.accounts.colleagues import colleagues
from civicloop.backoffice.api.schemas import (
    AssignIn,
    CaseOut,
    CommentIn,
    CommentOut,
    CorrectionIn,
    CorrectionOut,
    DecisionOut,
    DocumentOut,
    EventOut,
    Page,
    ReviewIn,
    TaskOut,
    domain_errors,
    responses,
)
from civicloop.backoffice.auth import Principal, auth_for, principal_of, require_recent_second_factor
from civicloop.cases import actions
from civicloop.cases.access import get_case_for_user
from civicloop.cases.approval import APPROVAL_REAUTH_SECONDS
from civicloop.cases.models import ApprovalStep, Case
from civicloop.classification.policy import Action, record_listed
from civicloop.core.models import Event
from civicloop.documents.access import get_document_for_user
from civicloop.documents.models import IssuedDocument

router = Router(tags=["back office: cases"])
READ, WRITE = auth_for("cases:read"), auth_for("cases:write")


def case_out(case: Case) -> dict[str, Any]:
    application = case.application
    return {
        "id": case.public_id,
        "receipt_number": application.receipt_number,
        "procedure": application.procedure_version.procedure.code,
        "department": case.department.code,
        "status": case.status,
        "step": case.step,
        "classification": case.classification,
        "assignee": case.assignee.public_id if case.assignee else None,
        "arrived_at": case.arrived_at,
        "due_date": case.due_date,
        "closed_at": case.closed_at,
        "proposed_outcome": case.proposed_outcome,
        "decision_reason": case.decision_reason,
    }


def document_out(document: IssuedDocument) -> dict[str, Any]:
    fields = ("kind", "outcome", "number", "title_ja", "title_en", "size", "sha256", "verification_code")
    return {
        "id": document.public_id,
        "case": document.case.public_id,
        "issued_at": document.issued_at,
        "classification": document.classification,
        **{name: getattr(document, name) for name in fields},
    }


def _case(request: HttpRequest, case_id: UUID, action: Action = Action.API) -> tuple[Principal, Case]:
    principal = principal_of(request)
    return principal, get_case_for_user(principal.user, case_id, action=action, context=principal.context)


@router.get("/cases", response=responses(list[CaseOut]), auth=READ, summary="Cases the caller may see")
def list_cases(request: HttpRequest, page: Query[Page], status: str = "", step: str = "") -> list[dict[str, Any]]:
    principal = principal_of(request)
    cases = Case.objects.visible_to(principal.user, principal.context, action=Action.API).select_related(
        "department", "assignee", "application__procedure_version__procedure"
    )
    if status:
        cases = cases.filter(status=status)
    if step:
        cases = cases.filter(step=step)
    rows = list(cases.order_by("due_date", "arrived_at", "pk")[page.offset : page.offset + page.limit])
    record_listed(principal.user, Action.API, rows, principal.context)
    return [case_out(case) for case in rows]


@router.get("/cases/{case_id}", response=responses(CaseOut), auth=READ, summary="One case")
def get_case(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return case_out(_case(request, case_id)[1])


@router.get("/cases/{case_id}/tasks", response=responses(list[TaskOut]), auth=READ, summary="The case's tasks")
def list_tasks(request: HttpRequest, case_id: UUID) -> list[dict[str, Any]]:
    _principal, case = _case(request, case_id)
    return [
        {
            "id": task.task_id,
            "name": task.name,
            "started_at": task.started_at,
            "completed_at": task.completed_at,
            "completed_by": task.completed_by.public_id if task.completed_by else None,
            "outcome": task.outcome,
            "comment": task.comment,
        }
        for task in case.tasks.select_related("completed_by").order_by("started_at", "pk")
    ]


@router.get("/cases/{case_id}/decision", response=responses(DecisionOut), auth=READ, summary="起案, 決裁 and decision")
def get_decision(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return decision_out(_case(request, case_id)[1])


def step_out(step: ApprovalStep) -> dict[str, Any]:
    return {
        "round": step.round,
        "order": step.order,
        "level": step.level,
        "status": step.status,
        "acted_by": step.acted_by.public_id if step.acted_by else None,
        "acted_at": step.acted_at,
        "comment": step.comment,
        "proxy": step.proxy,
        "awaits_post_review": step.awaits_post_review,
        "post_reviewed_by": step.post_reviewed_by.public_id if step.post_reviewed_by else None,
        "post_reviewed_at": step.post_reviewed_at,
    }


def decision_out(case: Case) -> dict[str, Any]:
    steps = case.approval_steps.select_related("acted_by", "post_reviewed_by").order_by("round", "order")
    return {
        "proposed_outcome": case.proposed_outcome,
        "proposal_reason": case.proposal_reason,
        "steps": [step_out(step) for step in steps],
        "decided": case.status == Case.Status.CLOSED,
        "decision_reason": case.decision_reason,
    }


@router.get("/cases/{case_id}/documents", response=responses(list[DocumentOut]), auth=READ, summary="Signed results")
def list_case_documents(request: HttpRequest, case_id: UUID) -> list[dict[str, Any]]:
    principal, case = _case(request, case_id)
    documents = list(
        IssuedDocument.objects.visible_to(principal.user, principal.context, action=Action.API)
        .filter(case=case)
        .select_related("case")
        .order_by("issued_at", "pk")
    )
    record_listed(principal.user, Action.API, documents, principal.context)
    return [document_out(document) for document in documents]


@router.get("/documents/{document_id}", response=responses(DocumentOut), auth=READ, summary="One signed result")
def get_document(request: HttpRequest, document_id: UUID) -> dict[str, Any]:
    principal = principal_of(request)
    document = get_document_for_user(principal.user, document_id, action=Action.API, context=principal.context)
    return document_out(document)


@router.get("/cases/{case_id}/events", response=responses(list[EventOut]), auth=READ, summary="The case's events")
def list_case_events(request: HttpRequest, case_id: UUID, page: Query[Page]) -> list[dict[str, Any]]:
    # The same events the case page's 経過 reads: the case's and its application's.
    _principal, case = _case(request, case_id)
    subjects = [f"case/{case.public_id}", f"application/{case.application.public_id}"]
    events = Event.objects.filter(subject__in=subjects).order_by("time", "pk")[page.offset : page.offset + page.limit]
    return [{"id": e.id, "type": e.type, "subject": e.subject, "time": e.time, "data": e.data} for e in events]


@router.post("/cases/{case_id}/claim", response=responses(CaseOut), auth=WRITE, summary="Claim the case (受付)")
def claim(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    principal, case = _case(request, case_id)
    with domain_errors():
        claimed = actions.claim_case(case=case, clerk=principal.user, context=principal.context)
    return case_out(get_case_for_user(principal.user, claimed.public_id, action=Action.API, context=principal.context))


@router.post("/cases/{case_id}/assign", response=responses(CaseOut), auth=WRITE, summary="Assign the case (係長+)")
def assign(request: HttpRequest, case_id: UUID, payload: AssignIn) -> dict[str, Any]:
    principal, case = _case(request, case_id)
    assignee = colleagues().filter(public_id=payload.assignee).first()
    if assignee is None:
        with domain_errors():
            raise actions.InvalidInput({"assignee": "no such member of staff"})
    with domain_errors():
        actions.assign_cases(cases=[case], by=principal.user, assignee=assignee, context=principal.context)
    return case_out(get_case_for_user(principal.user, case_id, action=Action.API, context=principal.context))


@router.post(
    "/cases/{case_id}/correction", response=responses(CorrectionOut, 201), auth=WRITE, summary="Request a 補正"
)
def request_correction(request: HttpRequest, case_id: UUID, payload: CorrectionIn) -> Status[dict[str, Any]]:
    principal, case = _case(request, case_id)
    with domain_errors():
        correction = actions.request_correction(
            case=case,
            clerk=principal.user,
            fields=payload.fields,
            attachments=payload.attachments,
            reason=payload.reason,
            context=principal.context,
        )
    return Status(
        201,
        {
            "id": correction.public_id,
            "case": case.public_id,
            "fields": correction.fields,
            "attachments": correction.attachments,
            "reason": correction.reason,
            "requested_at": correction.requested_at,
        },
    )


@router.post("/cases/{case_id}/review", response=responses(CaseOut), auth=WRITE, summary="Record the review (起案)")
def review(request: HttpRequest, case_id: UUID, payload: ReviewIn) -> dict[str, Any]:
    principal, case = _case(request, case_id)
    require_recent_second_factor(request, principal, APPROVAL_REAUTH_SECONDS)
    with domain_errors():
        actions.submit_review(
            case=case,
            clerk=principal.user,
            outcome=payload.outcome,
            reason=payload.reason,
            comment=payload.comment,
            context=principal.context,
        )
    return case_out(get_case_for_user(principal.user, case_id, action=Action.API, context=principal.context))


@router.post("/cases/{case_id}/comments", response=responses(CommentOut, 201), auth=WRITE, summary="Comment")
def comment(request: HttpRequest, case_id: UUID, payload: CommentIn) -> Status[dict[str, Any]]:
    principal, case = _case(request, case_id)
    with domain_errors():
        note = actions.add_comment(case=case, author=principal.user, body=payload.body, context=principal.context)
    return Status(201, {"created_at": note.created_at, "body": note.body})
