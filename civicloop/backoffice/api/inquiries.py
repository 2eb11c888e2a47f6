# SPDX-License-Identifier: MPL-2.0
"""Inquiries (お問い合わせ): read through the one policy, answered and re-routed by intelligence's actions."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router

from civicloop.accounts.models import Department
from civicloop.backoffice.api.schemas import AnswerIn, InquiryOut, Page, RerouteIn, domain_errors, responses
from civicloop.backoffice.auth import auth_for, principal_of
from civicloop.classification.policy import Action, record_listed
from civicloop.intelligence import actions
from civicloop.intelligence.access import get_inquiry_for_user
from civicloop.intelligence.models import Inquiry

router = Router(tags=["back office: inquiries"])
READ, WRITE = auth_for("inquiries:read"), auth_for("inquiries:write")


def inquiry_out(inquiry: Inquiry) -> dict[str, Any]:
    return {
        "id": inquiry.public_id,
        "reference_number": inquiry.reference_number,
        "status": inquiry.status,
        "channel": inquiry.channel,
        "department": inquiry.department.code if inquiry.department else None,
        "text": inquiry.text,
        "answer": inquiry.answer,
        "answered_at": inquiry.answered_at,
        "created_at": inquiry.created_at,
        "classification": inquiry.classification,
    }


@router.get("/inquiries", response=responses(list[InquiryOut]), auth=READ, summary="Inquiries the caller may see")
def list_inquiries(request: HttpRequest, page: Query[Page], status: str = "") -> list[dict[str, Any]]:
    principal = principal_of(request)
    inquiries = Inquiry.objects.visible_to(principal.user, principal.context, action=Action.API).select_related(
        "department"
    )
    if status:
        inquiries = inquiries.filter(status=status)
    rows = list(inquiries.order_by("-created_at", "pk")[page.offset : page.offset + page.limit])
    record_listed(principal.user, Action.API, rows, principal.context)
    return [inquiry_out(inquiry) for inquiry in rows]


@router.get("/inquiries/{inquiry_id}", response=responses(InquiryOut), auth=READ, summary="One inquiry")
def get_inquiry(request: HttpRequest, inquiry_id: UUID) -> dict[str, Any]:
    principal = principal_of(request)
    return inquiry_out(get_inquiry_for_user(principal.user, inquiry_id, action=Action.API, context=principal.context))


@router.post("/inquiries/{inquiry_id}/answer", response=responses(InquiryOut), auth=WRITE, summary="Answer")
def answer(request: HttpRequest, inquiry_id: UUID, payload: AnswerIn) -> dict[str, Any]:
    principal = principal_of(request)
    inquiry = get_inquiry_for_user(principal.user, inquiry_id, action=Action.API, context=principal.context)
    with domain_errors():
        answered = actions.answer_inquiry(
            inquiry=inquiry, answer=payload.answer, by=principal.user, context=principal.context
        )
    return inquiry_out(answered)


@router.post("/inquiries/{inquiry_id}/reroute", response=responses(InquiryOut), auth=WRITE, summary="Re-route")
def reroute(request: HttpRequest, inquiry_id: UUID, payload: RerouteIn) -> dict[str, Any]:
    principal = principal_of(request)
    inquiry = get_inquiry_for_user(principal.user, inquiry_id, action=Action.API, context=principal.context)
    department = Department.objects.filter(code=payload.department).first()
    with domain_errors():
        if department is None:
            raise actions.InquiryRejected("no such department")
        rerouted = actions.reroute_inquiry(
            inquiry=inquiry,
            to_department=department,
            by=principal.user,
            reason=payload.reason,
            context=principal.context,
        )
    return inquiry_out(rerouted)
