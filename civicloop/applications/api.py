# SPDX-License-Identifier: MPL-2.0
"""A resident's own applications over JSON. Session authentication; every read via the access helper."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status
from ninja.security import django_auth

from civicloop.accounts.ratelimit import limit_submissions
from civicloop.applications import actions
from civicloop.applications.access import get_application_for_user
from civicloop.applications.models import Application
from civicloop.catalog.cache import published_procedure
from civicloop.classification.policy import Action, context_from_request, record_listed
from civicloop.core.api_errors import error_body

router = Router(auth=django_auth)


class ApplicationOut(Schema):
    id: UUID
    receipt_number: str | None
    procedure: str
    procedure_version: int
    status: str
    submitted_at: datetime | None
    answers: dict[str, Any]


class SubmissionIn(Schema):
    procedure: str = Field(..., max_length=60, description="Procedure code, e.g. sodai-gomi")
    answers: dict[str, Any] = Field(..., description="Answers matching the procedure's form schema")


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """An error answer (core.api_errors): `code` for programs, `message` in the request's language."""

    code: str = ""
    message: str = ""
    detail: str
    errors: list[FieldError] = []


def _out(application: Application) -> dict[str, Any]:
    return {
        "id": application.public_id,
        "receipt_number": application.receipt_number,
        "procedure": application.procedure_version.procedure.code,
        "procedure_version": application.procedure_version.number,
        "status": application.status,
        "submitted_at": application.submitted_at,
        "answers": application.answers,
    }


@router.get("", response=list[ApplicationOut], summary="My applications")
def list_applications(request: HttpRequest) -> list[dict[str, Any]]:
    # The list asks for what the detail asks for (API: TOP SECRET is never machine-read) and audits
    # the SECRET rows it returns as the detail would, so the list is no way around either.
    context = context_from_request(request)
    visible = (
        Application.objects.visible_to(request.user, context, action=Action.API)
        .submitted()
        .select_related("procedure_version__procedure")
    )
    applications = list(visible.order_by("-submitted_at")[:200])
    record_listed(request.user, Action.API, applications, context)
    return [_out(a) for a in applications]


@router.get("/{application_id}", response={200: ApplicationOut, 404: ErrorOut}, summary="One of my applications")
def get_application(request: HttpRequest, application_id: UUID) -> dict[str, Any]:
    return _out(
        get_application_for_user(request.user, application_id, action=Action.API, context=context_from_request(request))
    )


@router.post(
    "",
    response={200: ApplicationOut, 201: ApplicationOut, 404: ErrorOut, 422: ErrorOut, 403: ErrorOut},
    summary="Submit an application",
    description="Validates the answers against the procedure's current form and submits in one "
    "transaction. Repeating a request with the same Idempotency-Key and the same body returns the "
    "first result (200) instead of creating a second application; the same key with a different body "
    "(other answers or another procedure) is refused with 422 and nothing is submitted.",
)
@limit_submissions(json=True)
def submit(
    request: HttpRequest,
    payload: SubmissionIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=8, max_length=100),
) -> Status[dict[str, Any]]:
    user: Any = request.user
    if not user.is_resident:
        return Status(403, error_body(403, "residents_only", detail="only residents submit applications"))
    procedure = published_procedure(payload.procedure)
    if procedure is None:
        return Status(404, error_body(404, "not_found", detail=f"no published procedure {payload.procedure!r}"))
    try:
        application, created = actions.submit_from_api(
            user=user, procedure=procedure, answers=payload.answers, idempotency_key=idempotency_key
        )
    except actions.IdempotencyKeyReused:
        detail = (
            "this Idempotency-Key was already used for a different request body; nothing was "
            "submitted. Use a new key for each new submission, and resend the same body to retry one."
        )
        return Status(422, error_body(422, "idempotency_key_reused", detail=detail))
    except actions.SubmissionInvalid as exc:
        errors = [{"field": k, "message": v} for k, v in exc.errors.items()]
        return Status(
            422, error_body(422, "answers_invalid", detail="the answers do not satisfy the form", errors=errors)
        )
    return Status(201 if created else 200, _out(application))
