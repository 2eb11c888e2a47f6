# SPDX-License-Identifier: MPL-2.0
"""決裁 (approve or send back), 後閲 and 合議 through the API: the staff pages' own actions.

Each route finds the object through the access helper (the one policy, `Action.API`; refused or
missing: 404) and calls the action the page calls (`cases.actions.act_on_approval`, `post_review`,
`answer_consultation`), which checks WORK and the rank under the row lock, writes the event and the
audit entry, and raises a named error that `domain_errors` maps: not the approver 403, the case not
at that step 409, input the rule refuses 422. Nothing here decides who approves.
"""

from typing import Any, cast
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Query, Router

from civicloop.backoffice.api.cases import decision_out, step_out
from civicloop.backoffice.api.schemas import (
    ApprovalIn,
    ApprovalStepOut,
    ConsultationAnswerIn,
    ConsultationOut,
    DecisionOut,
    Page,
    PostReviewIn,
    domain_errors,
    responses,
)
from civicloop.backoffice.auth import auth_for, principal_of, require_recent_second_factor
from civicloop.cases import actions
from civicloop.cases.access import get_case_for_user, get_consultation_for_user
from civicloop.cases.approval import APPROVAL_REAUTH_SECONDS
from civicloop.cases.models import Consultation
from civicloop.classification.policy import Action, evaluate, record_listed

router = Router(tags=["back office: approvals"])
READ, APPROVE = auth_for("cases:read"), auth_for("cases:approve")


def consultation_out(consultation: Consultation) -> dict[str, Any]:
    return {
        "id": consultation.public_id,
        "case": consultation.case.public_id,
        "department": consultation.department.code,
        "requesting_department": consultation.case.department.code,
        "question": consultation.question,
        "proposed_outcome": consultation.case.proposed_outcome,
        "requested_at": consultation.requested_at,
        "opinion": consultation.opinion,
        "comment": consultation.comment,
        "answered_by": consultation.answered_by.public_id if consultation.answered_by else None,
        "answered_at": consultation.answered_at,
    }


@router.post("/cases/{case_id}/approval", response=responses(DecisionOut), auth=APPROVE, summary="決裁")
def approve(request: HttpRequest, case_id: UUID, payload: ApprovalIn) -> dict[str, Any]:
    """Approve the pending rank of the route, or return the draft (差戻し, with a comment)."""
    principal = principal_of(request)
    case = get_case_for_user(principal.user, case_id, action=Action.API, context=principal.context)
    require_recent_second_factor(request, principal, APPROVAL_REAUTH_SECONDS)
    with domain_errors():
        actions.act_on_approval(
            case=case,
            approver=principal.user,
            decision=payload.decision,
            comment=payload.comment,
            context=principal.context,
        )
    return decision_out(get_case_for_user(principal.user, case_id, action=Action.API, context=principal.context))


@router.post(
    "/cases/{case_id}/post-review", response=responses(ApprovalStepOut), auth=APPROVE, summary="後閲 of a 代決"
)
def post_review(request: HttpRequest, case_id: UUID, payload: PostReviewIn) -> dict[str, Any]:
    """The rank a 代決 stood in for reviews the step after the fact (once)."""
    principal = principal_of(request)
    case = get_case_for_user(principal.user, case_id, action=Action.API, context=principal.context)
    step = case.approval_steps.filter(round=payload.round, order=payload.order).first()
    if step is None:
        raise Http404
    with domain_errors():
        reviewed = actions.post_review(
            step=step, reviewer=principal.user, comment=payload.comment, context=principal.context
        )
    return step_out(reviewed)


@router.get(
    "/consultations", response=responses(list[ConsultationOut]), auth=READ, summary="合議 asked of my departments"
)
def list_consultations(request: HttpRequest, page: Query[Page], open: bool = False) -> list[dict[str, Any]]:
    # As the page's list: asked of the caller's departments, each row decided by the policy.
    principal = principal_of(request)
    asked = Consultation.objects.filter(department__in=principal.user.departments.all()).select_related(
        "case__department", "department", "answered_by"
    )
    if open:
        asked = asked.filter(answered_at__isnull=True)
    rows = asked.order_by("requested_at", "pk")[page.offset : page.offset + page.limit]
    visible = [c for c in rows if evaluate(principal.user, Action.API, cast(Any, c), principal.context).allowed]
    record_listed(principal.user, Action.API, cast(Any, visible), principal.context)
    return [consultation_out(c) for c in visible]


@router.get(
    "/consultations/{consultation_id}", response=responses(ConsultationOut), auth=READ, summary="One 合議 request"
)
def get_consultation(request: HttpRequest, consultation_id: UUID) -> dict[str, Any]:
    principal = principal_of(request)
    return consultation_out(
        get_consultation_for_user(principal.user, consultation_id, action=Action.API, context=principal.context)
    )


@router.post(
    "/consultations/{consultation_id}/answer",
    response=responses(ConsultationOut),
    auth=APPROVE,
    summary="Answer a 合議",
)
def answer_consultation(request: HttpRequest, consultation_id: UUID, payload: ConsultationAnswerIn) -> dict[str, Any]:
    """The consulted department's opinion; the last answer moves the draft on to 決裁."""
    principal = principal_of(request)
    consultation = get_consultation_for_user(
        principal.user, consultation_id, action=Action.API, context=principal.context
    )
    with domain_errors():
        answered = actions.answer_consultation(
            consultation=consultation,
            staff=principal.user,
            opinion=payload.opinion,
            comment=payload.comment,
            context=principal.context,
        )
    return consultation_out(answered)
