# SPDX-License-Identifier: MPL-2.0
"""SLA risk: how well the risk scores predicted lateness on held-back history, and the open cases at risk.

The evaluation (AUC, Brier score, calibration) is one figure for the whole model, measured on the
latest quarter of the history that training never saw (civicloop/insight/risk.py); the open cases
are scoped like every rollup.
"""

from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards.base import Chart, Column, Filters, Series, department_names
from civicloop.analytics.procedures import procedure_info
from civicloop.insight.inbox import HIGH, MEDIUM
from civicloop.insight.models import CaseRisk, RiskModel


def build(scope: Q, filters: Filters) -> list[Chart]:
    model = RiskModel.objects.order_by("-created_at").first()
    return [calibration(model), open_cases(scope, filters)]


def calibration(model: RiskModel | None) -> Chart:
    chart = Chart(
        "risk-calibration",
        _("Calibration on held-back history"),
        _(
            "Held-back cases in ten groups of equal size by their score: the mean score of each group beside the "
            "share of its cases that did go past their due date. On a calibrated model the two lines meet."
        ),
        [
            Column("group", _("Group (by score)")),
            Column("predicted", _("Mean score (%)"), "pct"),
            Column("observed", _("Went past the due date (%)"), "pct"),
            Column("count", _("Cases"), "int"),
        ],
        "group",
        [Series("predicted", "line"), Series("observed", "line")],
        empty_note=_("No risk model yet: it is trained weekly once the history holds enough decided cases."),
    )
    if model is None:
        return chart
    for i, (predicted, observed, count) in enumerate(model.calibration, start=1):
        chart.add([str(i), round(100 * predicted, 1), round(100 * observed, 1), int(count)])
    chart.note = _(
        "AUC %(auc).3f, Brier score %(brier).3f on %(rows)s snapshots of open cases from %(day)s on, which training "
        "never saw (%(rate).0f %% of them went past their due date). Trained on %(train)s earlier snapshots."
    ) % {
        "auc": model.auc or 0.0,
        "brier": model.brier or 0.0,
        "rows": model.test_rows,
        "day": date_format(model.held_back_from, "DATE_FORMAT"),
        "rate": 100 * model.positive_rate,
        "train": model.train_rows,
    }
    return chart


def open_cases(scope: Q, filters: Filters) -> Chart:
    names = department_names()
    chart = Chart(
        "risk-open",
        _("Open cases by risk"),
        _(
            "Open cases with a high (50 percent or more) or medium (20 to 50 percent) chance of going past their due "
            "date, by procedure. The inbox sorts by this score and shows its reasons."
        ),
        [
            Column("procedure", _("Procedure")),
            Column("department", _("Department")),
            Column("high", _("High risk"), "int"),
            Column("medium", _("Medium risk"), "int"),
            Column("scored", _("Open cases scored"), "int"),
        ],
        "procedure",
        [Series("high", stack="risk"), Series("medium", stack="risk")],
        horizontal=True,
        empty_note=_("No open case has a score yet."),
    )
    q = Q(department=filters.department) if filters.department else Q()
    q &= Q(procedure=filters.procedure) if filters.procedure else Q()
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for department, procedure, score in CaseRisk.objects.filter(scope, q).values_list(
        "department", "procedure", "score"
    ):
        entry = counts[(department, procedure)]
        entry[0] += score >= HIGH
        entry[1] += MEDIUM <= score < HIGH
        entry[2] += 1
    inbox = reverse("cases:case-list")
    for (department, code), (high, medium, scored) in sorted(counts.items(), key=lambda kv: (-kv[1][0], -kv[1][1])):
        chart.add(
            [procedure_info(code).name, names.get(department, department), high, medium, scored],
            f"{inbox}?sort=risk&procedure={code}",
        )
    return chart
