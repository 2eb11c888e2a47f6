# SPDX-License-Identifier: MPL-2.0
import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.applications.access import get_application_for_user, request_context
from civicloop.cases import actions
from civicloop.cases.access import get_case_for_user
from civicloop.cases.models import DUE_SOON_DAYS, Case, CorrectionRequest
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import bind, errors_for, field_specs, parse_post, summarize
from civicloop.classification.policy import Action
from civicloop.core.models import Event


def _staff(request: HttpRequest) -> Any:
    user: Any = request.user
    if not getattr(user, "is_staff_member", False):
        raise Http404
    return user


@login_required(login_url="cases:login")
def inbox(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    cases = Case.objects.visible_to(user).select_related("department", "assignee", "application__procedure_version")
    today = timezone.localdate()
    status = request.GET.get("status", "open")
    if status == "open":
        cases = cases.open()
    elif status in Case.Status.values:
        cases = cases.filter(status=status)
    sla = request.GET.get("sla", "")
    if sla == "overdue":
        cases = cases.open().filter(due_date__lt=today)
    elif sla == "due_soon":
        cases = cases.open().filter(due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))
    if procedure := request.GET.get("procedure", ""):
        cases = cases.filter(application__procedure_version__procedure__code=procedure)
    assignee = request.GET.get("assignee", "")
    if assignee == "me":
        cases = cases.filter(assignee=user)
    elif assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    if query := request.GET.get("q", "").strip()[:60]:
        cases = cases.filter(
            Q(application__receipt_number__iexact=query) | Q(application__applicant__full_name__contains=query)
        )
    order = "arrived_at" if request.GET.get("sort") == "arrived" else "due_date"
    page = Paginator(cases.order_by(order, "pk"), 50).get_page(request.GET.get("page"))
    rows = [{"case": case, "sla": case.sla_state(today)} for case in page.object_list]
    return render(
        request,
        "cases/inbox.html",
        {"page": page, "rows": rows, "filters": request.GET, "statuses": Case.Status.choices},
    )


@login_required(login_url="cases:login")
def case_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _staff(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW)
    application = case.application
    definition = Definition(application.procedure_version.definition)
    english = (get_language() or "ja").startswith("en")
    sections = []
    for step in definition.visible_steps(application.answers):
        rows = []
        for spec in field_specs(definition.schema, step.fields):
            rows += summarize(spec, application.answers.get(spec.path), english=english)
        sections.append({"title": step.title_in(english), "rows": rows})
    history = Event.objects.filter(
        subject__in=[f"case/{case.public_id}", f"application/{application.public_id}"]
    ).order_by("time")
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "application": application,
            "sections": sections,
            "attachments": application.attachments.all(),
            "history": history,
            "sla": case.sla_state(),
            "correctable_fields": [
                (name, spec.title_en if english else spec.title_ja)
                for step in definition.steps
                for spec in field_specs(definition.schema, step.fields)
                for name in [spec.path]
            ],
            "correctable_attachments": [(rule.code, rule.label_in(english)) for rule in definition.attachments],
            "open_correction": case.corrections.filter(resolved_at__isnull=True).first(),
        },
    )


@login_required(login_url="cases:login")
@require_POST
def claim(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _staff(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW)
    try:
        actions.claim_case(case=case, clerk=user)
    except actions.CaseAlreadyClaimed:
        messages.error(request, _("Another member of staff claimed this case first. Nothing was changed."))
    else:
        messages.success(request, _("You are now handling this case."))
    return redirect("cases:case-detail", public_id)


@login_required(login_url="cases:login")
@require_POST
def correction_request(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _staff(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW)
    try:
        actions.request_correction(
            case=case,
            clerk=user,
            fields=request.POST.getlist("fields"),
            attachments=request.POST.getlist("attachments"),
            reason=request.POST.get("reason", ""),
        )
    except actions.CorrectionInvalid:
        messages.error(request, _("Choose at least one answer or document and write the reason."))
    except actions.IllegalTransition:
        messages.error(request, _("A correction cannot be requested for this case now. Nothing was changed."))
    else:
        messages.success(
            request, _("The correction request was sent to the resident. The processing period is paused.")
        )
    return redirect("cases:case-detail", public_id)


def correction(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The resident's side of a 補正: change only the named answers, then resubmit."""
    application = get_application_for_user(
        request.user, public_id, action=Action.EDIT, context=request_context(request)
    )
    open_request = CorrectionRequest.objects.filter(case__application=application, resolved_at__isnull=True).first()
    if open_request is None:
        raise Http404
    definition = Definition(application.procedure_version.definition)
    english = (get_language() or "ja").startswith("en")
    answers: dict[str, Any] = dict(application.answers)
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers.update(parse_post(definition.schema, open_request.fields, request.POST))
        for name in open_request.fields:
            if name not in parse_post(definition.schema, [name], request.POST):
                answers.pop(name, None)
        try:
            actions.resubmit_correction(application=application, answers=answers)
        except actions.CorrectionInvalid as exc:
            errors = errors_for(exc.errors, open_request.fields) or exc.errors
        else:
            messages.success(request, _("Your corrected application was sent. Thank you."))
            return redirect("applications:detail", public_id)
    fields = [
        bind(spec, answers.get(spec.path), errors, english=english)
        for spec in field_specs(definition.schema, open_request.fields)
    ]
    return render(
        request,
        "cases/correction.html",
        {
            "application": application,
            "version": application.procedure_version,
            "correction": open_request,
            "fields": fields,
            "errors": errors,
            "error_links": [("f-" + k.replace(".", "-"), v) for k, v in errors.items()],
        },
        status=400 if errors else 200,
    )


@login_required(login_url="cases:login")
@require_POST
def decision(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _staff(request)
    case = get_case_for_user(user, public_id, action=Action.VIEW)
    try:
        actions.decide_case(
            case=case, clerk=user, outcome=request.POST.get("outcome", ""), reason=request.POST.get("reason", "")
        )
    except actions.CorrectionInvalid:
        messages.error(request, _("Choose approve or refuse. A refusal must state its reasons."))
    except actions.IllegalTransition:
        messages.error(request, _("This case is already closed. Nothing was changed."))
    else:
        messages.success(request, _("The decision was recorded and the resident can see it."))
    return redirect("cases:case-detail", public_id)


@require_POST
def withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The resident's 取下げ."""
    application = get_application_for_user(
        request.user, public_id, action=Action.EDIT, context=request_context(request)
    )
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm that you want to withdraw the application."))
        return redirect("applications:detail", public_id)
    try:
        actions.withdraw_application(application=application, resident=request.user)  # type: ignore[arg-type]
    except (actions.IllegalTransition, Case.DoesNotExist):
        messages.error(request, _("This application can no longer be withdrawn."))
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("applications:detail", public_id)
