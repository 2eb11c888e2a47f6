# SPDX-License-Identifier: MPL-2.0
"""Governance: how the ward's records are classified, against the 80/15/5 the seed reports; procurement."""

from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from civicloop.analytics.dashboards import procurement
from civicloop.analytics.dashboards.base import Chart, Column, Filters, Series, department_names, monthly_sums, pct
from civicloop.core.models import Classification, tier_name

# DOMAIN.md: after the UK's reform about 80 % OFFICIAL, 15 % SECRET, 5 % TOP SECRET.
REFERENCE = {Classification.OFFICIAL: 80.0, Classification.SECRET: 15.0, Classification.TOP_SECRET: 5.0}


def build(scope: Q, filters: Filters) -> list[Chart]:
    return [distribution(scope, filters), by_department(scope, filters), *procurement.build(scope, filters)]


def distribution(scope: Q, filters: Filters) -> Chart:
    chart = Chart(
        "classification",
        _("Classification of cases"),
        _("Cases opened in the period by classification, beside the reference distribution 80/15/5."),
        [
            Column("classification", _("Classification")),
            Column("cases", _("Cases"), "int"),
            Column("share", _("Share (%)"), "pct"),
            Column("reference", _("Reference (%)"), "pct"),
        ],
        "classification",
        [Series("share"), Series("reference")],
        note=_("Figures cover the departments and classifications you may see."),
    )
    counts: dict[str, int] = defaultdict(int)
    for row in monthly_sums(scope, filters, ["opened"], ["classification"]):
        counts[row["classification"]] += row["n"]
    total = sum(counts.values())
    for tier in Classification:
        chart.add([tier_name(tier), counts[tier.value], pct(counts[tier.value], total), REFERENCE[tier]])
    return chart


def by_department(scope: Q, filters: Filters) -> Chart:
    names = department_names()
    chart = Chart(
        "classification-by-department",
        _("Classification by department"),
        _("Cases opened in the period per department and classification."),
        [Column("department", _("Department"))]
        + [Column(tier.value, tier_name(tier), "int") for tier in Classification]
        + [Column("secret_share", _("SECRET or above (%)"), "pct")],
        "department",
        [Series(tier.value, stack="tiers") for tier in Classification],
        horizontal=True,
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly_sums(scope, filters, ["opened"], ["department", "classification"]):
        counts[row["department"]][row["classification"]] += row["n"]
    for code, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(c.values())
        above = total - c[Classification.OFFICIAL]
        chart.add([names.get(code, code)] + [c[t.value] for t in Classification] + [pct(above, total)])
    return chart
