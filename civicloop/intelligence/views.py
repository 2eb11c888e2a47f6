# SPDX-License-Identifier: MPL-2.0
import secrets
import uuid

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from civicloop.accounts.models import Department
from civicloop.catalog.models import Procedure
from civicloop.classification.policy import Action, context_from_request, record_listed
from civicloop.core import pdf
from civicloop.core.files import ALLOWED_MIME, detect_mime
from civicloop.core.language import is_english
from civicloop.core.text import UNUSABLE_TEXT, has_unusable_character, without_unusable_characters
from civicloop.intelligence import actions, faq
from civicloop.intelligence.access import get_inquiry_for_user
from civicloop.intelligence.forms import InquiryForm
from civicloop.intelligence.models import Inquiry

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def help_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    if has_unusable_character(query):
        context = {"query": without_unusable_characters(query), "search_error": UNUSABLE_TEXT}
        return render(request, "intelligence/help.html", context, status=400)
    english = is_english()
    hits = faq.default_index(english=english).search(query) if query else []
    codes = [hit.entry.procedure for hit in hits if hit.entry.procedure]
    procedures = {
        p.code: p
        for p in Procedure.objects.published().select_related("current_version", "department").filter(code__in=codes)
    }
    departments = {d.code: d for d in Department.objects.all()}
    answers = [
        {
            "question": hit.entry.question_in(english),
            "answer": hit.entry.answer_in(english),
            "procedure": procedures.get(hit.entry.procedure),
            "department": departments.get(hit.entry.department),
        }
        for hit in hits
    ]
    more = (
        Procedure.objects.published().select_related("current_version", "department").search(query)[:5] if query else []
    )
    return render(request, "intelligence/help.html", {"query": query, "answers": answers, "procedures": more})


def inquiry_new(request: HttpRequest) -> HttpResponse:
    form = InquiryForm(
        request.POST or None,
        request.FILES or None,
        initial={"text": without_unusable_characters(request.GET.get("text", "")[:500])},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["attachment"]
        if upload is not None and not _acceptable(upload):
            form.add_error("attachment", _attachment_error())
        elif upload is not None and (problem := _pdf_refusal(upload)):
            form.add_error("attachment", problem)
        else:
            guest_key = ""
            if not request.user.is_authenticated:
                guest_key = secrets.token_urlsafe(32)
                request.session["guest_keys"] = [*request.session.get("guest_keys", [])[-19:], guest_key]
            inquiry = actions.submit_inquiry(
                text=form.cleaned_data["text"],
                resident=request.user if request.user.is_authenticated else None,
                guest_key=guest_key,
                contact_email=form.cleaned_data["contact_email"],
                attachment=upload,
            )
            return redirect("intelligence:inquiry-detail", inquiry.public_id)
    errors = {name: error[0] for name, error in form.errors.items()}
    return render(
        request,
        "intelligence/inquiry_new.html",
        {"form": form, "errors": errors, "error_links": [(f"id_{k}", v) for k, v in errors.items()]},
        status=400 if errors else 200,
    )


def _pdf_refusal(upload: "UploadedFile[bytes]") -> str | None:
    """Why a PDF is refused (it holds JavaScript or other active content, or does not parse), if it is."""
    if detect_mime(upload) not in ALLOWED_MIME["pdf"]:
        return None
    return pdf.refusal(upload, (upload.name or "file")[-200:])


def _acceptable(upload: "UploadedFile[bytes]") -> bool:
    size = getattr(upload, "size", 0) or 0
    if size == 0 or size > ATTACHMENT_MAX_BYTES:
        return False
    return detect_mime(upload) in ALLOWED_MIME["pdf"] | ALLOWED_MIME["jpeg"] | ALLOWED_MIME["png"]


def _attachment_error() -> str:
    return _("Attach a PDF, JPEG or PNG file of up to 10 MB (its content was checked, not its name).")


def inquiry_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    inquiry = get_inquiry_for_user(request.user, public_id, action=Action.VIEW, context=context_from_request(request))
    # Only close matches, and only from the department the inquiry is with (or was suggested for): a
    # loosely related answer next to a resident's own question confuses more than it helps.
    department = inquiry.department or inquiry.suggested_department
    hits = faq.default_index().search(
        inquiry.text, limit=3, minimum=0.2, departments={department.code} if department else None
    )
    english = is_english()
    answers = [{"question": h.entry.question_in(english), "answer": h.entry.answer_in(english)} for h in hits]
    return render(request, "intelligence/inquiry_detail.html", {"inquiry": inquiry, "hits": answers})


def my_inquiries(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated and not request.session.get("guest_keys"):
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    context = context_from_request(request)
    inquiries = list(
        Inquiry.objects.visible_to(request.user, context, action=Action.VIEW).select_related("department")[:50]
    )
    record_listed(request.user, Action.VIEW, inquiries, context)  # as each inquiry's page would
    return render(request, "intelligence/my_inquiries.html", {"inquiries": inquiries})
