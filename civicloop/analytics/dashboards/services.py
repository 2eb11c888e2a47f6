# SPDX-License-Identifier: MPL-2.0
"""Services (サービスを変革): what residents use more or less, life events, new online procedures."""

from collections import defaultdict
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards.base import (
    Chart,
    Column,
    Filters,
    Series,
    add_months,
    drill_link,
    month_label,
    monthly_sums,
    pct,
)
from civicloop.analytics.models import MonthlyCount
from civicloop.analytics.procedures import all_procedures, procedure_info
from civicloop.applications.models import is_online_channel
from civicloop.catalog.models import LifeEvent

TOP_PROCEDURES = 6
UPTAKE_MONTHS = 12
COUNTER_ONLY_MONTHS = 3


def build(scope: Q, filters: Filters) -> list[Chart]:
    return [trends(scope, filters), life_events(scope, filters), once_only(scope, filters), uptake(scope, filters)]


def trends(scope: Q, filters: Filters) -> Chart:
    submitted: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["submitted"], ["procedure", "month"]):
        submitted[row["procedure"]][month_label(row["month"])] += row["n"]
    top = sorted(submitted, key=lambda code: -sum(submitted[code].values()))[:TOP_PROCEDURES]
    chart = Chart(
        "trends",
        _("Trends"),
        _("Applications per month for the most used procedures in the period."),
        [Column("month", _("Month"))] + [Column(code, procedure_info(code).name, "int") for code in top],
        "month",
        [Series(code, "line") for code in top],
        empty_note=_("No applications in this period."),
    )
    for month in filters.months():
        label = month_label(month)
        chart.add([label] + [submitted[code][label] for code in top], drill_link(filters, month=label))
    return chart


def life_events(scope: Q, filters: Filters) -> Chart:
    bundles = {le.code: le.name for le in LifeEvent.objects.all()}
    chart = Chart(
        "life-events",
        _("Life events"),
        _("Applications for the procedures of each life-event bundle (one-stop service), per month."),
        [Column("month", _("Month"))] + [Column(code, name, "int") for code, name in bundles.items()],
        "month",
        [Series(code, stack="bundles") for code in bundles],
    )
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["submitted"], ["procedure", "month"]):
        for bundle in procedure_info(row["procedure"]).life_events:
            per[month_label(row["month"])][bundle] += row["n"]
    for month in filters.months():
        label = month_label(month)
        chart.add([label] + [per[label][code] for code in bundles])
    return chart


def once_only(scope: Q, filters: Filters) -> Chart:
    """Answers residents did not type again: drafts a life-event bundle started, and their prefilled inputs."""
    chart = Chart(
        "once-only",
        _("Once only: answers prefilled"),
        _(
            "Drafts started from a life-event bundle each month, the answers they were given from what the "
            "resident had already told us or from their sign-in, and the average per draft."
        ),
        [
            Column("month", _("Month")),
            Column("drafts", _("Drafts started prefilled"), "int"),
            Column("fields", _("Answers prefilled"), "int"),
            Column("per_draft", _("Answers per draft"), "num"),
        ],
        "month",
        [Series("fields"), Series("per_draft", "line", axis=1)],
        empty_note=_("No bundle was started in this period."),
    )
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["prefilled_drafts", "prefilled_fields"], ["metric", "month"]):
        per[month_label(row["month"])][row["metric"]] += row["n"]
    if not per:
        return chart
    for month in filters.months():
        label = month_label(month)
        drafts, fields = per[label]["prefilled_drafts"], per[label]["prefilled_fields"]
        chart.add([label, drafts, fields, round(fields / drafts, 1) if drafts else None])
    return chart


def uptake(scope: Q, filters: Filters) -> Chart:
    """Procedures whose first online application falls in the period, month by month since then."""
    chart = Chart(
        "uptake",
        _("Uptake of new online procedures"),
        _("Procedures that went online in the period: their online applications and online share, month by month."),
        [
            Column("procedure", _("Procedure")),
            Column("since", _("Online since")),
            Column("online_first", _("Online, first 3 months"), "int"),
            Column("online_last", _("Online, last 3 months"), "int"),
            Column("share_last", _("Online share, last 3 months (%)"), "pct"),
        ],
        "procedure",
        [Series("online_first"), Series("online_last")],
        horizontal=True,
        empty_note=_("No procedure went online in this period."),
    )
    months: dict[str, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    rows = MonthlyCount.objects.filter(scope, metric="submitted").values_list("procedure", "month", "dim").distinct()
    for code, month, dim in rows:
        months[code][month].add(dim)
    codes = {p.code for p in all_procedures()}
    for code, by_month in sorted(months.items()):
        online = sorted(m for m, dims in by_month.items() if "online" in dims)
        if not online or not (filters.start <= online[0] <= filters.end):
            continue
        # New online: at least COUNTER_ONLY_MONTHS months of counter applications before the first
        # online one (a month without online applications by chance is not a launch).
        if sum(1 for m in by_month if m < online[0]) < COUNTER_ONLY_MONTHS:
            continue
        if (filters.procedure and code != filters.procedure) or (codes and code not in codes):
            continue
        first = online[0]
        chart.add(_uptake_row(scope, filters, code, first), drill_link(filters, procedure=code, state="opened"))
    return chart


def _uptake_row(scope: Q, filters: Filters, code: str, first: date) -> list[object]:
    window = Filters(first, min(filters.end, add_months(first, UPTAKE_MONTHS - 1)), filters.department, code)
    per: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, window, ["submitted"], ["month", "dim"]):
        per[row["month"]]["online" if is_online_channel(row["dim"]) else "counter"] += row["n"]
    months = window.months()
    first3, last3 = months[:3], months[-3:]
    online_first = sum(per[m]["online"] for m in first3)
    online_last = sum(per[m]["online"] for m in last3)
    total_last = online_last + sum(per[m]["counter"] for m in last3)
    return [procedure_info(code).name, month_label(first), online_first, online_last, pct(online_last, total_last)]
