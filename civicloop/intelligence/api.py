# SPDX-License-Identifier: MPL-2.0
"""Inquiries, routing suggestions and the FAQ over JSON."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from civicloop.accounts.ratelimit import limit_requests
from civicloop.classification.policy import Action, context_from_request
from civicloop.core.api_errors import error_body
from civicloop.intelligence import actions, faq, routing
from civicloop.intelligence.access import get_inquiry_for_user
from civicloop.intelligence.models import Inquiry

router = Router()


class InquiryIn(Schema):
    text: str = Field(..., min_length=1, max_length=actions.MAX_TEXT)
    contact_email: str = Field("", max_length=254)


class InquiryOut(Schema):
    id: UUID
    reference_number: str
    status: str
    department: str | None
    suggested_department: str | None
    suggested_procedure: str | None
    confidence: float | None
    top3: list[list[Any]]
    explanation: list[str]


class SuggestIn(Schema):
    text: str = Field(..., min_length=1, max_length=actions.MAX_TEXT)


class SuggestionOut(Schema):
    department: str
    confidence: float
    top3: list[list[Any]]
    explanation: list[str]
    procedure: str | None
    model_version: int


class FaqOut(Schema):
    id: str
    question: str
    answer: str
    department: str
    procedure: str | None
    score: float


class Message(Schema):
    """An error answer (core.api_errors): `code` for programs, `message` in the request's language."""

    code: str = ""
    message: str = ""
    detail: str


def _out(inquiry: Inquiry) -> dict[str, Any]:
    return {
        "id": inquiry.public_id,
        "reference_number": inquiry.reference_number,
        "status": inquiry.status,
        "department": inquiry.department.code if inquiry.department else None,
        "suggested_department": inquiry.suggested_department.code if inquiry.suggested_department else None,
        "suggested_procedure": inquiry.suggested_procedure.code if inquiry.suggested_procedure else None,
        "confidence": inquiry.confidence,
        "top3": inquiry.top3,
        "explanation": inquiry.explanation,
    }


@router.post("/inquiries", response={201: InquiryOut}, auth=django_auth, summary="Send an inquiry (お問い合わせ)")
def create_inquiry(request: HttpRequest, payload: InquiryIn) -> Status[dict[str, Any]]:
    user: Any = request.user
    inquiry = actions.submit_inquiry(
        text=payload.text,
        resident=user if user.is_resident else None,
        contact_email=payload.contact_email,
        channel=Inquiry.Channel.PORTAL if user.is_resident else Inquiry.Channel.COUNTER,
        registered_by=None if user.is_resident else user,
    )
    return Status(201, _out(inquiry))


@router.get("/inquiries/{inquiry_id}", response={200: InquiryOut}, auth=django_auth, summary="One of my inquiries")
def get_inquiry(request: HttpRequest, inquiry_id: UUID) -> dict[str, Any]:
    # Machine access asks for API with the request's device, like /api/applications/<id>: the
    # handling table's "API" row (never TOP SECRET) and the device ceiling apply here too.
    return _out(
        get_inquiry_for_user(request.user, inquiry_id, action=Action.API, context=context_from_request(request))
    )


@router.post("/routing/suggest", response={200: SuggestionOut, 503: Message}, summary="Suggest a department for a text")
@limit_requests("routing_suggest", limit_setting="ROUTING_SUGGEST_RATE_LIMIT", json=True, counts=lambda request: True)
def suggest(request: HttpRequest, payload: SuggestIn) -> Status[dict[str, Any]]:
    suggestions = routing.suggest([payload.text])
    if not suggestions:
        detail = "routing suggestions are switched off or no model is trained"
        return Status(503, error_body(503, "unavailable", detail=detail))
    s = suggestions[0]
    return Status(
        200,
        {
            "department": s.department,
            "confidence": s.confidence,
            "top3": [list(pair) for pair in s.top3],
            "explanation": s.explanation,
            "procedure": s.procedure or None,
            "model_version": s.model.version,
        },
    )


@router.get("/faq", response=list[FaqOut], summary="Answers to “what do I do when…”")
def search_faq(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    return [
        {
            "id": hit.entry.id,
            "question": hit.entry.question,
            "answer": hit.entry.answer,
            "department": hit.entry.department,
            "procedure": hit.entry.procedure or None,
            "score": round(hit.score, 4),
        }
        for hit in faq.default_index().search(q[:200])
    ]
