# SPDX-License-Identifier: MPL-2.0
"""Staff (職員にパワーを): workload per department and per person, and the paper nobody printed."""

from collections import defaultdict

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards import collaboration
from civicloop.analytics.dashboards.base import (
    Chart,
    Column,
    Filters,
    Series,
    clerk_names,
    department_names,
    drill_link,
    month_label,
    monthly_sums,
)
from civicloop.analytics.models import CaseFact

# A result sent on paper is the letter and its envelope; posting it is the rest of the saving.
SHEETS_PER_DOCUMENT = 2


def build(scope: Q, filters: Filters) -> list[Chart]:
    return [
        workload(scope, filters),
        clerks(scope, filters),
        paper(scope, filters),
        *collaboration.build(scope, filters),
    ]


def _open_by(scope: Q, filters: Filters, field: str) -> dict[str, int]:
    q = Q(closed_at=None)
    if filters.department:
        q &= Q(department=filters.department)
    if filters.procedure:
        q &= Q(procedure=filters.procedure)
    rows = CaseFact.objects.filter(scope, q).values_list(field).annotate(n=Count("case_id")).order_by()
    return {key: n for key, n in rows}


def workload(scope: Q, filters: Filters) -> Chart:
    names = department_names()
    chart = Chart(
        "workload",
        _("Workload per department"),
        _("Cases that arrived and closed in the period, and the cases open today."),
        [
            Column("department", _("Department")),
            Column("opened", _("Arrived"), "int"),
            Column("closed", _("Closed"), "int"),
            Column("open", _("Open today"), "int"),
        ],
        "department",
        [Series("opened"), Series("closed"), Series("open")],
        horizontal=True,
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["opened", "closed"], ["department"]):
        counts[row["department"]][row["metric"]] += row["n"]
    for department, n in _open_by(scope, filters, "department").items():
        counts[department]["open"] += n
    for code, c in sorted(counts.items(), key=lambda kv: -kv[1]["opened"]):
        chart.add(
            [names.get(code, code), c["opened"], c["closed"], c["open"]],
            drill_link(filters, department=code, state="open"),
        )
    return chart


def clerks(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "clerks",
        _("Cases per clerk"),
        _("Cases each member of staff took on and closed in the period, and those they hold open today."),
        [
            Column("clerk", _("Clerk")),
            Column("claimed", _("Taken on"), "int"),
            Column("closed", _("Closed"), "int"),
            Column("open", _("Open today"), "int"),
        ],
        "clerk",
        [Series("claimed"), Series("closed"), Series("open")],
        horizontal=True,
        empty_note=_("No case was taken on in this period."),
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["claimed", "closed_by"], ["dim"]):
        counts[row["dim"]]["claimed" if row["metric"] == "claimed" else "closed"] += row["n"]
    for assignee, n in _open_by(scope, filters, "assignee").items():
        counts[assignee]["open"] += n
    counts.pop("", None)
    names = clerk_names(counts)
    for public_id, c in sorted(counts.items(), key=lambda kv: -kv[1]["claimed"]):
        chart.add(
            [names.get(public_id, _("(former staff)")), c["claimed"], c["closed"], c["open"]],
            drill_link(filters, assignee=public_id, state="open"),
        )
    return chart


def paper(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "paper",
        _("Paper avoided"),
        _("Result documents issued digitally instead of printed and posted, and the sheets of paper this saved."),
        [
            Column("month", _("Month")),
            Column("documents", _("Documents issued digitally"), "int"),
            Column("sheets", _("Sheets of paper avoided (estimate)"), "int"),
        ],
        "month",
        [Series("documents"), Series("sheets", "line")],
        note=_("Estimate: %(n)s sheets per document (the letter and its envelope).") % {"n": SHEETS_PER_DOCUMENT},
    )
    per_month: dict[str, int] = defaultdict(int)
    for row in monthly_sums(scope, filters, ["document"], ["month"]):
        per_month[month_label(row["month"])] += row["n"]
    for month in filters.months():
        label = month_label(month)
        chart.add([label, per_month[label], per_month[label] * SHEETS_PER_DOCUMENT])
    return chart
