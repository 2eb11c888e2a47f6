# SPDX-License-Identifier: MPL-2.0
"""Staff dashboards (pages, JSON, CSV), the drill-down list of cases, and the resident's rating."""

import csv
import hashlib
import uuid
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicloop.accounts.models import Department
from civicloop.analytics import actions
from civicloop.analytics.dashboards import DASHBOARDS, svg
from civicloop.analytics.dashboards.base import Chart, FilterError, Filters, add_months, parse_month
from civicloop.analytics.models import MonthlyCount
from civicloop.analytics.procedures import all_procedures
from civicloop.analytics.scope import rollup_scope, staff_user
from civicloop.applications.access import get_application_for_user
from civicloop.cases.models import Case
from civicloop.classification.policy import (
    DEVICE_CEILING,
    TIERS,
    Action,
    actor_label,
    context_from_request,
    rank,
    record_listed,
)
from civicloop.core import audit
from civicloop.core.models import Classification

STAFF_LOGIN = "cases:staff-login"


def _charts(request: HttpRequest, slug: str, filters: Filters, action: Action = Action.VIEW) -> list[Chart]:
    """The dashboard's charts for this viewer and action; cached briefly per scope, filters and language."""
    dashboard = DASHBOARDS.get(slug)
    if dashboard is None:
        raise Http404
    scope = rollup_scope(request, action)
    key = "analytics:" + hashlib.sha256(f"{slug}|{scope}|{filters}|{get_language()}".encode()).hexdigest()
    charts: list[Chart] | None = cache.get(key) if settings.ANALYTICS_CACHE_SECONDS else None
    if charts is None:
        charts = dashboard.build(scope, filters)
        if settings.ANALYTICS_CACHE_SECONDS:
            cache.set(key, charts, settings.ANALYTICS_CACHE_SECONDS)
    return charts


def _filter_options(request: HttpRequest) -> dict[str, Any]:
    """Departments with figures the viewer may see, and their procedures, for the filter form."""
    scope = rollup_scope(request)
    key = "analytics:departments:" + hashlib.sha256(str(scope).encode()).hexdigest()
    codes: list[str] | None = cache.get(key)
    if codes is None:
        codes = sorted(set(MonthlyCount.objects.filter(scope, metric="opened").values_list("department", flat=True)))
        cache.set(key, codes, 600)
    departments = list(Department.objects.filter(code__in=codes))
    procedures = sorted((p for p in all_procedures() if p.department in codes), key=lambda p: p.name)
    return {"departments": departments, "procedures": procedures}


@login_required(login_url=STAFF_LOGIN)
def index(request: HttpRequest) -> HttpResponse:
    staff_user(request)
    return render(request, "analytics/index.html", {"dashboards": DASHBOARDS.values()})


@login_required(login_url=STAFF_LOGIN)
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    staff_user(request)
    if slug not in DASHBOARDS:
        raise Http404
    error = ""
    try:
        filters = Filters.from_query(request.GET)
    except FilterError as exc:
        error = str(exc)
        filters = Filters.from_query({})
    charts = _charts(request, slug, filters)
    context = {
        "dashboard": DASHBOARDS[slug],
        "dashboards": DASHBOARDS.values(),
        "charts": [(chart, chart.table(), svg.draw(chart)) for chart in charts],
        "filters": filters,
        "filter_error": error,
        "querystring": filters.querystring(),
        **_filter_options(request),
    }
    return render(request, "analytics/dashboard.html", context, status=400 if error else 200)


@login_required(login_url=STAFF_LOGIN)
def dashboard_data(request: HttpRequest, slug: str) -> HttpResponse:
    staff_user(request)
    try:
        filters = Filters.from_query(request.GET)
    except FilterError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    charts = _charts(request, slug, filters)
    return JsonResponse(
        {"dashboard": slug, "filters": filters.query(), "charts": [c.as_json() for c in charts]},
        json_dumps_params={"ensure_ascii": False},
    )


@login_required(login_url=STAFF_LOGIN)
def chart_csv(request: HttpRequest, slug: str, chart_id: str) -> HttpResponse:
    staff_user(request)
    try:
        filters = Filters.from_query(request.GET)
    except FilterError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    chart = next((c for c in _charts(request, slug, filters, Action.EXPORT) if c.id == chart_id), None)
    if chart is None:
        raise Http404
    audit_export(request, slug, chart_id, filters)
    return csv_response(chart, f"{slug}-{chart.id}-{filters.start:%Y%m}-{filters.end:%Y%m}.csv")


def csv_response(chart: Chart, name: str) -> HttpResponse:
    """A chart's table as a CSV download (the caller has audited the export)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with the BOM
    writer = csv.writer(response)
    writer.writerow([c.label for c in chart.columns])
    writer.writerows(["" if v is None else v for v in row] for row in chart.rows)
    return response


def audit_export(request: HttpRequest, slug: str, chart_id: str, filters: Filters) -> None:
    """Every CSV export is on the audit chain (the handling table audits exports); classified as the
    highest tier its figures may hold for this viewer on this device (never TOP SECRET: no grants)."""
    user = staff_user(request)
    context = context_from_request(request)
    reach = min(rank(user.clearance), rank(DEVICE_CEILING[context.device_trust]), rank(Classification.SECRET))
    audit.record(
        actor=actor_label(user),
        action=f"access.{Action.EXPORT}",
        object_type="analytics.chart",
        object_id=f"{slug}/{chart_id}",
        classification=TIERS[reach],
        data={"query": filters.query(), "device": str(context.device_trust)},
    )


def _aware(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _case_list_query(request: HttpRequest, filters: Filters) -> Any:
    user = staff_user(request)
    cases = Case.objects.visible_to(user, context_from_request(request)).select_related(
        "department", "assignee", "application__procedure_version"
    )
    if filters.department:
        cases = cases.filter(department__code=filters.department)
    if filters.procedure:
        cases = cases.filter(application__procedure_version__procedure__code=filters.procedure)
    start, until = filters.start, filters.until
    if month := request.GET.get("month"):
        try:
            start = parse_month(month, _("The month"))
        except FilterError:
            raise Http404 from None
        until = add_months(start, 1)
    in_period = {"gte": _aware(start), "lt": _aware(until)}
    state = request.GET.get("state", "opened")
    today = timezone.localdate()
    if state == "open":
        cases = cases.open()
    elif state == "overdue":
        cases = cases.open().exclude(status=Case.Status.CORRECTION).filter(due_date__lt=today)
    elif state == "closed":
        cases = cases.filter(status=Case.Status.CLOSED, closed_at__gte=in_period["gte"], closed_at__lt=in_period["lt"])
    elif state == "corrected":
        cases = cases.filter(
            Q(corrections__requested_at__gte=in_period["gte"]) & Q(corrections__requested_at__lt=in_period["lt"])
        ).distinct()
    else:
        state = "opened"
        cases = cases.filter(arrived_at__gte=in_period["gte"], arrived_at__lt=in_period["lt"])
    if assignee := request.GET.get("assignee"):
        try:
            cases = cases.filter(assignee__public_id=uuid.UUID(assignee))
        except ValueError:
            raise Http404 from None
    return cases.order_by("due_date", "pk"), state


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required(login_url=STAFF_LOGIN)
def cases(request: HttpRequest) -> HttpResponse:
    """The cases behind a figure: the policy decides which, exactly as in the inbox."""
    staff_user(request)
    try:
        filters = Filters.from_query(request.GET)
    except FilterError as exc:
        messages.error(request, str(exc))
        filters = Filters.from_query({})
    queryset, state = _case_list_query(request, filters)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    # Audited as each case's page would be (SECRET and above): the drill-down is a list of cases.
    record_listed(request.user, Action.VIEW, page.object_list, context_from_request(request))
    today = timezone.localdate()
    return render(
        request,
        "analytics/cases.html",
        {
            "page": page,
            "rows": [{"case": c, "sla": c.sla_state(today)} for c in page.object_list],
            "state": state,
            "filters": filters,
            "month": request.GET.get("month", ""),
            "querystring": _without_page(request),
        },
    )


@require_POST
def rate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The resident rates the service once the result is in (form on the application page)."""
    application = get_application_for_user(
        request.user, public_id, action=Action.EDIT, context=context_from_request(request)
    )
    try:
        score = int(request.POST.get("score", ""))
        actions.rate_service(application=application, score=score)
    except ValueError:
        messages.error(request, _("Choose a rating from 1 to 5."))
    except actions.RatingNotAllowed:
        messages.error(request, _("You can rate the service once, after your application has its result."))
    else:
        messages.success(request, _("Thank you for rating the service."))
    return redirect("applications:application-detail", public_id)
