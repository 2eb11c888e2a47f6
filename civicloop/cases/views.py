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

from civicloop.cases import actions
from civicloop.cases.access import get_case_for_user
from civicloop.cases.models import DUE_SOON_DAYS, Case
from civicloop.catalog.definition import Definition
from civicloop.catalog.formschema import field_specs, summarize
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
