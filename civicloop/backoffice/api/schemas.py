# SPDX-License-Identifier: MPL-2.0
"""Shapes of the back-office API and the mapping of named domain errors to responses."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from civicloop.cases.errors import CaseAlreadyClaimed, IllegalTransition, InvalidInput
from civicloop.classification.policy import NotPermitted
from civicloop.core.api_errors import ApiError
from civicloop.intelligence.actions import InquiryRejected
from civicloop.relay.actions import BadSubscription, CeilingNotAllowed


class Message(Schema):
    """Every error answer (core.api_errors): a stable `code`, the `message` in the request's
    language, and `detail` as before codes (a technical reason, or the validation errors)."""

    code: str = ""
    message: str = ""
    detail: Any
    retry_after: int | None = None


# Every operation may answer these besides its own success: a body that is not JSON (400), no or a bad token (401), a missing
# scope, CSRF or a refused action (403), an object the policy does not show (404), a state that
# does not allow the step (409), input the rules refuse (422) and the client's rate limit (429).
ERRORS: dict[int, type[Schema]] = {
    400: Message,
    401: Message,
    403: Message,
    404: Message,
    409: Message,
    422: Message,
    429: Message,
}


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    return {status: ok, **ERRORS}


@contextmanager
def domain_errors() -> Iterator[None]:
    """Map the actions' named errors to HTTP answers; nothing was changed in any of these cases."""
    try:
        yield
    except NotPermitted as exc:
        raise ApiError(403, "not_permitted", detail=str(exc)) from exc
    except CeilingNotAllowed as exc:
        raise ApiError(403, "forbidden", detail=str(exc)) from exc
    except CaseAlreadyClaimed as exc:
        raise ApiError(409, "case_already_claimed", detail=str(exc) or type(exc).__name__) from exc
    except IllegalTransition as exc:
        raise ApiError(409, "illegal_transition", detail=str(exc) or type(exc).__name__) from exc
    except (InvalidInput, InquiryRejected, BadSubscription) as exc:
        raise ApiError(422, "invalid_input", detail=str(exc)) from exc


class Page(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class CaseOut(Schema):
    id: UUID
    receipt_number: str | None
    procedure: str
    department: str
    status: str
    step: str
    classification: str
    assignee: UUID | None
    arrived_at: datetime
    due_date: date
    closed_at: datetime | None
    proposed_outcome: str
    decision_reason: str


class TaskOut(Schema):
    id: UUID
    name: str
    started_at: datetime
    completed_at: datetime | None
    completed_by: UUID | None
    outcome: str
    comment: str


class ApprovalStepOut(Schema):
    round: int
    order: int
    level: str
    status: str
    acted_by: UUID | None
    acted_at: datetime | None
    comment: str
    proxy: bool = Field(..., description="Taken by 代決: a lower rank decided while the rank was away")
    awaits_post_review: bool = Field(..., description="代決 whose 後閲 by the absent rank is still due")
    post_reviewed_by: UUID | None
    post_reviewed_at: datetime | None


class DecisionOut(Schema):
    """起案 and 決裁: the drafted outcome, the approval route's steps and, once closed, the decision."""

    proposed_outcome: str
    proposal_reason: str
    steps: list[ApprovalStepOut]
    decided: bool
    decision_reason: str


class DocumentOut(Schema):
    id: UUID
    case: UUID
    kind: str
    outcome: str
    number: str
    title_ja: str
    title_en: str
    size: int
    sha256: str
    verification_code: str
    issued_at: datetime
    classification: str


class EventOut(Schema):
    id: UUID
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]


class InquiryOut(Schema):
    id: UUID
    reference_number: str
    status: str
    channel: str
    department: str | None
    text: str
    answer: str
    answered_at: datetime | None
    created_at: datetime
    classification: str


class AssignIn(Schema):
    assignee: UUID


class CorrectionIn(Schema):
    fields: list[str] = Field(default_factory=list, max_length=50)
    attachments: list[str] = Field(default_factory=list, max_length=50)
    reason: str = Field(..., min_length=1, max_length=5000)


class CorrectionOut(Schema):
    id: UUID
    case: UUID
    fields: list[str]
    attachments: list[str]
    reason: str
    requested_at: datetime


class ReviewIn(Schema):
    outcome: str = Field(..., max_length=16, description="approve or reject (a notification: accept or reject)")
    reason: str = Field("", max_length=5000)
    comment: str = Field("", max_length=5000)


class CommentIn(Schema):
    body: str = Field(..., min_length=1, max_length=5000)


class CommentOut(Schema):
    created_at: datetime
    body: str


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=10000)


class RerouteIn(Schema):
    department: str = Field(..., max_length=50)
    reason: str = Field(..., min_length=1, max_length=2000)


class WebhookIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    url: str = Field(..., min_length=1, max_length=500)
    event_types: list[str] = Field(default_factory=list, max_length=50)
    max_classification: str = Field("OFFICIAL", max_length=16)
    is_active: bool = True


class WebhookOut(Schema):
    id: UUID
    name: str
    url: str
    event_types: list[str]
    max_classification: str
    departments: list[str] = Field(..., description="Department codes whose events are sent; empty: every department.")
    is_active: bool
    health: str
    created_at: datetime


class WebhookSecretOut(WebhookOut):
    secret: str = Field(..., description="Shown when registered and when rotated; keep it to verify signatures.")


class ApprovalIn(Schema):
    decision: str = Field(..., max_length=16, description="approve, or return (差戻し: the draft goes back for rework)")
    comment: str = Field("", max_length=5000, description="Required when returning: why the draft goes back.")


class PostReviewIn(Schema):
    round: int = Field(..., ge=1, le=1000, description="The 決裁 round of the step taken by 代決")
    order: int = Field(..., ge=0, le=100, description="Its place in the route (0: the first rank)")
    comment: str = Field("", max_length=5000)


class ConsultationOut(Schema):
    """A 合議 request: the drafting department asks another for its opinion before 決裁."""

    id: UUID
    case: UUID
    department: str = Field(..., description="The consulted department's code")
    requesting_department: str
    question: str
    proposed_outcome: str
    requested_at: datetime
    opinion: str
    comment: str
    answered_by: UUID | None
    answered_at: datetime | None


class ConsultationAnswerIn(Schema):
    opinion: str = Field(..., max_length=16, description="agree, comments (agree with comments) or disagree")
    comment: str = Field("", max_length=5000, description="Required unless the opinion is agree.")


class AttachmentOut(Schema):
    id: UUID
    kind: str = Field(..., description="The attachment code in the procedure file")
    name: str
    content_type: str = Field(..., description="Detected from the content when uploaded")
    size: int
    sha256: str
    classification: str
    uploaded_at: datetime
    superseded_at: datetime | None = Field(..., description="Set when a 補正 replaced the file")
