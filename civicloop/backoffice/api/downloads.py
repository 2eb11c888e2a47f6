# SPDX-License-Identifier: MPL-2.0
"""The files of a case through the API: the signed result PDFs and the application's attachments.

A file leaves only when the one policy allows both the API's own action (the handling table's API
row: never TOP SECRET) and the pages' DOWNLOAD, for this caller on this device; refused or missing
is 404, as on the pages. Every file sent is audited (`api.download`), whatever its tier; the policy
writes its own `access.*` entries for SECRET as it does for the pages.
"""

from typing import Any, cast
from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest
from ninja import Router

from civicloop.applications.access import get_attachment_for_user
from civicloop.applications.models import Attachment
from civicloop.backoffice.api.schemas import ERRORS, AttachmentOut, responses
from civicloop.backoffice.auth import Principal, auth_for, principal_of
from civicloop.cases.access import get_case_for_user
from civicloop.classification.policy import Action, decide, evaluate, record_listed
from civicloop.core import audit
from civicloop.documents.access import get_document_for_user
from civicloop.documents.views import content_disposition

router = Router(tags=["back office: documents"])
READ = auth_for("cases:read")


def binary(content_type: str) -> dict[str, Any]:
    """The OpenAPI answer of a file download (ninja describes JSON answers only)."""
    schema = {"type": "string", "format": "binary"}
    return {"responses": {"200": {"description": "The file", "content": {content_type: {"schema": schema}}}}}


def _release(principal: Principal, obj: Any, data: dict[str, Any]) -> None:
    """Let the file of `obj` (found with Action.API) go out: the pages' DOWNLOAD must allow it too
    (404 as there if refused), and each download is audited, naming the client."""
    if not decide(principal.user, Action.DOWNLOAD, obj, principal.context).allowed:
        raise Http404
    audit.record(
        actor=f"user/{principal.user.public_id}",
        action="api.download",
        object_type=obj._meta.label_lower,
        object_id=str(obj.public_id),
        data={**data, "client": str(principal.client.public_id) if principal.client else None},
        classification=obj.classification,
    )


def attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.public_id,
        "kind": attachment.kind,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "classification": attachment.classification,
        "uploaded_at": attachment.uploaded_at,
        "superseded_at": attachment.superseded_at,
    }


@router.get(
    "/documents/{document_id}/file",
    response=ERRORS,
    auth=READ,
    summary="The signed PDF",
    openapi_extra=binary("application/pdf"),
)
def download_document(request: HttpRequest, document_id: UUID) -> FileResponse:
    """The signed result (PAdES) exactly as issued; its SHA-256 is the document's `sha256`."""
    principal = principal_of(request)
    document = get_document_for_user(principal.user, document_id, action=Action.API, context=principal.context)
    _release(principal, document, {"sha256": document.sha256, "number": document.number})
    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(document)
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/cases/{case_id}/attachments",
    response=responses(list[AttachmentOut]),
    auth=READ,
    summary="The application's attachments",
)
def list_attachments(request: HttpRequest, case_id: UUID) -> list[dict[str, Any]]:
    """Those the caller may download, replaced ones (補正) included with `superseded_at`."""
    principal = principal_of(request)
    case = get_case_for_user(principal.user, case_id, action=Action.API, context=principal.context)
    allowed = [
        attachment
        for attachment in case.application.attachments.select_related("application__procedure_version__procedure")
        if all(
            evaluate(principal.user, action, cast(Any, attachment), principal.context).allowed
            for action in (Action.API, Action.DOWNLOAD)
        )
    ]
    record_listed(principal.user, Action.API, cast(Any, allowed), principal.context)
    return [attachment_out(attachment) for attachment in allowed]


@router.get(
    "/attachments/{attachment_id}/file",
    response=ERRORS,
    auth=READ,
    summary="One attachment's file",
    openapi_extra=binary("application/octet-stream"),
)
def download_attachment(request: HttpRequest, attachment_id: UUID) -> FileResponse:
    """The file as the resident sent it, with the content type detected when it was uploaded."""
    principal = principal_of(request)
    attachment = get_attachment_for_user(principal.user, attachment_id, action=Action.API, context=principal.context)
    _release(principal, attachment, {"sha256": attachment.sha256, "kind": attachment.kind})
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response
