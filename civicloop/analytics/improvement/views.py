# SPDX-License-Identifier: MPL-2.0
"""The 改善 pages: findings, actions and their effect, the drop-off funnel; a finding with its
actions, where its process owner records a new one. Scoped by the one policy like every dashboard."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicloop.analytics import actions
from civicloop.analytics.dashboards import svg
from civicloop.analytics.dashboards.base import Chart, FilterError, Filters, add_months, month_start
from civicloop.analytics.improvement import tables
from civicloop.analytics.improvement.effect import WINDOW_MONTHS, Effect, before_and_after
from civicloop.analytics.improvement.findings import Labels, detect, finding_for, kind_label
from civicloop.analytics.improvement.measures import Key, load, measure
from civicloop.analytics.models import Finding, ImprovementAction
from civicloop.analytics.scope import rollup_scope, staff_user
from civicloop.analytics.views import STAFF_LOGIN, audit_export, csv_response
from civicloop.classification.policy import (
    Action,
    NotPermitted,
    context_from_request,
    decide,
    evaluate,
    is_owner,
    visible_q,
)

MAX_ACTIONS = 50  # on the page and in its CSV, the latest first


class ActionForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What was changed"),
        max_length=actions.DESCRIPTION_MAX,
        widget=forms.TextInput(attrs={"class": "input"}),
    )
    taken_on = forms.DateField(
        label=gettext_lazy("From which day"),
        widget=forms.DateInput(attrs={"type": "date", "class": "input input--short"}),
    )


def _filters(request: HttpRequest) -> tuple[Filters, str]:
    try:
        return Filters.from_query(request.GET), ""
    except FilterError as exc:
        return Filters.from_query({}), str(exc)


def _visible_actions(request: HttpRequest) -> Any:
    user = staff_user(request)
    q = visible_q(
        user,
        owner_field="finding__department",  # residents never get here (staff_user)
        guest_field="finding__department",
        department_field="finding__department",
        context=context_from_request(request),
    )
    return ImprovementAction.objects.filter(q).select_related("finding", "recorded_by")


def _charts(request: HttpRequest, filters: Filters) -> list[Chart]:
    scope = rollup_scope(request)
    labels = Labels()
    acted = {
        Key(kind, procedure, subject): n
        for kind, procedure, subject, n in _visible_actions(request)
        .values_list("finding__kind", "finding__procedure", "finding__subject")
        .annotate(n=Count("pk"))
        .order_by()
    }
    today = timezone.localdate()
    return [
        tables.findings_chart(detect(scope, filters), acted, labels),
        tables.actions_chart(_visible_actions(request)[:MAX_ACTIONS], scope, today, labels),
        tables.funnel_chart(scope, filters, labels),
    ]


@login_required(login_url=STAFF_LOGIN)
def improvement(request: HttpRequest) -> HttpResponse:
    """改善: the findings of the period, the actions taken and their effect, the drop-off funnel."""
    staff_user(request)
    filters, error = _filters(request)
    charts = _charts(request, filters)
    drawn = {"funnel"} if len(charts[2].rows) <= 40 else set()
    return render(
        request,
        "analytics/improvement.html",
        {
            "charts": [(c, c.table(), svg.draw(c) if c.id in drawn else None) for c in charts],
            "filters": filters,
            "filter_error": error,
            "querystring": filters.querystring(),
        },
        status=400 if error else 200,
    )


@login_required(login_url=STAFF_LOGIN)
def improvement_csv(request: HttpRequest, chart_id: str) -> HttpResponse:
    staff_user(request)
    filters, error = _filters(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    chart = next((c for c in _charts(request, filters) if c.id == chart_id), None)
    if chart is None:
        raise Http404
    audit_export(request, "improvement", chart_id, filters)
    return csv_response(chart, f"improvement-{chart.id}-{filters.start:%Y%m}-{filters.end:%Y%m}.csv")


def _finding(request: HttpRequest, kind: str, procedure: str, subject: str) -> Finding:
    """The finding, if the policy lets the viewer see it (a 404 otherwise, as for a case)."""
    user = staff_user(request)
    finding = finding_for(Key(kind, procedure, "" if subject == "-" else subject))
    if finding is None or not decide(user, Action.VIEW, finding, context_from_request(request)).allowed:
        raise Http404
    return finding


@login_required(login_url=STAFF_LOGIN)
def finding_detail(request: HttpRequest, kind: str, procedure: str, subject: str) -> HttpResponse:
    """One finding: its measure by month, the actions on it with their before and after, the form."""
    user = staff_user(request)
    finding = _finding(request, kind, procedure, subject)
    form = ActionForm(request.POST or None, initial={"taken_on": timezone.localdate()})
    context = context_from_request(request)
    may_act = evaluate(user, Action.WORK, finding, context).allowed and is_owner(user, finding)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_improvement_action(
                finding=finding,
                actor=user,
                description=form.cleaned_data["description"],
                taken_on=form.cleaned_data["taken_on"],
                context=context,
            )
        except (NotPermitted, actions.NotProcessOwner):
            messages.error(request, _("Only the procedure's process owner records an action. Nothing was saved."))
        except ValueError:
            messages.error(request, _("Date the action at most a year ahead. Nothing was saved."))
        else:
            messages.success(request, _("The action was recorded. Its before and after are below."))
            return redirect(request.path)
    page = _finding_context(request, finding, form, may_act)
    return render(request, "analytics/improvement_finding.html", page, status=400 if request.method == "POST" else 200)


def _with_effect(action: ImprovementAction, effect: Effect) -> dict[str, Any]:
    return {"action": action, "effect": effect, "note": tables.sample_note(effect), "unit": effect.before.unit}


def _finding_context(request: HttpRequest, finding: Finding, form: ActionForm, may_act: bool) -> dict[str, Any]:
    scope = rollup_scope(request)
    key = Key.of(finding)
    labels = Labels()
    today = timezone.localdate()
    this_month = month_start(today)
    recorded = list(_visible_actions(request).filter(finding__pk=finding.pk)) if finding.pk else []
    first = min([month_start(a.taken_on) for a in recorded] + [add_months(this_month, -12)])
    start = add_months(first, -WINDOW_MONTHS)
    by_month = tables.monthly_chart(scope, key, start, add_months(this_month, 1), labels)
    period = measure(load(scope, add_months(this_month, -11), add_months(this_month, 1), procedure=key.procedure), key)
    return {
        "finding": finding,
        "key": key,
        "kind": kind_label(key.kind),
        "procedure_name": labels.procedure(key.procedure),
        "subject": labels.subject(key),
        "measure_label": labels.measure(key),
        "period": period,
        "chart": by_month,
        "table": by_month.table(),
        "drawing": svg.draw(by_month),
        "recorded": [_with_effect(a, before_and_after(scope, key, a.taken_on, today)) for a in recorded],
        "form": form,
        "may_act": may_act,
        "today": today,
    }
