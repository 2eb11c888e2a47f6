# SPDX-License-Identifier: MPL-2.0
"""Operations (業務を最適化): arrivals, backlog, processing time against 標準処理期間, bottlenecks."""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from civicloop.accounts.models import Position
from civicloop.analytics.dashboards.base import (
    Chart,
    Column,
    Filters,
    Series,
    day_label,
    department_names,
    drill_link,
    histogram_summaries,
    monthly_sums,
    pct,
)
from civicloop.analytics.models import CaseFact, DailyCount
from civicloop.analytics.procedures import procedure_info
from civicloop.core.language import is_english

HOUR = 3600.0
# Approver ranks in the order of the 専決規程 (accounts.models.Position), for a stable chart.
LEVEL_ORDER = ["kakaricho", "kacho", "bucho", "fuku_kucho", "kucho"]
# Whose time a workflow step (cases.workflow.TASKS) measures. A 補正 waits for the resident to answer;
# the fee step waits for the resident to pay (the clerk only confirms the payment). Neither is the
# office's work, so neither can be the office's bottleneck. Every task kind is in exactly one set
# (test_step_times.py), so a new kind must be placed before it is counted.
RESIDENT_STEPS = {"correction", "fee"}
OFFICE_STEPS = {"intake", "review", "consultation", "inspection", "approval", "notify"}
TASK_ORDER = ["intake", "review", "consultation", "inspection", "approval", "notify", "correction", "fee"]


def build(scope: Q, filters: Filters) -> list[Chart]:
    return [
        flow(scope, filters),
        processing_time(scope, filters),
        overdue(scope, filters),
        correction_rate(scope, filters),
        step_times(scope, filters),
        approval_waits(scope, filters),
    ]


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def flow(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "flow",
        _("Arrivals, throughput and backlog"),
        _("Cases opened and closed each week, and the cases still open at the end of the week."),
        [
            Column("week", _("Week of")),
            Column("opened", _("Arrived"), "int"),
            Column("closed", _("Closed"), "int"),
            Column("backlog", _("Open at the end of the week"), "int"),
        ],
        "week",
        [Series("opened"), Series("closed"), Series("backlog", "line", axis=1)],
    )
    base = DailyCount.objects.filter(scope, _dim_q(filters))
    before = dict(base.filter(day__lt=filters.start).values_list("metric").annotate(n=Sum("count")).order_by())
    backlog = (before.get("opened") or 0) - (before.get("closed") or 0)
    weeks: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    in_period = base.filter(day__gte=filters.start, day__lt=filters.until)
    for day, metric, n in in_period.values_list("day", "metric").annotate(n=Sum("count")).order_by():
        weeks[_week(day)][metric] += n
    for week in sorted(weeks):
        backlog += weeks[week]["opened"] - weeks[week]["closed"]
        chart.add([day_label(week), weeks[week]["opened"], weeks[week]["closed"], backlog])
    return chart


def _dim_q(filters: Filters) -> Q:
    q = Q()
    if filters.department:
        q &= Q(department=filters.department)
    if filters.procedure:
        q &= Q(procedure=filters.procedure)
    return q


def processing_time(scope: Q, filters: Filters) -> Chart:
    names = department_names()
    chart = Chart(
        "processing-time",
        _("Processing days against the standard period"),
        _(
            "Median and 90th percentile of the days from arrival to decision (less 補正 pauses), in the "
            "procedure's own kind of days, beside its standard processing period (標準処理期間)."
        ),
        [
            Column("procedure", _("Procedure")),
            Column("department", _("Department")),
            Column("decided", _("Decided"), "int"),
            Column("median", _("Median (days)"), "days"),
            Column("p90", _("90th percentile (days)"), "days"),
            Column("standard", _("Standard period (days)"), "days"),
            Column("day_kind", _("Kind of days")),
            Column("on_time", _("Within the period (%)"), "pct"),
        ],
        "procedure",
        [Series("median"), Series("p90"), Series("standard", "marker")],
        horizontal=True,
        empty_note=_("No decisions in this period."),
    )
    summaries = histogram_summaries(scope, filters, "processing_days", ["department", "procedure"], log_scale=False)
    late: dict[tuple[str, str], int] = defaultdict(int)
    for row in monthly_sums(scope, filters, ["closed_overdue"], ["department", "procedure"]):
        late[(row["department"], row["procedure"])] += row["n"]
    ranked = sorted(summaries.items(), key=lambda kv: -(kv[1].p90 / max(procedure_info(kv[0][1]).standard_days, 1)))
    for (department, code), summary in ranked:
        info = procedure_info(code)
        on_time = pct(summary.count - late[(department, code)], summary.count)
        chart.add(
            [
                info.name,
                names.get(department, department),
                summary.count,
                summary.median,
                summary.p90,
                info.standard_days or None,
                _("business days") if info.day_kind == "business" else _("calendar days"),
                on_time,
            ],
            drill_link(filters, procedure=code, department=department, state="closed"),
        )
    return chart


def overdue(scope: Q, filters: Filters) -> Chart:
    names = department_names()
    today = timezone.localdate()
    chart = Chart(
        "overdue",
        _("Open cases past their due date"),
        _("Cases still open today whose standard processing period has ended (補正 pauses included)."),
        [
            Column("procedure", _("Procedure")),
            Column("department", _("Department")),
            Column("overdue", _("Overdue"), "int"),
            Column("oldest", _("Oldest due date")),
        ],
        "procedure",
        [Series("overdue")],
        horizontal=True,
        empty_note=_("No open case is past its due date."),
    )
    open_cases = CaseFact.objects.filter(scope, _dim_q(filters), closed_at=None, due_date__lt=today, paused_at=None)
    grouped = open_cases.values("department", "procedure").annotate(n=Count("case_id"), oldest=Min("due_date"))
    rows: list[dict[str, Any]] = [dict(row) for row in grouped.order_by("-n")]
    for row in rows:
        chart.add(
            [
                procedure_info(row["procedure"]).name,
                names.get(row["department"], row["department"]),
                row["n"],
                day_label(row["oldest"]),
            ],
            drill_link(filters, procedure=row["procedure"], department=row["department"], state="overdue"),
        )
    return chart


def correction_rate(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "correction-rate",
        _("補正 rate"),
        _("Correction requests sent to residents per 100 cases opened in the period, by procedure."),
        [
            Column("procedure", _("Procedure")),
            Column("opened", _("Cases opened"), "int"),
            Column("corrections", _("Correction requests"), "int"),
            Column("rate", _("Correction rate (%)"), "pct"),
        ],
        "procedure",
        [Series("rate")],
        horizontal=True,
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["opened", "correction"], ["procedure"]):
        counts[row["procedure"]][row["metric"]] += row["n"]
    ranked = sorted(counts.items(), key=lambda kv: pct(kv[1]["correction"], kv[1]["opened"]) or 0)
    for code, c in ranked:
        if not c["opened"]:
            continue
        chart.add(
            [procedure_info(code).name, c["opened"], c["correction"], pct(c["correction"], c["opened"])],
            drill_link(filters, procedure=code, state="corrected"),
        )
    return chart


def _order(keys: list[str], order: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))


def step_times(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "step-times",
        _("Time per workflow step"),
        _(
            "How long each step of the case workflow took (hours): the municipality's own steps first, then the "
            "resident's (answering a 補正, paying the fee)."
        ),
        [
            Column("task", _("Step")),
            Column("whose", _("Whose time")),
            Column("count", _("Completed"), "int"),
            Column("median", _("Median (hours)"), "hours"),
            Column("p90", _("90th percentile (hours)"), "hours"),
            Column("mean", _("Mean (hours)"), "hours"),
        ],
        "task",
        [Series("median"), Series("p90")],
        horizontal=True,
        empty_note=_("No workflow steps were completed in this period."),
    )
    summaries = histogram_summaries(scope, filters, "task_seconds", ["dim"], log_scale=True)
    # The resident's time (a 補正, paying the fee) is shown, apart, but is not the office's bottleneck.
    office_steps = {key: s for key, s in summaries.items() if key[0] not in RESIDENT_STEPS}
    worst = max(office_steps.items(), key=lambda kv: kv[1].p90)[0] if office_steps else None
    for key in _order([k[0] for k in summaries], TASK_ORDER):
        s = summaries[(key,)]
        whose = _("The resident") if key in RESIDENT_STEPS else _("The municipality")
        chart.add([task_label(key), whose, s.count, _h(s.median), _h(s.p90), _h(s.mean)])
    if worst is not None:
        chart.note = _(
            "The municipality's bottleneck (90th percentile of its own steps): %(step)s. The resident's time "
            "(answering a 補正, paying the fee) is not counted in it."
        ) % {"step": task_label(worst[0])}
    return chart


def approval_waits(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "approval-waits",
        _("Approval waiting time by level"),
        _("How long a draft decision waited at each approver level of the 決裁 route (hours)."),
        [
            Column("level", _("Approver level")),
            Column("count", _("Approvals"), "int"),
            Column("median", _("Median (hours)"), "hours"),
            Column("p90", _("90th percentile (hours)"), "hours"),
            Column("proxy", _("代決 (by a deputy)"), "int"),
        ],
        "level",
        [Series("median"), Series("p90")],
        empty_note=_("No approvals in this period."),
    )
    summaries = histogram_summaries(scope, filters, "approval_wait_seconds", ["dim"], log_scale=True)
    proxies: dict[str, int] = defaultdict(int)
    for row in monthly_sums(scope, filters, ["approval_proxy"], ["dim"]):
        proxies[row["dim"]] += row["n"]
    for key in _order([k[0] for k in summaries], LEVEL_ORDER):
        s = summaries[(key,)]
        chart.add([level_label(key), s.count, _h(s.median), _h(s.p90), proxies[key]])
    return chart


def _h(seconds: float) -> float:
    return round(seconds / HOUR, 1)


def task_label(task: str) -> str:
    labels = {
        "intake": _("Intake"),
        "review": _("Review"),
        "correction": _("Correction by the resident"),
        "consultation": _("Consultation (合議)"),
        "approval": _("Approval (決裁)"),
        "notify": _("Notify the resident"),
        "inspection": _("Inspection"),
        "fee": _("Fee payment by the resident"),
    }
    return labels.get(task, task)


def level_label(level: str) -> str:
    labels = {p.value: p.label for p in Position}
    english = {
        "clerk": "Clerk",
        "kakaricho": "Section chief",
        "kacho": "Division head",
        "bucho": "Director",
        "fuku_kucho": "Deputy mayor",
        "kucho": "Mayor",
    }
    if is_english():
        return english.get(level, level)
    return labels.get(level, level)
