# SPDX-License-Identifier: MPL-2.0
import uuid
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from civicloop.accounts.ratelimit import limit_requests
from civicloop.classification.policy import Action, context_from_request
from civicloop.core.text import UNUSABLE_TEXT, has_unusable_character, without_unusable_characters
from civicloop.documents import verification
from civicloop.documents.access import get_document_for_user
from civicloop.documents.forms import VerifyForm
from civicloop.documents.models import IssuedDocument
from civicloop.documents.signing import Problem

PROBLEMS = {
    Problem.UNREADABLE: _("The file could not be read as a PDF."),
    Problem.UNSIGNED: _("The file has no electronic signature."),
    Problem.BROKEN: _("The signature does not match the content: the file was changed after it was signed."),
    Problem.UNTRUSTED: _("The signature was not made with a certificate of this municipality."),
    Problem.MODIFIED: _("Something was added to the file after it was signed."),
    verification.NOT_ISSUED: _("The signature is sound, but the file matches no document we issued."),
    verification.OTHER_SIGNER: _("The file was not signed with the certificate its document was issued with."),
}


def _is_a_check(request: HttpRequest) -> bool:
    """An upload or a code lookup: the page alone costs nothing and is not counted."""
    return request.method == "POST" or bool(request.GET.get("code", "").strip())


@require_http_methods(["GET", "POST"])
@limit_requests("verify", limit_setting="VERIFY_RATE_LIMIT", json=False, counts=_is_a_check)
def verify(request: HttpRequest) -> HttpResponse:
    """Public (no sign-in): a document's status by its verification code, or an uploaded PDF checked."""
    code = request.GET.get("code", "").strip()[:40]
    code_error = UNUSABLE_TEXT if has_unusable_character(code) else ""
    form = VerifyForm()
    result = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            result = verification.verify_pdf(form.cleaned_data["document"].read())
    errors = [("id_document", error) for error in form.errors.get("document", [])]
    errors += [("verify-code", str(code_error))] if code_error else []
    return render(
        request,
        "documents/verify.html",
        {
            "form": form,
            "code": without_unusable_characters(code),
            "code_error": code_error,
            "found": verification.find_by_code(code) if code and not code_error else None,
            "result": result,
            "problem": PROBLEMS.get(result.problem, "") if result else "",
            "error_links": errors,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def download(request: HttpRequest, public_id: uuid.UUID, document_id: uuid.UUID) -> FileResponse:
    """The signed PDF, for whoever the policy lets download it (the resident, their department's staff)."""
    document = get_document_for_user(
        request.user, document_id, action=Action.DOWNLOAD, context=context_from_request(request)
    )
    if document.case.application.public_id != public_id:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(document)
    response["Cache-Control"] = "private, no-store"
    return response


def content_disposition(document: IssuedDocument) -> str:
    """An ASCII name for old clients and the Japanese title for the rest (RFC 6266 / RFC 5987)."""
    ascii_name = f"{document.kind}-{document.number}.pdf"
    japanese = quote(f"{document.title_ja}_{document.number}.pdf", safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{japanese}"
