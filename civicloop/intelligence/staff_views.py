# SPDX-License-Identifier: MPL-2.0
"""Staff handle inquiries under /staff/inquiries/: the department queue, the triage inbox, one inquiry.

Every list is scoped by the one policy (`Inquiry.objects.visible_to`, the triage department owning
what is not routed yet) and audited as the inquiry's page would be; every action goes through
`intelligence.actions`, which checks inside that the clerk may *work* the inquiry.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.accounts.models import User
from civicloop.accounts.staff import staff_member_or_404
from civicloop.applications.actions import ProcedureUnavailable
from civicloop.classification.policy import Action, context_from_request, decide, record_listed
from civicloop.intelligence import actions, reasons
from civicloop.intelligence.access import get_inquiry_for_user
from civicloop.intelligence.forms import OpenCaseForm, ReplyForm, RerouteForm
from civicloop.intelligence.models import Inquiry

PAGE_SIZE = 100
QUEUE_STATUSES = {"open": [Inquiry.Status.ROUTED], "answered": [Inquiry.Status.ANSWERED], "all": None}


def _listed(request: HttpRequest, user: User) -> QuerySet[Inquiry]:
    return Inquiry.objects.visible_to(user, context_from_request(request)).select_related(
        "department", "suggested_department", "case"
    )


def _render_list(request: HttpRequest, user: User, inquiries: list[Inquiry], extra: dict[str, Any]) -> HttpResponse:
    record_listed(user, Action.VIEW, inquiries, context_from_request(request))  # as each inquiry's page would
    rows = [{"inquiry": i, "confidence": _confidence(i)} for i in inquiries]
    return render(request, "intelligence/staff/inquiry_list.html", {"rows": rows, **extra})


@login_required(login_url="cases:staff-login")
def inquiry_queue(request: HttpRequest) -> HttpResponse:
    """The department queue: inquiries routed to the clerk's departments, open first, oldest first."""
    user = staff_member_or_404(request)
    status = request.GET.get("status", "open")
    if status not in QUEUE_STATUSES:
        status = "open"
    statuses = QUEUE_STATUSES[status]
    inquiries = _listed(request, user).filter(department__isnull=False)
    if statuses is not None:
        inquiries = inquiries.filter(status__in=statuses)
    rows = list(inquiries.order_by("created_at")[:PAGE_SIZE])
    return _render_list(request, user, rows, {"view": "queue", "status": status})


@login_required(login_url="cases:staff-login")
def triage_inbox(request: HttpRequest) -> HttpResponse:
    """Inquiries the router was unsure about (below the threshold), least sure first."""
    user = staff_member_or_404(request)
    inquiries = _listed(request, user).filter(status=Inquiry.Status.TRIAGE)
    rows = list(inquiries.order_by(F("confidence").asc(nulls_first=True), "created_at")[:PAGE_SIZE])
    return _render_list(request, user, rows, {"view": "triage"})


@login_required(login_url="cases:staff-login")
def inquiry_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One inquiry: the resident's words, why the router suggested what it did, and the actions."""
    user = staff_member_or_404(request)
    context = context_from_request(request)
    inquiry = get_inquiry_for_user(user, public_id, action=Action.VIEW, context=context)
    return _render_page(request, user, inquiry)


def _render_page(request: HttpRequest, user: User, inquiry: Inquiry, status: int = 200, **forms: Any) -> HttpResponse:
    can_work = decide(user, Action.WORK, inquiry, context_from_request(request)).allowed
    department = inquiry.department
    initial = {"procedure": inquiry.suggested_procedure} if inquiry.suggested_procedure else {}
    context = {
        "inquiry": inquiry,
        "confidence": _confidence(inquiry),
        "reasons": reasons.reasons_for(inquiry),
        "corrections": inquiry.corrections.select_related("from_department", "to_department"),
        "can_work": can_work,
        "can_reply": can_work and inquiry.department_id is not None,
        "can_open_case": can_work and inquiry.case_id is None and department is not None,
        "reply_form": forms.get("reply_form") or ReplyForm(initial={"answer": inquiry.answer}),
        "reroute_form": forms.get("reroute_form")
        or RerouteForm(initial={"department": inquiry.suggested_department if inquiry.department is None else None}),
        "case_form": forms.get("case_form") or OpenCaseForm(department=department, initial=initial),
    }
    return render(request, "intelligence/staff/inquiry_detail.html", context, status=status)


@require_POST
def inquiry_reply(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    inquiry = get_inquiry_for_user(user, public_id, action=Action.VIEW, context=context)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _render_page(request, user, inquiry, 400, reply_form=form)
    try:
        actions.answer_inquiry(inquiry=inquiry, answer=form.cleaned_data["answer"], by=user, context=context)
    except actions.NotAuthorised:
        return _refused(request, user, inquiry)
    messages.success(request, _("The answer was sent to the resident."))
    return redirect("intelligence:staff-inquiry-detail", inquiry.public_id)


@require_POST
def inquiry_reroute(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    inquiry = get_inquiry_for_user(user, public_id, action=Action.VIEW, context=context)
    form = RerouteForm(request.POST)
    if not form.is_valid():
        return _render_page(request, user, inquiry, 400, reroute_form=form)
    department = form.cleaned_data["department"]
    try:
        actions.reroute_inquiry(
            inquiry=inquiry, to_department=department, by=user, reason=form.cleaned_data["reason"], context=context
        )
    except actions.NotAuthorised:
        return _refused(request, user, inquiry)
    messages.success(request, _("The inquiry was sent to %(department)s.") % {"department": department.name})
    # The clerk may no longer see it once it is with another department: back to the list they came from.
    return redirect("intelligence:staff-triage" if inquiry.department_id is None else "intelligence:staff-inquiry-list")


@require_POST
def inquiry_open_case(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = staff_member_or_404(request)
    context = context_from_request(request)
    inquiry = get_inquiry_for_user(user, public_id, action=Action.VIEW, context=context)
    form = OpenCaseForm(request.POST, department=inquiry.department)
    if not form.is_valid():
        return _render_page(request, user, inquiry, 400, case_form=form)
    try:
        case = actions.open_case_from_inquiry(
            inquiry=inquiry, procedure=form.cleaned_data["procedure"], by=user, context=context
        )
    except actions.NotAuthorised:
        return _refused(request, user, inquiry)
    except (actions.InquiryRejected, ProcedureUnavailable):
        form.add_error("procedure", _("A case cannot be opened from this inquiry with that procedure."))
        return _render_page(request, user, inquiry, 400, case_form=form)
    messages.success(request, _("A case was opened from the inquiry."))
    return redirect("cases:case-detail", case.public_id)


def _refused(request: HttpRequest, user: User, inquiry: Inquiry) -> HttpResponse:
    messages.error(request, _("Only the department this inquiry is with can answer or move it."))
    return _render_page(request, user, inquiry, 403)


def _confidence(inquiry: Inquiry) -> dict[str, str]:
    return {
        "label": reasons.confidence_in_words(inquiry.confidence),
        "level": reasons.confidence_level(inquiry.confidence),
    }
